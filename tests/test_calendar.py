"""The private calendar feed of a user's deadlines, and the profile page that manages it."""

from __future__ import annotations

import html
import re
from datetime import date, timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import select

from tracker.actions.services import Change, record_update
from tracker.extensions import db
from tracker.models import AuditEntry, Role, Status, User

FEED_RE = re.compile(r"https?://[^\s<\"]+/calendar/([A-Za-z0-9_\-]+)\.ics")


def create_link(client) -> str:
    """Create (or replace) the logged-in user's calendar link; return the feed's path."""
    response = client.post("/profile/calendar-link", follow_redirects=True)
    assert response.status_code == 200
    match = FEED_RE.search(html.unescape(response.get_data(as_text=True)))
    assert match, "the new calendar link is shown once after it is created"
    return f"/calendar/{match.group(1)}.ics"


def feed(client, path: str) -> Calendar:
    response = client.get(path)
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    return Calendar.from_ical(response.get_data())


def events_by_title(calendar: Calendar) -> dict:
    return {str(e["SUMMARY"]): e for e in calendar.walk("VEVENT")}


@pytest.fixture(autouse=True)
def _base_url(app):
    """Serve the site at a known public address (with a trailing slash to trim)."""
    app.config["TRACKER_BASE_URL"] = "http://tracker.example.org/"


@pytest.fixture
def owner(make_user):
    return make_user(Role.FOCAL_POINT, name="Amira Trabelsi", email="amira@example.org",
                     locale="en")


def test_profile_shows_who_the_user_is(client, auth, owner):
    auth.login(owner)
    page = html.unescape(client.get("/profile").get_data(as_text=True))
    assert "Amira Trabelsi" in page and "amira@example.org" in page
    assert "Focal point" in page and owner.institution.name in page
    assert "Create my calendar link" in page


def test_feed_lists_the_users_open_and_completed_actions_on_their_deadlines(
        client, auth, owner, make_action, make_user):
    coordinator = make_user(Role.COORDINATOR)
    soon = make_action(owner=owner, title="Rédiger la note", deadline=date(2026, 3, 15))
    done = make_action(owner=owner, title="Tenir l'atelier", deadline=date(2026, 1, 31))
    record_update(coordinator, done, None, Change(status=Status.COMPLETED, progress=100))
    dropped = make_action(owner=owner, title="Action abandonnée")
    record_update(coordinator, dropped, None, Change(status=Status.CANCELLED, progress=0))
    make_action(owner=make_user(Role.FOCAL_POINT), title="L'action d'un collègue")
    db.session.commit()

    auth.login(owner)
    path = create_link(client)
    auth.logout()  # the calendar application has no session
    events = events_by_title(feed(client, path))

    assert set(events) == {"Rédiger la note", "Tenir l'atelier"}
    note = events["Rédiger la note"]
    assert note.decoded("DTSTART") == date(2026, 3, 15)  # a DATE: an all-day event
    assert note["UID"] == f"action-{soon.id}@tracker"
    assert str(note["URL"]) == f"http://tracker.example.org/actions/{soon.id}"
    assert "Not started" in str(note["DESCRIPTION"]) and "0 %" in str(note["DESCRIPTION"])
    assert events["Tenir l'atelier"].decoded("DTSTART") == date(2026, 1, 31)
    assert "Completed" in str(events["Tenir l'atelier"]["DESCRIPTION"])


def test_feed_speaks_the_users_language(client, auth, make_user, make_action):
    owner = make_user(Role.FOCAL_POINT, locale="fr")
    make_action(owner=owner, title="Rédiger la note")
    auth.login(owner)
    path = create_link(client)
    description = str(events_by_title(feed(client, path))["Rédiger la note"]["DESCRIPTION"])
    assert description.startswith("Statut: Non commencée")


def test_feed_follows_a_moved_deadline_under_the_same_uid(client, auth, owner, make_action):
    action = make_action(owner=owner, deadline=date.today() + timedelta(days=5))
    auth.login(owner)
    path = create_link(client)
    before = events_by_title(feed(client, path))
    action.deadline = date.today() + timedelta(days=40)
    db.session.commit()
    after = events_by_title(feed(client, path))
    assert before[action.title]["UID"] == after[action.title]["UID"]
    assert after[action.title].decoded("DTSTART") == date.today() + timedelta(days=40)


def test_replacing_the_link_retires_the_old_address(client, auth, owner, make_action):
    make_action(owner=owner)
    auth.login(owner)
    old = create_link(client)
    page = client.get("/profile").get_data(as_text=True)
    assert "Replace my calendar link" in page
    assert "/calendar/" not in page  # the address is shown once, never again
    new = create_link(client)
    assert new != old
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200


def test_revoking_the_link_retires_it(client, auth, owner):
    auth.login(owner)
    path = create_link(client)
    response = client.post("/profile/calendar-link/revoke", follow_redirects=True)
    assert "revoked" in response.get_data(as_text=True)
    assert client.get(path).status_code == 404
    assert "Create my calendar link" in client.get("/profile").get_data(as_text=True)


def test_only_a_digest_of_the_token_is_stored(client, auth, owner):
    auth.login(owner)
    path = create_link(client)
    token = path.removeprefix("/calendar/").removesuffix(".ics")
    stored = db.session.scalar(select(User.calendar_token).where(User.id == owner.id))
    assert stored and token not in stored and len(stored) == 64


def test_each_change_of_the_link_is_audited(client, auth, owner):
    auth.login(owner)
    create_link(client)
    create_link(client)
    client.post("/profile/calendar-link/revoke")
    verbs = db.session.scalars(
        select(AuditEntry.verb).where(AuditEntry.object_type == "user",
                                      AuditEntry.object_id == owner.id)
        .order_by(AuditEntry.id)).all()
    assert verbs[-3:] == ["create_calendar_link", "replace_calendar_link",
                          "revoke_calendar_link"]


def test_unknown_tokens_and_deactivated_users_get_404(client, auth, owner, make_action):
    make_action(owner=owner)
    assert client.get("/calendar/unknown.ics").status_code == 404
    assert client.get("/calendar/.ics").status_code == 404
    auth.login(owner)
    path = create_link(client)
    owner.active = False
    db.session.commit()
    assert client.get(path).status_code == 404


def test_feeds_of_two_users_never_mix(client, auth, make_user, make_action):
    first, second = make_user(Role.FOCAL_POINT), make_user(Role.FOCAL_POINT)
    make_action(owner=first, title="Action de la première")
    make_action(owner=second, title="Action du second")
    auth.login(first)
    first_path = create_link(client)
    auth.logout()
    auth.login(second)
    second_path = create_link(client)
    assert set(events_by_title(feed(client, first_path))) == {"Action de la première"}
    assert set(events_by_title(feed(client, second_path))) == {"Action du second"}
