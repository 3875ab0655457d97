"""Public event pages: published by a coordinator, readable by anyone, with no personal data."""

from __future__ import annotations

import html

import pytest
from sqlalchemy import select

from tracker.actions.services import Change, record_update
from tracker.extensions import db
from tracker.models import AuditEntry, Event, Role, Status


@pytest.fixture
def workshop(make_event, make_recommendation, make_action, make_user, make_institution):
    """An event with a recommendation and an action whose owner must stay private."""
    event = make_event("Atelier national de l'ONM", place="Tunis", organisers="ONM, OIT")
    recommendation = make_recommendation(event=event, number="3",
                                         title="Former les journalistes")
    owner = make_user(Role.FOCAL_POINT, name="Hela Mansouri", email="hela.mansouri@example.org",
                      institution=make_institution("OTE", "Office des Tunisiens à l'Étranger"))
    action = make_action(owner=owner, recommendation=recommendation,
                         title="Organiser deux sessions de formation")
    record_update(owner, action, None, Change(
        status=Status.IN_PROGRESS, progress=60, comment="Commentaire interne à ne pas publier"))
    db.session.commit()
    return {"event": event, "owner": owner, "action": action}


def publish(client, event, public: bool = True):
    return client.post(f"/events/{event.id}/visibility", data={"public": "1" if public else "0"})


def test_a_coordinator_publishes_an_event_and_the_change_is_audited(
        client, auth, make_user, workshop):
    event = workshop["event"]
    auth.login(make_user(Role.COORDINATOR))
    response = publish(client, event)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/events/{event.id}")
    assert db.session.get(Event, event.id).is_public
    page = client.get(f"/events/{event.id}").get_data(as_text=True)
    assert "The event is public" in page
    assert f'href="/public/events/{event.id}"' in page
    assert "Make private" in page
    entry = db.session.scalars(select(AuditEntry).where(
        AuditEntry.object_type == "event", AuditEntry.verb == "publish")).one()
    assert entry.changes == {"is_public": [False, True]}


def test_making_an_event_private_again_hides_its_public_page(client, auth, make_user, workshop):
    event = workshop["event"]
    auth.login(make_user(Role.ADMIN))
    publish(client, event)
    publish(client, event, public=False)
    assert not db.session.get(Event, event.id).is_public
    assert db.session.scalars(select(AuditEntry.verb).where(
        AuditEntry.verb == "unpublish")).all() == ["unpublish"]
    auth.logout()
    assert client.get(f"/public/events/{event.id}").status_code == 404


def test_a_private_event_has_no_public_page(client, workshop):
    assert client.get(f"/public/events/{workshop['event'].id}").status_code == 404
    assert client.get("/public/events/999999").status_code == 404


@pytest.mark.parametrize("role", [Role.VIEWER, Role.FOCAL_POINT])
def test_only_managers_change_the_visibility(client, auth, make_user, workshop, role):
    auth.login(make_user(role))
    assert publish(client, workshop["event"]).status_code == 403
    assert not db.session.get(Event, workshop["event"].id).is_public


def test_an_incomplete_visibility_form_changes_nothing(client, auth, make_user, workshop):
    auth.login(make_user(Role.COORDINATOR))
    response = client.post(f"/events/{workshop['event'].id}/visibility", data={"public": "yes"},
                           follow_redirects=True)
    assert "was not changed" in response.get_data(as_text=True)
    assert not db.session.get(Event, workshop["event"].id).is_public


def test_public_page_shows_progress_without_personal_data(client, auth, make_user, workshop):
    auth.login(make_user(Role.COORDINATOR))
    publish(client, workshop["event"])
    auth.logout()
    response = client.get(f"/public/events/{workshop['event'].id}")
    assert response.status_code == 200
    page = html.unescape(response.get_data(as_text=True))
    for shown in ("Atelier national de l'ONM", "Tunis", "ONM, OIT", "3. Former les journalistes",
                  "Organiser deux sessions de formation", "Office des Tunisiens à l'Étranger",
                  "In progress", "60%"):
        assert shown in page
    owner = workshop["owner"]
    for private in (owner.name, owner.email, "Hela", "@example.org",
                    "Commentaire interne à ne pas publier"):
        assert private not in page
    assert f"/actions/{workshop['action'].id}" not in page  # no way into the private pages
