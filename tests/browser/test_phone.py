"""Focal points on a 375 px phone: the update form first, their actions by urgency, short
header and folded filters."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.browser.conftest import login, screenshot
from tests.conftest import PASSWORD
from tracker.actions.services import Change, record_update
from tracker.extensions import db
from tracker.models import Role, Status

PHONE = {"width": 375, "height": 667}  # an iPhone SE's viewport, the smallest common one

TITLES = [
    "Cartographier les sources de données migratoires",
    "Former les statisticiens régionaux à l'enquête",
    "Publier l'annuaire statistique de la migration",
    "Mettre en place le comité de pilotage national",
    "Réviser le questionnaire du recensement",
    "Signer la convention d'échange de données",
    "Organiser l'atelier de validation des indicateurs",
    "Traduire le guide méthodologique en arabe",
]


@pytest.fixture
def focal_with_23_actions(make_user, make_institution, make_action, make_recommendation):
    """A focal point owning 23 actions as a real one does: most open, some closed."""
    onm = make_institution("ONM", "Observatoire National de la Migration")
    focal = make_user(Role.FOCAL_POINT, institution=onm, name="Leila Trabelsi")
    coordinator = make_user(Role.COORDINATOR, name="Karim Ben Salah")
    recommendation = make_recommendation(
        title="Renforcement des capacités institutionnelles et du système d'information")
    today = date.today()
    # 18 open: 3 overdue, 4 due within two weeks, 3 awaiting news, 8 later; 5 closed.
    offsets = [-20, -9, -2, 3, 6, 10, 13] + [60 + 15 * i for i in range(11)] + [90] * 5
    actions = []
    for i, days in enumerate(offsets):
        values = {}
        if 7 <= i < 10:
            values = {"start_date": today - timedelta(weeks=10), "report_every_weeks": 4}
        actions.append(make_action(
            owner=focal, recommendation=recommendation, lead_institution=onm,
            title=f"{TITLES[i % len(TITLES)]} ({i + 1})",
            deadline=today + timedelta(days=days), **values))
    for action in actions[7:10]:
        action.last_news_on = today - timedelta(weeks=10)  # as if the last news were old
    for action in actions[18:]:
        record_update(coordinator, action, action.version, Change(status=Status.CANCELLED))
    db.session.commit()
    return focal, actions


def phone(new_page, locale="fr-FR"):
    page = new_page(width=PHONE["width"], locale=locale)
    page.set_viewport_size(PHONE)
    return page


def test_the_update_form_shows_without_scrolling_on_the_action_page(
        new_page, focal_with_23_actions):
    focal, actions = focal_with_23_actions
    page = phone(new_page)
    login(page, focal.email, PASSWORD)
    page.goto(f"/actions/{actions[0].id}")
    status = page.locator("#status").bounding_box()
    assert status["y"] + status["height"] <= PHONE["height"], status
    assert page.locator(".action-summary .status-not_started").is_visible()
    screenshot(page, "phone-action")


def test_my_actions_fit_the_open_ones_on_two_screens_and_fold_the_closed(
        new_page, focal_with_23_actions):
    focal, actions = focal_with_23_actions
    page = phone(new_page)
    login(page, focal.email, PASSWORD)
    assert page.url.endswith("/my-actions")
    groups = page.locator("section[aria-labelledby=own-heading] .urgency")
    assert [groups.nth(i).locator("h3").inner_text().split("\n")[0].strip()
            for i in range(groups.count())] == [
        "En retard 3", "Échéance dans les 14 jours 4", "En attente de nouvelles 3",
        "Autres actions en cours 8"]
    screenshot(page, "phone-my-actions")
    last_open = groups.last.locator(".action-item").last.bounding_box()
    assert last_open["y"] + last_open["height"] <= 2 * PHONE["height"], last_open
    closed = page.locator("details.closed-actions")
    assert "5" in closed.locator("summary").inner_text()
    assert not closed.locator(".action-item").first.is_visible()
    closed.locator("summary").click()
    assert closed.locator(".action-item").first.is_visible()
    screenshot(page, "phone-my-actions")


def test_the_header_folds_into_a_menu(new_page, focal_with_23_actions):
    focal, _ = focal_with_23_actions
    page = phone(new_page)
    login(page, focal.email, PASSWORD)
    assert page.locator(".site-header").bounding_box()["height"] <= 60
    nav = page.get_by_role("navigation", name="Menu principal")
    assert not nav.is_visible()
    page.get_by_text("Menu", exact=True).click()
    assert nav.is_visible()
    nav.get_by_role("link", name="Mon profil").click()
    page.wait_for_load_state()
    assert page.url.endswith("/profile")


def test_the_language_changes_in_one_step(new_page, focal_with_23_actions):
    focal, _ = focal_with_23_actions
    page = phone(new_page)
    login(page, focal.email, PASSWORD)
    page.get_by_text("Menu", exact=True).click()
    page.get_by_role("button", name="العربية").click()
    page.wait_for_load_state()
    assert page.get_attribute("html", "lang") == "ar"
    assert page.url.endswith("/my-actions")


def test_list_filters_fold_behind_a_button_that_counts_them(new_page, focal_with_23_actions):
    focal, _ = focal_with_23_actions
    page = phone(new_page)
    login(page, focal.email, PASSWORD)
    page.goto("/actions?status=not_started&overdue=1&sort=title")
    toggle = page.locator("summary.filters-toggle")
    assert toggle.inner_text() == "Filtres · 2 actifs"
    assert not page.locator("#q").is_visible()
    assert page.locator(".actions-table").first.bounding_box()["y"] < PHONE["height"]
    toggle.click()
    assert page.locator("#q").is_visible()


def test_filters_and_menu_stay_open_on_a_wide_screen(new_page, focal_with_23_actions):
    focal, _ = focal_with_23_actions
    page = new_page(width=1280)
    login(page, focal.email, PASSWORD)
    page.goto("/actions")
    assert page.locator("#q").is_visible()
    assert not page.locator("summary.filters-toggle").is_visible()
    assert page.get_by_role("navigation", name="Menu principal").is_visible()
