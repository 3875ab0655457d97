"""Archiving and restoring an event, and the admins' audit, in a real browser."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from pathlib import Path

import pytest

from tests.browser.conftest import login, screenshot
from tests.conftest import PASSWORD
from tracker.actions.services import Change, record_update
from tracker.extensions import db
from tracker.models import Role, Status

EVENT = "Atelier régional de Médenine"
ACTION = "Ouvrir un guichet d'information"


@pytest.fixture
def people(make_user, make_institution, make_action, make_event, make_recommendation):
    onm = make_institution("ONM", "Observatoire National de la Migration")
    focal = make_user(Role.FOCAL_POINT, institution=onm, name="Leila Trabelsi",
                      email="leila@onm.example")
    coordinator = make_user(Role.COORDINATOR, name="Karim Ben Salah",
                            email="karim@onm.example")
    admin = make_user(Role.ADMIN, name="Admin Centrale", email="admin@onm.example")
    event = make_event(title=EVENT)
    action = make_action(owner=focal, recommendation=make_recommendation(event=event),
                         title=ACTION, deadline=date.today() - timedelta(days=2))
    make_action(owner=focal, title="Former les agents", deadline=date.today() + timedelta(days=9))
    record_update(focal, action, None, Change(status=Status.IN_PROGRESS, progress=40,
                                              comment="=cmd|' /C calc'!A0"))
    db.session.commit()
    return {"focal": focal, "coordinator": coordinator, "admin": admin, "event": event}


def test_an_archived_event_leaves_the_dashboard_and_comes_back_when_restored(new_page, people):
    page = new_page()
    login(page, people["coordinator"].email, PASSWORD)
    page.goto("/dashboard")
    assert EVENT in page.locator("main").inner_text()

    page.goto(f"/events/{people['event'].id}")
    page.locator(".archive-panel summary").first.click()
    page.fill("#archive-reason-event", "Atelier saisi en double")
    page.locator(".archive-panel form button[type=submit]").first.click()
    page.wait_for_load_state()
    screenshot(page, "event-archived")

    page.goto("/dashboard")
    assert EVENT not in page.locator("main").inner_text()
    assert ACTION not in page.locator("main").inner_text()

    page.goto("/archived")
    row = page.locator("tr", has_text=EVENT)
    row.locator("input[name=reason]").fill("Archivé par erreur")
    row.locator("button[type=submit]").click()
    page.wait_for_load_state()

    page.goto("/dashboard")
    assert EVENT in page.locator("main").inner_text()
    screenshot(page, "event-restored-dashboard")


def test_the_audit_page_filters_by_person_and_exports_csv(new_page, people):
    page = new_page(locale="en-GB")  # the link is found by its English name
    login(page, people["admin"].email, PASSWORD)
    page.goto("/admin/audit")
    table = page.locator("table.audit tbody")
    assert "Leila Trabelsi" in table.inner_text()

    page.select_option("select[name=person]", label="Leila Trabelsi")
    page.locator("form.filters button[type=submit]").click()
    page.wait_for_load_state()
    screenshot(page, "audit-by-person")
    lines = table.locator("tr")
    assert lines.count() >= 1
    for index in range(lines.count()):
        assert "Leila Trabelsi" in lines.nth(index).inner_text()
    assert f"person={people['focal'].id}" in page.url

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Export as CSV").click()
    download = download_info.value
    text = Path(download.path()).read_text(encoding="utf-8-sig")
    header, *rows = list(csv.reader(io.StringIO(text)))
    assert rows and {row[1] for row in rows} == {"Leila Trabelsi"}
    assert "'=cmd|' /C calc'!A0" in [row[7] for row in rows]
