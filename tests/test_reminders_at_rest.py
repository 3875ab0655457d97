"""Nothing that opens a link is kept at rest: a copy of the database resets no password,
acts on no action and unsubscribes nobody, while the links of the emails received work."""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timedelta
from urllib.parse import urlsplit

import pytest
import time_machine
from sqlalchemy import select

from tests.helpers import at, deliver, each_email_at_once, plan
from tracker.actions.services import create_action
from tracker.auth.reset import request_reset
from tracker.extensions import db
from tracker.models import MessageKind, MessageStatus, OutboxMessage, Role

SETUP_DAY = date(2027, 1, 4)  # a Monday
PLAN_DAY = date(2027, 3, 1)  # a Monday: digests and summaries go out too
WEDNESDAY = date(2027, 3, 3)  # reminders only
URL_RE = re.compile(r"""https?://[^\s"'<>\]]+""")
TOKEN_RE = re.compile(r"[A-Za-z0-9_\-.]{16,}")
BASE = "http://127.0.0.1:5000"


@pytest.fixture(autouse=True)
def _each_email_at_once(app):
    each_email_at_once(app)


def every_text_in_the_database() -> list[str]:
    """Return every text value of every column of every table (JSON columns as JSON)."""
    texts = []
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(table.select()):
            for value in row:
                if isinstance(value, str):
                    texts.append(value)
                elif isinstance(value, dict | list):
                    texts.append(json.dumps(value))
    return texts


def link_in(message, label: str) -> str:
    body = message.get_body(("plain",)).get_content()
    match = re.search(rf"{re.escape(label)}:? ?\n?({BASE}\S+)", body)
    assert match, body
    return match.group(1).removeprefix(BASE)


def test_no_link_kept_in_the_database_works_and_the_emails_links_do(
        runner, smtp, client, make_user, make_recommendation):
    with time_machine.travel(datetime(2027, 1, 4, 9, 0), tick=False):
        owner = make_user(Role.FOCAL_POINT, locale="en", email="leila@onm.example")
        coordinator = make_user(Role.COORDINATOR, locale="en", email="karim@onm.example")
        recommendation = make_recommendation()
        for title, deadline, values in [
                ("Due in a week", PLAN_DAY + timedelta(days=7), {}),
                ("One day late", PLAN_DAY - timedelta(days=1), {}),
                ("Monthly news", date(2027, 9, 30), {"report_every_weeks": 4})]:
            create_action(coordinator, recommendation, title=title, owner=owner,
                          lead_institution=owner.institution, deadline=deadline, **values)
        request_reset(owner.email)
        db.session.commit()
    plan(runner, PLAN_DAY)
    deliver(runner, PLAN_DAY)

    rows = db.session.scalars(select(OutboxMessage)).all()
    assert {row.kind for row in rows} == set(MessageKind) - {MessageKind.DAILY}
    assert any(row.key.startswith("reset:") for row in rows)
    assert {row.status for row in rows} == {MessageStatus.SENT}
    assert len(smtp.messages) == len(rows)
    by_subject = {str(m["Subject"]): m for m in smtp.messages}
    reminder = by_subject["Deadline in 7 days: Due in a week"]
    with at(PLAN_DAY):  # one one-click link used, so that its digest is in the database
        assert client.post(link_in(reminder, "Mark in progress"),
                           data={"comment": "Started."}).status_code == 200

    texts = every_text_in_the_database()
    assert any("[link]" in text for text in texts)  # the bodies sent, without their links
    urls = {url for text in texts for url in URL_RE.findall(text)}
    tokens = {token for text in texts for token in TOKEN_RE.findall(text)}
    assert len(tokens) > 20  # digests, link ids, Message-IDs, password hashes...
    with at(PLAN_DAY):
        for url in urls:
            assert client.get(urlsplit(url).path).status_code != 200, url
        for token in tokens:
            assert client.get(f"/password/reset/{token}").status_code == 410, token
            assert client.get(f"/email/{token}").status_code in (400, 410), token
            assert client.get(f"/unsubscribe/{token}").status_code == 400, token

        reset = by_subject["Choose a new password"]
        assert client.get(link_in(reset, "within an hour")).status_code == 200
        # Genuine, but made for the action before it started: it says so, and does nothing.
        assert client.get(link_in(reminder, "Report completed")).status_code == 409
        assert client.get(link_in(reminder, "Mark in progress")).status_code == 410  # used
        unsubscribe = reminder["List-Unsubscribe"].strip("<>").removeprefix(BASE)
        assert client.get(unsubscribe).status_code == 200
        summary = by_subject["Follow-up summary for the week"]
        assert client.get(summary["List-Unsubscribe"].strip("<>").removeprefix(BASE)
                          ).status_code == 200


def test_a_resent_copy_shares_the_single_use_of_its_links(
        app, runner, smtp, client, make_action, make_user):
    owner = make_user(Role.FOCAL_POINT, locale="en")
    make_action(owner=owner, title="Twice sent", deadline=WEDNESDAY + timedelta(days=7))
    plan(runner, WEDNESDAY)
    deliver(runner, WEDNESDAY)
    row = db.session.scalars(select(OutboxMessage)).one()
    row.status = MessageStatus.PENDING  # as after a crash between sending and recording it
    db.session.commit()
    deliver(runner, WEDNESDAY)
    first, second = smtp.messages
    assert first["Message-ID"] == second["Message-ID"]
    with at(WEDNESDAY):
        assert client.post(link_in(first, "Report completed"), data={}).status_code == 200
        assert client.get(link_in(second, "Report completed")).status_code == 410


def test_the_outbox_page_shows_no_link_before_or_after_sending(
        app, runner, smtp, client, auth, make_action, make_user):
    owner = make_user(Role.FOCAL_POINT, locale="en")
    make_action(owner=owner, title="Previewed", deadline=WEDNESDAY + timedelta(days=7))
    plan(runner, WEDNESDAY)
    row = db.session.scalars(select(OutboxMessage)).one()
    auth.login(make_user(Role.ADMIN))
    before = client.get(f"/admin/outbox/{row.id}").get_data(as_text=True)
    assert "Report completed: [link]" in before and "/email/" not in before
    deliver(runner, WEDNESDAY)
    after = client.get(f"/admin/outbox/{row.id}").get_data(as_text=True)
    assert "Report completed: [link]" in after and "/email/" not in after
    assert "Previewed" in after


def test_a_title_with_line_breaks_gives_a_subject_on_one_line(
        runner, smtp, make_action, make_user):
    owner = make_user(Role.FOCAL_POINT, locale="en")
    action = make_action(owner=owner, deadline=WEDNESDAY + timedelta(days=7))
    action.title = "Publish the yearbook\r\nBcc: everyone@example.org"
    db.session.commit()
    plan(runner, WEDNESDAY)
    deliver(runner, WEDNESDAY)
    [message] = [m for m in smtp.messages if "Deadline" in str(m["Subject"])]
    assert str(message["Subject"]) == (
        "Deadline in 7 days: Publish the yearbook Bcc: everyone@example.org")
    assert message["Bcc"] is None
    assert db.session.scalars(select(OutboxMessage.subject)).one() == str(message["Subject"])


def test_plan_reports_the_rows_it_inserted_not_those_another_planner_wrote_first(
        runner, make_action, make_user, monkeypatch):
    from tracker.reminders import planning

    make_action(owner=make_user(Role.FOCAL_POINT), deadline=WEDNESDAY + timedelta(days=7))
    db.session.execute(OutboxMessage.__table__.delete())  # notifications of the setup
    db.session.commit()
    first = plan(runner, WEDNESDAY)
    assert "queued 1 emails {'deadline_approaching': 1}" in first.output
    # Another planner wrote the same reminder between this one's look-up and its insert.
    monkeypatch.setattr(planning, "existing_keys", lambda keys: set())
    second = plan(runner, WEDNESDAY)
    assert "queued 0 emails {} (1 already in the outbox)" in second.output
    assert len(db.session.scalars(select(OutboxMessage)).all()) == 1
