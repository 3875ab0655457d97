"""Arabic pages read right to left: the layout is mirrored, not just the text."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.browser.conftest import login, screenshot
from tests.conftest import PASSWORD
from tracker.models import Role


@pytest.fixture
def arabic_reader(make_user, make_action):
    user = make_user(Role.COORDINATOR, locale="ar", name="Nour")
    action = make_action(title="إعداد دليل المؤشرات", deadline=date.today() + timedelta(days=9))
    return user, action


@pytest.mark.parametrize("path", ["/dashboard", "/actions/{action}"])
def test_arabic_pages_are_mirrored(new_page, arabic_reader, path):
    user, action = arabic_reader
    page = new_page(locale="ar")
    login(page, user.email, PASSWORD)
    page.goto(path.format(action=action.id))
    assert page.get_attribute("html", "dir") == "rtl"
    assert page.get_attribute("html", "lang") == "ar"
    brand = page.locator(".brand").bounding_box()
    nav = page.locator(".site-nav").bounding_box()
    width = page.viewport_size["width"]
    # Right to left, the site name sits at the right edge and the menu to its left.
    assert brand["x"] + brand["width"] > width * 0.75
    assert nav["x"] < brand["x"]
    heading = page.locator("main h1").bounding_box()
    assert heading["x"] + heading["width"] > width * 0.6  # text starts on the right
    screenshot(page, "arabic" + path.split("/")[1].replace("{action}", "action"))
