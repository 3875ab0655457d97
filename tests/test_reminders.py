"""Reminder emails: the right ones on the right days, delivered once, even through faults."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from tests.helpers import at, deliver, each_email_at_once, plan
from tracker.extensions import db
from tracker.models import MessageStatus, OutboxMessage, Role, Status

TUNIS_MORNING = "T07:00:00+01:00"


@pytest.fixture(autouse=True)
def _each_email_at_once(app):
    each_email_at_once(app)


def outbox_count() -> int:
    return db.session.scalar(select(func.count()).select_from(OutboxMessage))


@pytest.fixture
def deadline():
    return date(2026, 12, 20)


@pytest.fixture
def owned(make_action, make_user, deadline):
    owner = make_user(Role.FOCAL_POINT, name="Leila Trabelsi", email="leila@onm.example",
                      locale="en")
    action = make_action(owner=owner, title="Publish the migration statistics yearbook",
                         deadline=deadline)
    db.session.execute(OutboxMessage.__table__.delete())  # the "assigned" notification
    db.session.commit()
    return action


@pytest.mark.parametrize("days_before", [14, 7, 1])
def test_deadline_reminder_on_each_offset(runner, smtp, owned, deadline, days_before):
    day = deadline - timedelta(days=days_before)
    plan(runner, day)
    deliver(runner, day)
    assert len(smtp.messages) == 1
    message = smtp.messages[0]
    assert message["To"] == "leila@onm.example"
    assert f"{days_before} day" in message["Subject"]
    assert owned.title in message["Subject"]
    assert message.is_multipart()
    assert {part.get_content_type() for part in message.iter_parts()} == {
        "text/plain", "text/html"}
    assert message["List-Unsubscribe"].startswith("<http")
    row = db.session.scalars(select(OutboxMessage)).one()
    assert message["Message-ID"] == f"<{row.message_uuid}@tracker.test>"
    body = message.get_body(("plain",)).get_content()
    assert "/email/" in body and "Report completed" in body


@pytest.mark.parametrize("days_before", [13, 8, 2, 0])
def test_nothing_is_sent_on_other_days(runner, smtp, owned, deadline, days_before):
    day = deadline - timedelta(days=days_before)
    plan(runner, day)
    deliver(runner, day)
    # (a Monday brings the weekly digest, which is not a deadline reminder)
    assert [m["Subject"] for m in smtp.messages if "week" not in m["Subject"]] == []


def test_overdue_reminders_first_day_then_weekly_with_coordinators_copied_from_the_second(
        runner, smtp, owned, deadline, make_user):
    coordinator = make_user(Role.COORDINATOR, email="coord@onm.example", locale="en")
    for offset in range(1, 16):
        day = deadline + timedelta(days=offset)
        plan(runner, day)
        deliver(runner, day)
    overdue = [m for m in smtp.messages if "Overdue" in m["Subject"]]
    to_owner = [m["Subject"] for m in overdue if m["To"] == "leila@onm.example"]
    assert len(to_owner) == 3  # days 1, 8 and 15 after the deadline
    assert "Overdue by 1 day" in to_owner[0] and "Overdue by 8 days" in to_owner[1]
    # From the second, the coordinator gets an escalation of their own, never a copy.
    escalations = [m for m in overdue if m["To"] == coordinator.email]
    assert [m["Subject"][:18] for m in escalations] == ["Overdue by 8 days:", "Overdue by 15 days"]
    assert all(m["Cc"] is None for m in overdue)
    assert all(len(rcpts) == 1 for _sender, rcpts in smtp.recorder.envelopes)
    body = escalations[0].get_body(("plain",)).get_content()
    assert "/email/" not in body and "Owner: Leila Trabelsi" in body


def test_no_reminder_for_completed_or_cancelled_actions_or_deactivated_users(
        runner, smtp, make_action, make_user, deadline):
    done = make_action(deadline=deadline)
    cancelled = make_action(deadline=deadline)
    inactive_owner = make_user(Role.FOCAL_POINT)
    make_action(owner=inactive_owner, deadline=deadline)
    done.status, done.progress = Status.COMPLETED, 100
    cancelled.status = Status.CANCELLED
    inactive_owner.active = False
    db.session.execute(OutboxMessage.__table__.delete())
    db.session.commit()
    for day in (deadline - timedelta(days=7), deadline + timedelta(days=1)):
        plan(runner, day)
        deliver(runner, day)
    assert smtp.messages == []


def test_reminders_are_in_the_recipients_language(runner, smtp, make_action, make_user,
                                                  deadline):
    french = make_user(Role.FOCAL_POINT, locale="fr")
    english = make_user(Role.FOCAL_POINT, locale="en")
    arabic = make_user(Role.FOCAL_POINT, locale="ar")
    make_action(owner=french, deadline=deadline, title="Action A")
    make_action(owner=english, deadline=deadline, title="Action B")
    make_action(owner=arabic, deadline=deadline, title="Action C")
    db.session.execute(OutboxMessage.__table__.delete())
    db.session.commit()
    day = deadline - timedelta(days=7)
    plan(runner, day)
    deliver(runner, day)
    by_recipient = {m["To"]: m for m in smtp.messages}
    assert by_recipient[english.email]["Subject"].startswith("Deadline in 7 days")
    assert by_recipient[french.email]["Subject"].startswith("Échéance dans 7 jours")
    assert by_recipient[french.email]["Content-Language"] == "fr"
    arabic_message = by_recipient[arabic.email]
    assert arabic_message["Content-Language"] == "ar"
    assert re.search("[\u0600-\u06ff]", arabic_message["Subject"])
    assert 'dir="rtl"' in arabic_message.get_body(("html",)).get_content()


def test_planning_twice_writes_each_reminder_once(runner, smtp, owned, deadline):
    day = deadline - timedelta(days=1)
    plan(runner, day)
    plan(runner, day)
    assert outbox_count() == 1
    deliver(runner, day)
    deliver(runner, day)
    assert len(smtp.messages) == 1


def test_dry_run_prints_and_writes_nothing(runner, smtp, owned, deadline):
    result = plan(runner, deadline - timedelta(days=7), "--dry-run")
    assert "would queue 1 emails" in result.output
    assert "leila@onm.example" in result.output
    assert outbox_count() == 0


def test_smtp_down_then_back_delivers_once(runner, smtp, owned, deadline):
    day = deadline - timedelta(days=7)
    plan(runner, day)
    smtp.stop()
    deliver(runner, day)
    row = db.session.scalars(select(OutboxMessage)).one()
    assert (row.status, row.attempts) == (MessageStatus.PENDING, 1)
    assert row.next_attempt_at > datetime.fromisoformat(day.isoformat() + TUNIS_MORNING)
    smtp.start()
    deliver(runner, day)  # too early for the retry
    assert smtp.messages == []
    with time_machine.travel(datetime.fromisoformat(day.isoformat() + "T08:00:00+01:00")):
        assert runner.invoke(args=["reminders", "deliver"]).exit_code == 0
        assert runner.invoke(args=["reminders", "deliver"]).exit_code == 0
    assert len(smtp.messages) == 1
    db.session.refresh(row)
    assert (row.status, row.attempts) == (MessageStatus.SENT, 2)


def test_temporary_refusal_is_retried_and_permanent_refusal_fails_at_once(
        runner, smtp, owned, deadline, client, auth, make_user):
    day = deadline - timedelta(days=7)
    plan(runner, day)
    smtp.recorder.reply = "451 4.3.0 Try again later"
    deliver(runner, day)
    row = db.session.scalars(select(OutboxMessage)).one()
    assert row.status == MessageStatus.PENDING and "451" in row.last_error
    smtp.recorder.reply = "550 5.1.1 No such user"
    with time_machine.travel(datetime.fromisoformat(day.isoformat() + "T09:00:00+01:00")):
        assert runner.invoke(args=["reminders", "deliver"]).exit_code == 0
    db.session.refresh(row)
    assert row.status == MessageStatus.FAILED and "550" in row.last_error

    auth.login(make_user(Role.ADMIN))
    page = client.get("/admin/outbox").get_data(as_text=True)
    assert "failed" in page and "Retry" in page
    assert client.post(f"/admin/outbox/{row.id}/retry").status_code == 302
    smtp.recorder.reply = None
    deliver(runner, day)
    assert len(smtp.messages) == 1


def test_without_smtp_server_emails_wait_in_the_outbox_for_admins(
        app, runner, owned, deadline, client, auth, make_user):
    app.config["MAIL_SERVER"] = ""
    day = deadline - timedelta(days=7)
    plan(runner, day)
    result = deliver(runner, day)
    assert "stay in the outbox" in result.output
    row = db.session.scalars(select(OutboxMessage)).one()
    assert row.status == MessageStatus.PENDING
    auth.login(make_user(Role.ADMIN))
    assert owned.title in client.get("/admin/outbox").get_data(as_text=True)
    page = client.get(f"/admin/outbox/{row.id}").get_data(as_text=True)
    assert "Report completed" in page


def _link(message, label: str) -> str:
    body = message.get_body(("plain",)).get_content()
    match = re.search(rf"{label}: (\S+)", body)
    assert match, body
    return match.group(1).replace("http://127.0.0.1:5000", "")


def test_one_click_link_confirms_on_post_and_cannot_be_used_twice(
        runner, smtp, owned, deadline, client):
    day = deadline - timedelta(days=7)
    plan(runner, day)
    deliver(runner, day)
    link = _link(smtp.messages[0], "Mark in progress")
    with at(day):
        page = client.get(link)
        assert page.status_code == 200
        db.session.refresh(owned)
        assert owned.status == Status.NOT_STARTED  # nothing changes on a GET
        assert client.post(link, data={"comment": "Commencé"}).status_code == 200
        db.session.refresh(owned)
        assert owned.status == Status.IN_PROGRESS
        again = client.post(link, data={"comment": "encore"})
        assert again.status_code == 410
        assert "already used" in again.get_data(as_text=True)


def test_tampered_and_expired_links_are_refused(runner, smtp, owned, deadline, client):
    day = deadline - timedelta(days=14)
    plan(runner, day)
    deliver(runner, day)
    link = _link(smtp.messages[0], "Report completed")
    tampered = link[:-3] + ("aaa" if not link.endswith("aaa") else "bbb")
    with at(day):
        assert client.post(tampered, data={}).status_code == 400
    with at(day + timedelta(days=15)):
        response = client.post(link, data={})
        assert response.status_code == 410
        assert "expired" in response.get_data(as_text=True)
    db.session.refresh(owned)
    assert owned.status == Status.NOT_STARTED


def test_unsubscribe_header_link_stops_that_kind(runner, smtp, owned, deadline, client):
    day = deadline - timedelta(days=14)
    plan(runner, day)
    deliver(runner, day)
    url = smtp.messages[0]["List-Unsubscribe"].strip("<>").replace("http://127.0.0.1:5000", "")
    assert client.post(url, csrf=False, data={"List-Unsubscribe": "One-Click"}).status_code == 200
    plan(runner, deadline - timedelta(days=7))
    deliver(runner, deadline - timedelta(days=7))
    # The days since the last planning are caught up: Monday's digest, no deadline reminder.
    assert [m["Subject"] for m in smtp.messages[1:]] == ["Your actions this week"]


def test_weekly_digest_and_coordinator_summary_on_monday(
        runner, smtp, make_action, make_user):
    monday = date(2026, 12, 7)
    owner = make_user(Role.FOCAL_POINT, locale="en")
    coordinator = make_user(Role.COORDINATOR, locale="en")
    make_action(owner=owner, title="Late action", deadline=monday - timedelta(days=3))
    make_action(owner=owner, title="Soon action", deadline=monday + timedelta(days=3))
    make_action(owner=owner, title="Later action", deadline=monday + timedelta(days=90))
    db.session.execute(OutboxMessage.__table__.delete())
    db.session.commit()
    plan(runner, monday)
    deliver(runner, monday)
    digest = [m for m in smtp.messages if m["To"] == owner.email
              and m["Subject"] == "Your actions this week"]
    assert len(digest) == 1
    text = digest[0].get_body(("plain",)).get_content()
    assert text.index("Late action") < text.index("Soon action") < text.index("Later action")
    summary = [m for m in smtp.messages if m["To"] == coordinator.email]
    assert [m["Subject"] for m in summary] == ["Follow-up summary for the week"]
    smtp.messages.clear()
    plan(runner, monday + timedelta(days=1))
    deliver(runner, monday + timedelta(days=1))
    assert not [m for m in smtp.messages if "week" in m["Subject"]]


def test_notifications_are_written_with_the_change_and_not_on_a_refused_one(
        client, auth, make_action, make_user):
    action = make_action()
    coordinator = make_user(Role.COORDINATOR)
    db.session.execute(OutboxMessage.__table__.delete())
    db.session.commit()
    auth.login(action.owner)
    stale = client.post(f"/actions/{action.id}/update", data={
        "status": "completed", "progress": "100", "comment": "", "version": 99})
    assert stale.status_code == 409
    assert outbox_count() == 0
    client.post(f"/actions/{action.id}/update", data={
        "status": "completed", "progress": "100", "comment": "", "version": action.version})
    rows = db.session.scalars(select(OutboxMessage)).all()
    assert [(r.to_email, r.kind.value) for r in rows] == [(coordinator.email, "notification")]
    auth.logout()
    auth.login(coordinator)
    db.session.refresh(action)
    client.post(f"/actions/{action.id}/review", data={
        "decision": "validate", "comment": "", "version": action.version})
    recipients = db.session.scalars(select(OutboxMessage.to_email).order_by(
        OutboxMessage.id)).all()
    assert recipients[-1] == action.owner.email
