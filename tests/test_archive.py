"""Archive, restore and delete for good: archived items leave lists, figures, exports,
reminders, the review queue and public pages, keep their history, and come back."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from tests.conftest import count_queries
from tests.helpers import deliver, each_email_at_once, kpi, page_text, plan
from tracker.actions.services import Change, create_action, record_update
from tracker.extensions import db
from tracker.models import (
    Action,
    ActionUpdate,
    AuditEntry,
    Event,
    OutboxMessage,
    Recommendation,
    Role,
    Status,
    UpdateKind,
)
from tracker.public.services import set_visibility
from tracker.workdays.services import next_working_day

TITLE = "Former les agents consulaires"


@pytest.fixture
def world(make_user, make_event, make_recommendation, make_action):
    """A public event with one action overdue, and another event with one action."""
    coordinator = make_user(Role.COORDINATOR, name="Coordinatrice")
    event = make_event("Atelier de Sousse")
    recommendation = make_recommendation(event=event, title="Former les agents")
    action = make_action(recommendation=recommendation, title=TITLE,
                         deadline=date.today() - timedelta(days=3))
    other = make_action(recommendation=make_recommendation(event=make_event("Forum de Tunis")),
                        title="Lancer l'enquête nationale",
                        deadline=date.today() + timedelta(days=60))
    set_visibility(coordinator, event, True)
    db.session.commit()
    return {"coordinator": coordinator, "event": event, "recommendation": recommendation,
            "action": action, "other": other}


def _post(client, kind: str, item_id: int, operation: str, reason: str = "Doublon d'import"):
    return client.post(f"/{kind}s/{item_id}/{operation}", data={"reason": reason})


def _shown_everywhere(client, event_id: int) -> dict[str, bool]:
    """Tell, page by page, whether the world's first action (or its event) shows."""
    return {
        "list": TITLE in page_text(client.get("/actions")),
        "dashboard": TITLE in page_text(client.get("/dashboard")),
        "export": TITLE in client.get("/actions/export.csv").get_data(as_text=True),
        "events": "Atelier de Sousse" in page_text(client.get("/events")),
        "recommendations": "Former les agents" in page_text(client.get("/recommendations")),
        "public": client.get(f"/public/events/{event_id}").status_code == 200,
    }


def test_an_archived_event_leaves_every_list_and_comes_back_when_restored(client, auth, world):
    event = world["event"]
    auth.login(world["coordinator"])
    assert all(_shown_everywhere(client, event.id).values())
    dashboard = page_text(client.get("/dashboard"))
    assert kpi(dashboard, "overdue") == "50%"

    response = _post(client, "event", event.id, "archive")

    assert response.status_code == 302
    assert _shown_everywhere(client, event.id) == dict.fromkeys(
        ["list", "dashboard", "export", "events", "recommendations", "public"], False)
    # The figures are computed again without the event's action: the cache went stale.
    assert kpi(page_text(client.get("/dashboard")), "overdue") == "0%"
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.verb == "archive")).one()
    assert (entry.object_type, entry.object_id) == ("event", event.id)
    assert entry.changes["reason"] == "Doublon d'import"
    archived = page_text(client.get("/archived"))
    assert "Atelier de Sousse" in archived
    # Its history is kept: the action's page still shows it, marked archived.
    page = page_text(client.get(f"/actions/{world['action'].id}"))
    assert "Action created." in page and "Archived" in page

    response = _post(client, "event", event.id, "restore", "Archivé par erreur")

    assert response.status_code == 302
    assert all(_shown_everywhere(client, event.id).values())
    assert kpi(page_text(client.get("/dashboard")), "overdue") == "50%"
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)
                             .where(AuditEntry.verb == "restore")) == 1


def test_an_archived_action_has_a_history_row_and_takes_no_news(client, auth, world):
    action = world["action"]
    auth.login(world["coordinator"])

    assert _post(client, "action", action.id, "archive", "Action en double").status_code == 302

    entry = db.session.scalars(select(ActionUpdate).where(
        ActionUpdate.kind == UpdateKind.ARCHIVED)).one()
    assert entry.comment == "Action en double" and entry.author_id == world["coordinator"].id
    assert TITLE not in page_text(client.get("/actions"))
    assert TITLE not in page_text(client.get(f"/recommendations/{action.recommendation_id}"))
    auth.logout()
    auth.login(action.owner)
    assert TITLE not in page_text(client.get("/my-actions"))
    assert f'action="/actions/{action.id}/update"' not in page_text(
        client.get(f"/actions/{action.id}"))
    response = client.post(f"/actions/{action.id}/update", data={
        "status": "in_progress", "progress": "20", "comment": "", "version": action.version})
    assert response.status_code == 422
    assert "archived" in page_text(response)
    assert db.session.get(Action, action.id).progress == 0


def test_archiving_needs_a_reason_and_an_archived_item_once(client, auth, world):
    action = world["action"]
    auth.login(world["coordinator"])

    response = _post(client, "action", action.id, "archive", reason="  ")
    assert response.status_code == 422
    assert "give a reason" in page_text(response)
    assert db.session.get(Action, action.id).archived_at is None

    assert _post(client, "action", action.id, "archive").status_code == 302
    again = _post(client, "action", action.id, "archive")
    assert again.status_code == 422
    assert "archived already" in page_text(again)
    not_archived = _post(client, "recommendation", action.recommendation_id, "restore")
    assert not_archived.status_code == 422
    assert "not archived" in page_text(not_archived)


def test_an_action_under_an_archived_event_is_restored_with_the_event_first(
        client, auth, world):
    action, event = world["action"], world["event"]
    auth.login(world["coordinator"])
    _post(client, "action", action.id, "archive")
    _post(client, "event", event.id, "archive")

    response = _post(client, "action", action.id, "restore")

    assert response.status_code == 422
    assert "restore it first" in page_text(response)
    assert db.session.get(Action, action.id).archived_at is not None
    _post(client, "event", event.id, "restore")
    # The action archived on its own stays archived when its event comes back.
    assert TITLE not in page_text(client.get("/actions"))
    assert _post(client, "action", action.id, "restore").status_code == 302
    assert TITLE in page_text(client.get("/actions"))


@pytest.mark.parametrize("role", [Role.FOCAL_POINT, Role.VIEWER])
@pytest.mark.parametrize("operation", ["archive", "restore", "delete"])
def test_focal_points_and_viewers_may_not_archive_restore_or_delete(
        client, auth, make_user, world, role, operation):
    auth.login(make_user(role))
    before = db.session.scalar(select(func.count()).select_from(AuditEntry))
    for kind in ("event", "recommendation", "action"):
        assert _post(client, kind, world[kind].id, operation).status_code == 403
    assert client.get("/archived").status_code == 403
    db.session.expire_all()
    assert all(world[kind].archived_at is None for kind in ("event", "recommendation", "action"))
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == before
    assert db.session.scalar(select(func.count()).select_from(ActionUpdate).where(
        ActionUpdate.kind != UpdateKind.CREATED)) == 0


def test_a_coordinator_may_not_delete_for_good(client, auth, world, make_recommendation):
    empty = make_recommendation(event=world["event"], title="Recommandation importée deux fois")
    auth.login(world["coordinator"])
    assert _post(client, "recommendation", empty.id, "delete").status_code == 403
    assert db.session.get(Recommendation, empty.id) is not None


def test_an_admin_deletes_a_mistaken_import_with_an_audit_entry(
        client, auth, make_user, world, make_recommendation, make_event):
    duplicate_id = make_recommendation(event=world["event"],
                                       title="Recommandation importée deux fois").id
    admin = make_user(Role.ADMIN)
    auth.login(admin)

    response = _post(client, "recommendation", duplicate_id, "delete", "Importée deux fois")

    assert response.status_code == 302
    assert db.session.scalar(select(Recommendation).where(
        Recommendation.id == duplicate_id)) is None
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.verb == "delete")).one()
    assert (entry.actor_id, entry.object_type, entry.object_id) == (
        admin.id, "recommendation", duplicate_id)
    assert entry.changes["title"] == "Recommandation importée deux fois"
    assert entry.changes["reason"] == "Importée deux fois"

    # An event whose recommendations have no action goes with them.
    mistaken_id = make_event("Atelier saisi par erreur").id
    make_recommendation(event=db.session.get(Event, mistaken_id))
    assert _post(client, "event", mistaken_id, "delete").status_code == 302
    assert db.session.scalar(select(Event).where(Event.id == mistaken_id)) is None


def test_an_admin_deletes_an_action_with_only_its_creation(client, auth, make_user, world):
    action_id = world["other"].id
    auth.login(make_user(Role.ADMIN))
    # Archived first: archiving is no work, the action may still go.
    assert _post(client, "action", action_id, "archive").status_code == 302

    assert _post(client, "action", action_id, "delete").status_code == 302

    assert db.session.scalar(select(Action).where(Action.id == action_id)) is None
    assert db.session.scalar(select(func.count()).select_from(ActionUpdate)
                             .where(ActionUpdate.action_id == action_id)) == 0
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)
                             .where(OutboxMessage.action_id == action_id)) == 0


def test_what_has_a_history_is_refused_deletion_with_a_message(client, auth, make_user, world):
    action = world["action"]
    record_update(action.owner, action, None, Change(status=Status.IN_PROGRESS, progress=10))
    db.session.commit()
    auth.login(make_user(Role.ADMIN))

    cases = [("action", action.id, "history beyond its creation"),
             ("recommendation", action.recommendation_id, "has actions"),
             ("event", world["event"].id, "has actions")]
    for kind, item_id, message in cases:
        response = _post(client, kind, item_id, "delete")
        assert response.status_code == 422, kind
        assert message in page_text(response)
    db.session.expire_all()
    assert db.session.get(Action, action.id) is not None
    assert db.session.get(Event, world["event"].id) is not None
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)
                             .where(AuditEntry.verb == "delete")) == 0


def test_archived_actions_get_no_reminders_and_leave_the_review_queue(
        app, client, auth, runner, world):
    each_email_at_once(app)
    action = world["other"]
    action.deadline = date.today() + timedelta(days=7)
    record_update(action.owner, action, None, Change(status=Status.COMPLETED))
    db.session.execute(OutboxMessage.__table__.delete())
    db.session.commit()
    auth.login(world["coordinator"])
    assert "Lancer l'enquête nationale" in page_text(client.get("/review"))

    _post(client, "action", action.id, "archive")

    assert "Lancer l'enquête nationale" not in page_text(client.get("/review"))
    action = db.session.get(Action, action.id)
    action.status = Status.IN_PROGRESS
    db.session.commit()
    plan(runner, date.today())
    planned = db.session.scalars(select(OutboxMessage.action_id)).all()
    assert action.id not in planned

    _post(client, "action", action.id, "restore")
    plan(runner, date.today())
    assert action.id in db.session.scalars(select(OutboxMessage.action_id)).all()


def test_the_archived_page_reads_in_a_fixed_number_of_queries(
        client, auth, world, make_action):
    auth.login(world["coordinator"])

    def archive_and_count(n: int) -> int:
        for _ in range(n):
            action = make_action()
            _post(client, "action", action.id, "archive")
        with count_queries() as statements:
            assert client.get("/archived").status_code == 200
        return len(statements)

    assert archive_and_count(1) == archive_and_count(5)


def test_a_held_notification_of_an_action_archived_since_is_not_in_the_daily_email(
        client, auth, runner, smtp, make_user, world):
    def assigned(email: str) -> Action:
        owner = make_user(Role.FOCAL_POINT, email=email)
        return create_action(world["coordinator"], world["recommendation"], title=email,
                             owner=owner, lead_institution=owner.institution,
                             deadline=date.today() + timedelta(days=90))

    kept, dropped = assigned("kept@onm.example"), assigned("dropped@onm.example")
    db.session.commit()
    held = db.session.scalars(select(OutboxMessage.status).where(
        OutboxMessage.action_id.in_([kept.id, dropped.id]))).all()
    assert held and {status.value for status in held} == {"held"}
    auth.login(world["coordinator"])

    _post(client, "action", dropped.id, "archive")
    # The daily email goes on a working day: tomorrow, or after the weekend.
    deliver(runner, next_working_day(date.today() + timedelta(days=1)))

    recipients = {message["To"] for message in smtp.messages}
    assert "kept@onm.example" in recipients
    assert "dropped@onm.example" not in recipients


def test_an_archived_recommendation_takes_no_decision_and_no_indicator_value(
        client, auth, coordinator, make_action):
    from tracker.archive import services as archive
    from tracker.indicators.services import add_indicator
    from tracker.models import Measurement

    action = make_action()
    record_update(action.owner, action, None, Change(status=Status.COMPLETED, progress=100))
    today = date.today()
    indicator = add_indicator(coordinator, {
        "name": "Agents formés", "unit": "agents", "baseline_value": 0.0,
        "baseline_date": today - timedelta(days=50), "target_value": 40.0,
        "target_date": today + timedelta(days=50)}, recommendation=action.recommendation)
    archive.archive(coordinator, action.recommendation, "Importée deux fois")
    db.session.commit()
    assert action.status == Status.PENDING_VALIDATION
    auth.login(coordinator)

    response = client.post(f"/actions/{action.id}/review", data={
        "decision": "validate", "comment": "Vu", "version": action.version})
    assert response.status_code == 422
    assert "archived" in page_text(response)
    response = client.post(f"/indicators/{indicator.id}/measurements/new", data={
        "value": "12", "measured_on": today.isoformat()})
    assert response.status_code == 422
    assert "archived" in page_text(response)
    db.session.refresh(action)
    assert action.status == Status.PENDING_VALIDATION
    assert db.session.scalar(select(func.count()).select_from(Measurement)) == 0


def test_the_list_follows_the_archive_rule_through_any_order_of_archives_and_restores(
        client, auth, make_user, make_event, make_recommendation, make_action):
    """The list reads the rule from a flag kept on each action: after every step, it
    shows exactly the actions that are not archived, themselves or through their
    recommendation or event."""
    coordinator = make_user(Role.COORDINATOR)
    event = make_event("Atelier de Monastir")
    first, second = (make_recommendation(event=event, title=f"Recommandation {n}")
                     for n in (1, 2))
    actions = {f"Action {name}": make_action(recommendation=recommendation,
                                             title=f"Action {name}")
               for recommendation, names in ((first, "A1 A2"), (second, "B1 B2"))
               for name in names.split()}
    db.session.commit()
    auth.login(coordinator)
    steps = [("recommendation", first.id, "archive"), ("event", event.id, "archive"),
             ("event", event.id, "restore"), ("action", actions["Action B1"].id, "archive"),
             ("recommendation", first.id, "restore"), ("event", event.id, "archive"),
             ("event", event.id, "restore"), ("action", actions["Action B1"].id, "restore")]
    seen = []
    for kind, item_id, operation in steps:
        assert _post(client, kind, item_id, operation).status_code == 302
        db.session.expire_all()
        expected = {title for title, action in actions.items()
                    if not db.session.get(Action, action.id).is_archived}
        page = page_text(client.get("/actions"))
        assert {title for title in actions if title in page} == expected, (kind, operation)
        seen.append(len(expected))
    assert seen == [2, 0, 2, 1, 3, 0, 3, 4]
