"""Public event pages: published by a coordinator, readable by anyone, with no personal data."""

from __future__ import annotations

import html
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select, update

from tests.conftest import count_queries
from tracker.actions.services import Change, record_update
from tracker.extensions import db
from tracker.models import ActionUpdate, AuditEntry, Event, GcmObjective, Role, Status


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


@pytest.fixture
def portal(make_event, make_recommendation, make_action, make_user, make_institution,
           workshop):
    """The workshop made public with its news a month old, and a private event beside it."""
    event = workshop["event"]
    event.is_public = True
    recommendation = workshop["action"].recommendation
    recommendation.gcm_objectives = [db.session.get(GcmObjective, 3)]
    news_day = datetime(2026, 1, 15, 10, 0, tzinfo=UTC)
    db.session.execute(update(ActionUpdate).values(created_at=news_day))
    workshop["action"].deadline = date(2020, 6, 30)  # long past: overdue
    hidden = make_event("Réunion interne du comité", date=date(2025, 1, 1))
    secret = make_recommendation(event=hidden, number="9", title="Recommandation confidentielle",
                                 gcm_objectives=[db.session.get(GcmObjective, 3)])
    make_action(recommendation=secret, title="Action confidentielle")
    db.session.commit()
    return {**workshop, "news_day": news_day.date()}


def private_data(workshop) -> tuple[str, ...]:
    owner = workshop["owner"]
    return (owner.name, owner.email, "Hela", "@example.org",
            "Commentaire interne à ne pas publier", "Réunion interne du comité",
            "Recommandation confidentielle", "Action confidentielle")


def test_the_portal_lists_the_public_events_only(client, portal):
    response = client.get("/public")
    assert response.status_code == 200
    page = html.unescape(response.get_data(as_text=True))
    assert f'href="/public/events/{portal["event"].id}"' in page
    assert "Atelier national de l'ONM" in page and "Tunis" in page
    row = page[page.index("Atelier national de l'ONM"):page.index("</tr>",
                                                                   page.index("Atelier"))]
    assert "60%" in row  # the mean progress of its actions
    assert 'datetime="2026-01-15"' in row  # the latest news
    for private in private_data(portal):
        assert private not in page


def test_a_public_event_shows_deadlines_status_and_latest_news(client, portal):
    page = html.unescape(client.get(f"/public/events/{portal['event'].id}")
                         .get_data(as_text=True))
    row = page[page.index("Organiser deux sessions de formation"):]
    row = row[:row.index("</tr>")]
    assert 'datetime="2020-06-30"' in row and "Overdue" in row  # the deadline, passed
    assert "In progress" in row and "60%" in row
    assert 'datetime="2026-01-15"' in row  # the day of the latest news
    for private in private_data(portal):
        assert private not in page
    assert 'href="/public"' in page and 'href="/public/gcm"' in page


def test_the_gcm_view_shows_public_recommendations_by_objective(client, portal):
    response = client.get("/public/gcm")
    assert response.status_code == 200
    page = html.unescape(response.get_data(as_text=True))
    section = page[page.index("3. Information provision"):]
    assert "3. Former les journalistes" in section and "60%" in section
    assert f'href="/public/events/{portal["event"].id}"' in section
    for private in private_data(portal):
        assert private not in page


def test_the_public_pages_need_no_account_and_run_a_constant_number_of_queries(
        client, portal, make_action, make_recommendation):
    urls = ["/public", f"/public/events/{portal['event'].id}", "/public/gcm"]

    def queries() -> list[int]:
        counts = []
        for url in urls:
            with count_queries() as statements:
                assert client.get(url).status_code == 200
            counts.append(len(statements))
        return counts

    few = queries()
    for i in range(10):
        recommendation = make_recommendation(
            event=portal["event"], number=f"R{i}", title=f"Recommandation {i}",
            gcm_objectives=[db.session.get(GcmObjective, 1 + i % 3)])
        make_action(recommendation=recommendation, title=f"Action publique {i}")
    assert queries() == few
