"""An admin lists a closed day from a phone, in Arabic, without JavaScript needed."""

from __future__ import annotations

from sqlalchemy import select

from tests.browser.conftest import axe_violations, login, screenshot
from tests.conftest import PASSWORD
from tracker.extensions import db
from tracker.models import ClosedDay, Role


def test_an_admin_adds_and_removes_a_closed_day_on_a_phone(new_page, make_user):
    admin = make_user(Role.ADMIN, locale="ar", email="admin@onm.example")
    page = new_page(width=375, locale="ar", bypass_csp=True)  # for axe
    login(page, admin.email, PASSWORD)
    page.goto("/admin/closed-days")
    assert page.get_attribute("html", "dir") == "rtl"
    page.fill("#day", "2030-04-08")
    page.fill("#label", "Pont de l'Aïd")
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_load_state()
    assert page.locator("main bdi", has_text="Pont de l'Aïd").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert axe_violations(page) == []
    screenshot(page, "closed-days-ar")
    [closed] = db.session.scalars(select(ClosedDay)).all()
    assert closed.label == "Pont de l'Aïd" and closed.created_by_id == admin.id
    page.locator("main td form button").click()
    page.wait_for_load_state()
    db.session.expire_all()
    assert db.session.scalars(select(ClosedDay)).all() == []
