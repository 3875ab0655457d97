"""A coordinator's follow-up work in a real browser: bulk changes from the action list,
and the new action form's owner picker."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from tests.browser.conftest import login, screenshot
from tests.conftest import PASSWORD
from tests.helpers import deliver
from tracker.extensions import db
from tracker.models import ActionUpdate, MessageStatus, OutboxMessage, Role, UpdateKind

MONDAY = date(2027, 3, 1)


@pytest.fixture
def people(make_user, make_institution, make_action, make_recommendation):
    onm = make_institution("ONM", "Observatoire National de la Migration")
    ins = make_institution("INS", "Institut National de la Statistique")
    leaving = make_user(Role.FOCAL_POINT, institution=onm, name="Sami Jlassi",
                        email="sami@onm.example")
    successor = make_user(Role.FOCAL_POINT, institution=onm, name="Leila Trabelsi",
                          email="leila@onm.example")
    statistician = make_user(Role.FOCAL_POINT, institution=ins, name="Mounir Gharbi",
                             email="mounir@ins.example")
    coordinator = make_user(Role.COORDINATOR, name="Karim Ben Salah", email="karim@onm.example")
    recommendations = [make_recommendation(title=f"Recommandation {n}") for n in range(3)]
    actions = [make_action(owner=leaving, recommendation=recommendations[n % 3],
                           title=f"Action de suivi {n:02d}",
                           deadline=date.today() + timedelta(days=20 + n)) for n in range(30)]
    make_action(owner=statistician, recommendation=recommendations[0],
                title="Publier l'annuaire statistique")
    return {"coordinator": coordinator, "leaving": leaving, "successor": successor,
            "statistician": statistician, "actions": actions,
            "recommendation": recommendations[0], "ins": ins}


def test_a_bulk_reassignment_of_30_actions_previews_then_writes_30_rows_and_one_email(
        new_page, people, runner, smtp):
    leaving, successor = people["leaving"], people["successor"]
    page = new_page(locale="en-GB")  # the assertions read the English wording
    login(page, people["coordinator"].email, PASSWORD)
    page.goto(f"/actions?owner={leaving.id}")
    assert page.get_by_text("All 30 actions matching the filters").is_visible()
    page.check("#all_matching")
    page.select_option("#bulk-operation", "owner")
    screenshot(page, "bulk-list")
    rows_before = db.session.scalar(select(func.count()).select_from(ActionUpdate))
    page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state()
    # The new owner is chosen on a page of its own, among the people who may own actions;
    # only the value this change needs is asked.
    assert page.get_by_text("30 actions selected.").is_visible()
    assert page.locator("#bulk-days").count() == 0
    page.select_option("#bulk-owner", str(successor.id))
    page.fill("#bulk-comment", "Départ de Sami Jlassi")
    page.get_by_role("button", name="Preview the change").click()
    page.wait_for_load_state()
    assert page.get_by_text("30 actions will change.").is_visible()
    assert page.locator("tbody tr").count() == 30
    screenshot(page, "bulk-preview")
    # The preview changed nothing.
    assert db.session.scalar(select(func.count()).select_from(ActionUpdate)) == rows_before

    page.get_by_role("button", name="Apply to 30 actions").click()
    page.wait_for_load_state()
    assert page.get_by_text("30 actions changed.").is_visible()
    db.session.expire_all()
    rows = db.session.scalars(select(ActionUpdate).where(ActionUpdate.id > 0)
                              .order_by(ActionUpdate.id.desc()).limit(31)).all()
    assert db.session.scalar(select(func.count()).select_from(ActionUpdate)) == rows_before + 30
    changed = rows[:30]
    assert {r.action_id for r in changed} == {a.id for a in people["actions"]}
    assert all(r.kind == UpdateKind.EDITED and r.changes["owner"] == [leaving.id, successor.id]
               for r in changed)
    held = db.session.scalars(select(OutboxMessage.recipient_id).where(
        OutboxMessage.status == MessageStatus.HELD)).all()
    # The new owner is assigned 30 actions and the previous one told of each: one daily
    # email each.
    assert Counter(held) == {successor.id: 30, leaving.id: 30}
    deliver(runner, MONDAY)
    assert Counter(m["To"] for m in smtp.messages) == {successor.email: 1, leaving.email: 1}

    page.goto(f"/actions?owner={successor.id}")
    assert page.get_by_text("All 30 actions matching the filters").is_visible()


def test_choosing_an_owner_proposes_their_institution_as_lead(new_page, people):
    page = new_page()
    login(page, people["coordinator"].email, PASSWORD)
    page.goto(f"/recommendations/{people['recommendation'].id}/actions/new")
    assert page.locator("#owner").input_value() == ""
    assert page.locator("#lead_institution").input_value() == ""
    page.select_option("#owner", label="Mounir Gharbi — Institut National de la Statistique")
    assert page.locator("#lead_institution").input_value() == str(people["ins"].id)
    page.fill("#title", "Harmoniser les définitions")
    page.fill("#deadline", (date.today() + timedelta(days=60)).isoformat())
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Harmoniser les définitions").is_visible()
