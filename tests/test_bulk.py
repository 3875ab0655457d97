"""Coordinators change many actions at once: a preview first, then all of them or none."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from tests.conftest import count_queries
from tests.helpers import _PageForm, deliver, form_on_page, page_text
from tracker.actions import bulk
from tracker.actions.services import Change, record_update
from tracker.extensions import db
from tracker.models import (
    Action,
    ActionUpdate,
    AuditEntry,
    MessageStatus,
    OutboxMessage,
    Role,
    Status,
    UpdateKind,
)

MONDAY = date(2027, 3, 1)


@pytest.fixture
def team(make_user, make_institution, make_action, make_recommendation):
    """A coordinator, a focal point who left with four actions, and two colleagues."""
    onm = make_institution("ONM", "Observatoire national de la migration")
    ine = make_institution("INS", "Institut national de la statistique")
    leaving = make_user(Role.FOCAL_POINT, institution=onm, name="Sami Jlassi")
    colleague = make_user(Role.FOCAL_POINT, institution=onm, name="Leila Trabelsi")
    other = make_user(Role.FOCAL_POINT, institution=ine, name="Mounir Gharbi")
    recommendation = make_recommendation()
    actions = [make_action(owner=leaving, recommendation=recommendation,
                           title=f"Collecter les données {n}",
                           deadline=date.today() + timedelta(days=30 + n)) for n in range(4)]
    kept = make_action(owner=other, recommendation=recommendation, title="Former les agents")
    return {"coordinator": make_user(Role.COORDINATOR, name="Karim Ben Salah"),
            "leaving": leaving, "colleague": colleague, "other": other, "actions": actions,
            "kept": kept, "onm": onm, "ine": ine}


def _history_count() -> int:
    return db.session.scalar(select(func.count()).select_from(ActionUpdate))


def _preview(client, actions, **change):
    data = {"ids": [str(a.id) for a in actions], "filters": "", **change}
    return client.post("/actions/bulk", data=data)


def _confirm(client, preview):
    """Press the preview's confirm button (the page may be a 409 showing a fresh preview)."""
    form = _PageForm("/actions/bulk/apply")
    form.feed(preview.get_data(as_text=True))
    assert form.values, "the page has no confirm button"
    return client.post("/actions/bulk/apply", data=form.values)


def test_the_preview_shows_each_action_from_and_to_and_changes_nothing(client, auth, team):
    auth.login(team["coordinator"])
    before = _history_count()
    response = _preview(client, team["actions"], operation="owner",
                        owner=str(team["colleague"].id))
    assert response.status_code == 200
    text = page_text(response)
    assert "4 actions will change." in text
    for action in team["actions"]:
        assert action.title in text
    assert text.count("Sami Jlassi") == 4 and text.count("→ <bdi>Leila Trabelsi</bdi>") == 4
    assert "Apply to 4 actions" in text
    assert _history_count() == before
    assert all(a.owner_id == team["leaving"].id for a in team["actions"])


def test_confirming_reassigns_every_action_with_one_history_row_each_and_one_email(
        client, auth, team, runner, smtp):
    auth.login(team["coordinator"])
    before = _history_count()
    preview = _preview(client, team["actions"], operation="owner",
                       owner=str(team["colleague"].id), comment="Départ de Sami Jlassi")
    response = _confirm(client, preview)
    assert response.status_code == 302
    assert "4 actions changed." in page_text(client.get(response.headers["Location"]))
    assert all(a.owner_id == team["colleague"].id for a in team["actions"])
    rows = db.session.scalars(select(ActionUpdate).where(ActionUpdate.id > 0)
                              .order_by(ActionUpdate.id.desc()).limit(4)).all()
    assert _history_count() == before + 4
    assert {r.action_id for r in rows} == {a.id for a in team["actions"]}
    assert all(r.kind == UpdateKind.EDITED and r.comment == "Départ de Sami Jlassi"
               and r.changes["owner"] == [team["leaving"].id, team["colleague"].id]
               for r in rows)
    assert team["kept"].owner_id == team["other"].id
    # Four notifications wait for each owner's daily email (the new one is assigned the
    # actions, the previous one told they were handed over), which gathers them in one.
    held = db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.status == MessageStatus.HELD)).all()
    assert Counter(m.recipient_id for m in held) == {team["colleague"].id: 4,
                                                      team["leaving"].id: 4}
    deliver(runner, MONDAY)
    assert Counter(m["To"] for m in smtp.messages) == {team["colleague"].email: 1,
                                                        team["leaving"].email: 1}
    body = next(m for m in smtp.messages if m["To"] == team["colleague"].email
                ).get_body(("plain",)).get_content()
    for action in team["actions"]:
        assert action.title in body


def test_one_refused_action_refuses_the_whole_batch(client, auth, team):
    first = team["actions"][0]
    first.start_date = first.deadline - timedelta(days=3)
    db.session.commit()
    auth.login(team["coordinator"])
    preview = _preview(client, team["actions"], operation="shift", days="-10")
    text = page_text(preview)
    assert preview.status_code == 200
    assert "1 action refuses the change." in text
    assert "The deadline cannot be before the start date." in text
    assert "/actions/bulk/apply" not in text  # nothing to confirm
    deadlines = {a.id: a.deadline for a in team["actions"]}
    before = _history_count()
    # Posted anyway (a page kept open, a hand-made request): refused whole.
    versions = ",".join(f"{a.id}:{a.version}" for a in team["actions"])
    response = client.post("/actions/bulk/apply", data={
        "operation": "shift", "days": "-10", "versions": versions, "filters": ""})
    assert response.status_code == 422
    assert "Nothing was changed" in page_text(response)
    assert _history_count() == before
    assert {a.id: a.deadline for a in team["actions"]} == deadlines


def test_an_action_changed_since_the_preview_refuses_the_batch_as_stale(client, auth, team):
    auth.login(team["coordinator"])
    preview = _preview(client, team["actions"], operation="deadline",
                       deadline=(date.today() + timedelta(days=90)).isoformat())
    record_update(team["leaving"], team["actions"][2], None,
                  Change(status=Status.IN_PROGRESS, progress=20, comment="Commencé"))
    db.session.commit()
    before = _history_count()
    response = _confirm(client, preview)
    assert response.status_code == 409
    assert "since the preview. Nothing was changed" in page_text(response)
    assert _history_count() == before
    assert all(a.deadline != date.today() + timedelta(days=90) for a in team["actions"])
    # The page shown again is a fresh preview, which applies.
    assert _confirm(client, response).status_code == 302
    assert all(a.deadline == date.today() + timedelta(days=90) for a in team["actions"])


def test_all_actions_matching_the_filters_are_changed(client, auth, team):
    auth.login(team["coordinator"])
    preview = client.post("/actions/bulk", data={
        "all_matching": "y", "filters": f"owner={team['leaving'].id}", "operation": "cycle",
        "weeks": "4"})
    assert "4 actions will change." in page_text(preview)
    assert _confirm(client, preview).status_code == 302
    assert [a.report_every_weeks for a in team["actions"]] == [4, 4, 4, 4]
    assert team["kept"].report_every_weeks is None


def test_a_batch_past_the_bound_is_refused_with_a_message(client, auth, team, monkeypatch):
    monkeypatch.setattr(bulk, "MAX_BATCH", 3)
    auth.login(team["coordinator"])
    for data in ({"ids": [str(a.id) for a in team["actions"]]},
                 {"all_matching": "y", "filters": ""}):
        response = client.post("/actions/bulk", data={
            **data, "operation": "cycle", "weeks": "4"})
        assert response.status_code == 422
        assert "at most" in page_text(response)
    assert all(a.report_every_weeks is None for a in team["actions"])


def test_a_change_without_its_value_or_actions_is_refused(client, auth, team):
    auth.login(team["coordinator"])
    response = _preview(client, team["actions"], operation="owner", owner="99999")
    assert response.status_code == 422
    assert "Not a valid choice" in page_text(response)
    response = _preview(client, [], operation="cycle", weeks="4")
    assert response.status_code == 422
    assert "Select at least one action." in page_text(response)


def test_a_new_owner_is_chosen_on_a_page_of_its_own_that_keeps_the_selection(
        client, auth, team):
    auth.login(team["coordinator"])
    listing = client.get("/actions").get_data(as_text=True)
    assert 'id="bulk-owner"' not in listing  # the list page offers no owner list
    chooser = _preview(client, team["actions"], operation="owner")
    assert chooser.status_code == 200
    page = chooser.get_data(as_text=True)
    assert f"{len(team['actions'])} actions selected." in page_text(chooser)
    assert f'<option value="{team["colleague"].id}">' in page
    kept = re.findall(r'name="ids" value="(\d+)"', page)
    assert kept == [str(a.id) for a in sorted(team["actions"], key=lambda a: a.id)]
    preview = client.post("/actions/bulk", data={"ids": kept, "operation": "owner",
                                                  "filters": "", "chosen": "y",
                                                  "owner": str(team["colleague"].id)})
    assert preview.status_code == 200
    assert f"{len(team['actions'])} actions will change." in page_text(preview)


def test_a_new_lead_institution_leaves_the_contributors(client, auth, team, make_action):
    contributed = make_action(owner=team["leaving"], contributors=[team["ine"]])
    auth.login(team["coordinator"])
    preview = _preview(client, [contributed, team["actions"][0]],
                       operation="lead_institution", institution=str(team["ine"].id))
    assert _confirm(client, preview).status_code == 302
    assert contributed.lead_institution_id == team["ine"].id
    assert contributed.contributors == []


def test_coordinators_set_a_status_and_the_owner_is_told(client, auth, team):
    auth.login(team["coordinator"])
    preview = _preview(client, team["actions"][:2], operation="status", status="blocked",
                       comment="Budget gelé")
    assert "2 actions will change." in page_text(preview)
    assert _confirm(client, preview).status_code == 302
    assert [a.status for a in team["actions"][:2]] == [Status.BLOCKED] * 2
    entry = team["actions"][0].updates[0]
    assert entry.changes == {"status": ["not_started", "blocked"]}
    assert entry.comment == "Budget gelé"
    held = db.session.scalars(select(OutboxMessage.recipient_id).where(
        OutboxMessage.status == MessageStatus.HELD)).all()
    assert held == [team["leaving"].id] * 2
    # "Pending validation" is the focal points' report, not a status to set.
    assert _preview(client, team["actions"], operation="status",
                    status="pending_validation").status_code == 422


@pytest.mark.parametrize("role", [Role.FOCAL_POINT, Role.VIEWER])
def test_focal_points_and_viewers_cannot_change_actions_in_bulk(
        client, auth, team, make_user, role):
    user = team["leaving"] if role == Role.FOCAL_POINT else make_user(role)
    auth.login(user)
    before = _history_count()
    assert _preview(client, team["actions"], operation="cycle", weeks="4").status_code == 403
    versions = ",".join(f"{a.id}:{a.version}" for a in team["actions"])
    assert client.post("/actions/bulk/apply", data={
        "operation": "cycle", "weeks": "4", "versions": versions}).status_code == 403
    assert _history_count() == before
    assert all(a.report_every_weeks is None for a in team["actions"])
    page = page_text(client.get("/actions"))
    assert 'id="bulk-form"' not in page and 'name="ids"' not in page


def test_the_list_offers_a_checkbox_per_action_to_coordinators_only(client, auth, team):
    auth.login(team["coordinator"])
    page = page_text(client.get("/actions"))
    assert page.count('name="ids"') == 5
    assert "All 5 actions matching the filters" in page


# --- Saved views ---------------------------------------------------------------------

def _save(client, name, filters, shared=False):
    data = {"name": name, "filters": filters}
    if shared:
        data["shared"] = "y"
    return client.post("/actions/views", data=data)


def test_a_saved_view_is_personal_unless_shared(client, auth, team, make_user):
    amel = make_user(Role.COORDINATOR, name="Amel Khelifi")
    auth.login(team["coordinator"])
    response = _save(client, "Actions de Sami", f"owner={team['leaving'].id}&junk=1")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/actions?owner={team['leaving'].id}")
    page = page_text(client.get("/actions"))
    assert f'href="/actions?owner={team["leaving"].id}">Actions de Sami</a>' in page
    assert _save(client, "En retard", "overdue=1", shared=True).status_code == 302
    auth.logout()

    auth.login(amel)
    page = page_text(client.get("/actions"))
    assert "Actions de Sami" not in page
    assert "En retard" in page and "shared by Karim Ben Salah" in page
    shared = db.session.scalar(select(AuditEntry).where(AuditEntry.verb == "create",
                                                        AuditEntry.object_type == "savedview",
                                                        AuditEntry.changes["shared"].as_boolean()))
    assert client.post(f"/actions/views/{shared.object_id}/delete").status_code == 403
    auth.logout()

    auth.login(team["coordinator"])
    assert client.post(f"/actions/views/{shared.object_id}/delete").status_code == 302
    assert "En retard" not in page_text(client.get("/actions"))
    assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.object_type == "savedview")) == 3


def test_a_view_name_is_required_and_unique_per_person(client, auth, team):
    auth.login(team["coordinator"])
    assert _save(client, "Retards", "overdue=1").status_code == 302
    again = _save(client, "Retards", "stale=1")
    assert again.status_code == 422
    assert "You already have a view named Retards." in page_text(again)
    assert _save(client, "", "stale=1").status_code == 422


def test_focal_points_cannot_save_views(client, auth, team):
    auth.login(team["leaving"])
    assert _save(client, "Mes actions", "").status_code == 403
    assert "Save this list as a view" not in page_text(client.get("/actions"))


def test_the_list_runs_the_same_number_of_queries_with_views_and_many_actions(
        client, auth, team, make_action):
    auth.login(team["coordinator"])
    few = _list_queries(client)
    for n in range(3):
        _save(client, f"Vue {n}", f"owner={team['leaving'].id}", shared=bool(n % 2))
    for n in range(20):
        make_action(owner=team["other"], title=f"Action {n}")
    assert _list_queries(client) == few


def _list_queries(client) -> int:
    with count_queries() as statements:
        response = client.get("/actions")
    assert response.status_code == 200
    return len(statements)


# --- The new action form --------------------------------------------------------------

def test_the_new_action_form_has_no_default_owner_and_offers_only_possible_owners(
        client, auth, team, make_user):
    viewer = make_user(Role.VIEWER, name="Vera Viewer")
    inactive = make_user(Role.FOCAL_POINT, name="Ines Inactive")
    inactive.active = False
    db.session.commit()
    auth.login(team["coordinator"])
    recommendation = team["kept"].recommendation
    page = page_text(client.get(f"/recommendations/{recommendation.id}/actions/new"))
    values = form_on_page(client.get(f"/recommendations/{recommendation.id}/actions/new"))
    assert values["owner"] == "" and values["lead_institution"] == ""
    assert "Leila Trabelsi — Observatoire national de la migration" in page
    assert f'data-institution="{team["onm"].id}"' in page
    assert viewer.name not in page and inactive.name not in page


def test_a_blank_lead_institution_is_the_owners(client, auth, team, make_user):
    auth.login(team["coordinator"])
    recommendation = team["kept"].recommendation
    url = f"/recommendations/{recommendation.id}/actions/new"
    data = {"title": "Publier le rapport", "owner": "", "lead_institution": "",
            "deadline": (date.today() + timedelta(days=60)).isoformat()}
    response = client.post(url, data=data)
    assert response.status_code == 422
    assert "This field is required." in page_text(response)
    assert client.post(url, data={**data, "owner": str(team["other"].id)}).status_code == 302
    action = db.session.scalar(select(Action).where(Action.title == "Publier le rapport"))
    assert action.lead_institution_id == team["ine"].id
    # A coordinator owns actions but belongs to no institution: the lead must be chosen.
    response = client.post(url, data={**data, "title": "Réunir le comité",
                                      "owner": str(team["coordinator"].id)})
    assert response.status_code == 422
    assert "belongs to no institution: choose the lead institution." in page_text(response)


def test_a_deadline_that_cannot_move_that_far_is_a_refusal_not_an_error(
        client, auth, team):
    far = team["actions"][0]
    far.deadline = date(9999, 12, 1)
    db.session.commit()
    auth.login(team["coordinator"])
    preview = _preview(client, [far], operation="shift", days="3650")
    assert preview.status_code == 200
    assert "This deadline cannot move that far." in page_text(preview)
