"""Reviewing in the queue, in a real browser: decisions taken there, without opening an action."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from tests.browser.conftest import axe_violations, login, screenshot
from tests.conftest import PASSWORD
from tracker.actions.services import Change, record_update
from tracker.extensions import db
from tracker.models import Role, Status, UpdateKind

ACTION_PAGE = re.compile(r"/actions/\d+(?:$|[?#])")


@pytest.fixture
def people(make_user, make_institution, make_action, make_recommendation):
    onm = make_institution("ONM", "Observatoire National de la Migration")
    focal = make_user(Role.FOCAL_POINT, institution=onm, name="Leila Trabelsi",
                      email="leila@onm.example")
    coordinator = make_user(Role.COORDINATOR, name="Karim Ben Salah",
                            email="karim@onm.example")
    recommendation = make_recommendation(title="Renforcer le système d'information")
    titles = ["Publier l'annuaire statistique", "Former les agents consulaires",
              "Ouvrir le guichet unique de Sfax"]
    completed = []
    for title in titles:
        action = make_action(owner=focal, recommendation=recommendation, title=title,
                             deadline=date.today() + timedelta(days=20))
        record_update(focal, action, action.version, Change(
            status=Status.COMPLETED, progress=100, comment=f"{title} : c'est fait."))
        completed.append(action)
    to_cancel = make_action(owner=focal, recommendation=recommendation,
                            title="Créer un observatoire régional à Médenine")
    db.session.commit()
    return {"focal": focal, "coordinator": coordinator, "completed": completed,
            "to_cancel": to_cancel}


def visited_action_pages(page) -> list[str]:
    """Start recording the action pages `page` opens; return the list it fills."""
    opened: list[str] = []
    page.on("framenavigated", lambda frame: opened.append(frame.url)
            if frame == page.main_frame and ACTION_PAGE.search(frame.url) else None)
    return opened


def test_a_coordinator_validates_three_completions_with_one_comment_from_the_queue(
        new_page, people):
    page = new_page()
    login(page, people["coordinator"].email, PASSWORD)
    opened = visited_action_pages(page)
    page.goto("/review")
    for action in people["completed"]:
        item = page.locator(f"#completion-{action.id}-title").locator("xpath=..")
        assert f"{action.title} : c'est fait." in item.inner_text()
    screenshot(page, "review-queue-three-completions")

    # Ticked from the keyboard: the first box by Space, the others by their labels.
    first, *others = people["completed"]
    page.focus(f"#completion-{first.id}-select")
    page.keyboard.press("Space")
    for action in others:
        page.check(f"#completion-{action.id}-select")
    page.fill("#bulk-comment", "Validé en réunion de suivi du 3 décembre.")
    page.locator("#bulk-validate button[type=submit]").click()
    page.wait_for_load_state()

    assert page.url.endswith("/review")
    assert page.locator(".flash-success").first.is_visible()
    assert page.locator("[id^=completion-][id$=-title]").count() == 0
    assert opened == []  # decided without opening an action
    for action in people["completed"]:
        db.session.refresh(action)
        assert action.status == Status.COMPLETED
        latest = action.updates[0]
        assert (latest.kind, latest.comment) == (
            UpdateKind.VALIDATED, "Validé en réunion de suivi du 3 décembre.")


def test_the_filled_queue_has_no_serious_accessibility_violation(new_page, people):
    page = new_page(bypass_csp=True)
    login(page, people["coordinator"].email, PASSWORD)
    page.goto("/review")
    violations = axe_violations(page)
    assert violations == [], violations


def test_a_focal_points_cancellation_waits_in_the_queue_and_is_decided_there(
        new_page, people):
    action = people["to_cancel"]
    focal = new_page(width=390)
    login(focal, people["focal"].email, PASSWORD)
    focal.goto(f"/actions/{action.id}")
    focal.select_option("#status", "cancelled")
    focal.fill("#comment", "Le projet est repris par le ministère de l'Intérieur.")
    focal.locator("form[enctype] button[type=submit]").click()
    focal.wait_for_load_state()
    assert focal.locator(".status-pending_cancellation").first.is_visible()
    db.session.refresh(action)
    assert action.status == Status.PENDING_CANCELLATION
    screenshot(focal, "cancellation-proposed-phone")

    coordinator = new_page()
    login(coordinator, people["coordinator"].email, PASSWORD)
    opened = visited_action_pages(coordinator)
    coordinator.goto("/review")
    item = coordinator.locator(f"#cancellation-{action.id}-title").locator("xpath=..")
    assert "Le projet est repris par le ministère de l'Intérieur." in item.inner_text()
    screenshot(coordinator, "review-queue-cancellation")
    coordinator.fill(f"#cancellation-{action.id}-decision-comment", "D'accord, merci.")
    item.locator("button[value=accept]").click()
    coordinator.wait_for_load_state()

    assert coordinator.url.endswith("/review")
    assert coordinator.locator(f"#cancellation-{action.id}-title").count() == 0
    assert opened == []
    db.session.refresh(action)
    assert action.status == Status.CANCELLED
    assert action.updates[0].kind == UpdateKind.CANCELLATION_ACCEPTED
    assert action.updates[0].comment == "D'accord, merci."
