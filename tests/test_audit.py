"""The admins' audit page: audit entries and action history in one list, filtered, paged
in a fixed number of queries and exported as CSV; owner changes name and tell both owners."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select

from tests.conftest import count_queries
from tests.helpers import deliver, each_email_at_once, page_text
from tracker.actions.services import Change, record_update
from tracker.events.services import create_event, update_event
from tracker.extensions import db
from tracker.models import OutboxMessage, Role, Status


@pytest.fixture
def trail(make_user, make_action):
    """A coordinator's event and its edit, and a focal point's update on an action."""
    admin = make_user(Role.ADMIN, name="Administratrice")
    coordinator = make_user(Role.COORDINATOR, name="Samia Coordinatrice")
    focal = make_user(Role.FOCAL_POINT, name="Karim Point Focal")
    with time_machine.travel(datetime(2026, 3, 2, 10, 0).astimezone()):
        event = create_event(coordinator, title="Atelier de Gabès", date=date(2026, 3, 1))
        db.session.commit()
    with time_machine.travel(datetime(2026, 4, 10, 10, 0).astimezone()):
        update_event(coordinator, event, None, {"place": "Gabès"})
        action = make_action(owner=focal, title="Recenser les associations")
        record_update(focal, action, None, Change(status=Status.IN_PROGRESS, progress=30,
                                                  comment="=HYPERLINK(\"http://x\")"))
        db.session.commit()
    return {"admin": admin, "coordinator": coordinator, "focal": focal, "event": event,
            "action": action}


def _table(response) -> str:
    """Return the list of the audit page (not its filter menus, which name everyone)."""
    page = page_text(response)
    return page[page.index("<tbody>"):page.index("</tbody>")]


def _csv(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def test_the_audit_lists_audit_entries_and_action_history_together(client, auth, trail):
    auth.login(trail["admin"])

    page = _table(client.get("/admin/audit"))

    assert "Samia Coordinatrice" in page and "Karim Point Focal" in page
    assert "place: — → Gabès" in page or "place:  → Gabès" in page
    assert "Recenser les associations" in page
    assert "status: not_started → in_progress; progress: 0 → 30" in page


def test_the_audit_filters_by_person_object_change_and_dates(client, auth, trail):
    auth.login(trail["admin"])
    focal, coordinator = trail["focal"], trail["coordinator"]

    by_focal = _table(client.get(f"/admin/audit?person={focal.id}"))
    assert "Karim Point Focal" in by_focal
    assert "Samia Coordinatrice" not in by_focal

    events = _table(client.get("/admin/audit?object=event"))
    assert "Atelier de Gabès" in events or "title:" in events
    assert "Recenser les associations" not in events

    updates = _table(client.get(f"/admin/audit?change=update&person={coordinator.id}"))
    assert "place:" in updates and "title:" not in updates

    march = _table(client.get("/admin/audit?from=2026-03-01&to=2026-03-31"))
    assert "title: Atelier de Gabès" in march
    assert "place:" not in march and "Recenser les associations" not in march


@pytest.mark.parametrize("query", [
    "person=٣", "person=99999999999999999999", "from=2026-02-30", "to=9999-12-31",
    "from=²⁰²⁶-01-01", "object=DROP TABLE", "change=" + "x" * 500, "page=-1"])
def test_hostile_filters_are_ignored_not_errors(client, auth, trail, query):
    auth.login(trail["admin"])
    assert client.get(f"/admin/audit?{query}").status_code == 200
    assert client.get(f"/admin/audit/export.csv?{query}").status_code == 200


def test_the_csv_export_has_the_same_filters_and_never_runs_a_formula(client, auth, trail):
    auth.login(trail["admin"])

    rows = _csv(client.get(f"/admin/audit/export.csv?person={trail['focal'].id}"))

    header, *lines = rows
    assert header[:2] == ["Date", "Person"]
    assert lines and {line[1] for line in lines} == {"Karim Point Focal"}
    comments = [line[7] for line in lines if line[7]]
    assert comments == ["'=HYPERLINK(\"http://x\")"]
    everything = _csv(client.get("/admin/audit/export.csv"))
    assert len(everything) > len(rows)


def test_the_audit_pages_in_a_fixed_number_of_queries(app, client, auth, trail, make_action):
    app.config["PER_PAGE"] = 5
    auth.login(trail["admin"])

    def count() -> int:
        with count_queries() as statements:
            assert client.get("/admin/audit?page=2").status_code == 200
        return len(statements)

    before = count()
    for _ in range(6):
        make_action()
    assert count() == before
    assert "Page 2 of" in page_text(client.get("/admin/audit?page=2"))


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.FOCAL_POINT, Role.VIEWER])
def test_only_admins_read_the_audit(client, auth, make_user, trail, role):
    auth.login(make_user(role))
    assert client.get("/admin/audit").status_code == 403
    assert client.get("/admin/audit/export.csv").status_code == 403


def test_an_owner_change_names_both_owners_and_tells_both(
        app, client, auth, runner, smtp, make_user, make_action):
    each_email_at_once(app)
    before = make_user(Role.FOCAL_POINT, name="Amel Ancienne", email="amel@onm.example",
                       locale="fr")
    action = make_action(owner=before, title="Publier l'annuaire statistique")
    after = make_user(Role.FOCAL_POINT, name="Nabil Nouveau", email="nabil@onm.example",
                      institution=action.lead_institution)
    db.session.execute(OutboxMessage.__table__.delete())
    db.session.commit()
    auth.login(make_user(Role.COORDINATOR))

    response = client.post(f"/actions/{action.id}/edit", data={
        "title": action.title, "owner": after.id,
        "lead_institution": action.lead_institution_id,
        "deadline": action.deadline.isoformat(), "version": action.version})

    assert response.status_code == 302
    page = page_text(client.get(f"/actions/{action.id}"))
    assert "Owner: Amel Ancienne → Nabil Nouveau" in page
    assert "Planning changed:" not in page
    told = set(db.session.scalars(select(OutboxMessage.to_email)))
    assert told == {"amel@onm.example", "nabil@onm.example"}
    deliver(runner, date.today() + timedelta(days=1))
    by_recipient = {message["To"]: message for message in smtp.messages}
    assert "Nabil Nouveau" in by_recipient["amel@onm.example"].get_body(
        ("plain",)).get_content()
    assert "Publier l'annuaire statistique" in by_recipient["nabil@onm.example"]["Subject"]
    auth.logout()
    auth.login(make_user(Role.ADMIN))
    audit = _table(client.get("/admin/audit?change=edited"))
    assert "owner: Amel Ancienne → Nabil Nouveau" in audit


def test_a_deadline_change_alone_still_reads_as_a_planning_change(
        client, auth, make_user, make_action):
    action = make_action()
    auth.login(make_user(Role.COORDINATOR))
    client.post(f"/actions/{action.id}/edit", data={
        "title": action.title, "owner": action.owner_id,
        "lead_institution": action.lead_institution_id,
        "deadline": (action.deadline + timedelta(days=10)).isoformat(),
        "version": action.version})
    page = page_text(client.get(f"/actions/{action.id}"))
    assert "Planning changed:" in page and "Owner:" not in page
