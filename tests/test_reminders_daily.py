"""The daily email: one email per person per working day, with that person's own links."""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from datetime import date, timedelta

from sqlalchemy import func, select

from tests.helpers import at, deliver, each_email_at_once, plan
from tracker.auth.reset import request_reset
from tracker.extensions import db
from tracker.models import MessageKind, MessageStatus, OutboxMessage, Role, Status, User
from tracker.reminders import links

MONDAY = date(2027, 3, 1)


def text_of(message) -> str:
    return message.get_body(("plain",)).get_content()


def tokens_of(message) -> list[str]:
    """Return the tokens of the one-click and unsubscribe links of a received email."""
    found = re.findall(r"/(?:email|unsubscribe)/([^\s\"'<>]+)", text_of(message))
    return [*found, message["List-Unsubscribe"].strip("<>").rsplit("/", 1)[1]]


def link_users(message) -> set[int]:
    """Return whom the personal links of a received email act for."""
    users = set()
    for token in tokens_of(message):
        try:
            users.add(links.read_action_link(token).user_id)
        except links.LinkInvalid:
            users.add(links.read_unsubscribe_link(token)[0])
    return users


def test_one_email_a_day_gathers_a_persons_reminders_with_their_own_links(
        runner, smtp, client, make_action, make_user):
    owner = make_user(Role.FOCAL_POINT, locale="en", email="leila@onm.example")
    coordinator = make_user(Role.COORDINATOR, locale="fr", email="karim@onm.example")
    soon = make_action(owner=owner, title="Due in a week", deadline=MONDAY + timedelta(days=7))
    late = make_action(owner=owner, title="Eight days late", deadline=MONDAY - timedelta(days=8))
    make_action(owner=owner, title="One day late", deadline=MONDAY - timedelta(days=1))
    make_action(owner=owner, title="Due in three months", deadline=MONDAY + timedelta(days=90))
    db.session.execute(OutboxMessage.__table__.delete())  # the "assigned" notifications
    db.session.commit()

    for _ in range(2):  # planning and delivering twice sends nothing twice
        plan(runner, MONDAY)
        deliver(runner, MONDAY)
    by_recipient = Counter(m["To"] for m in smtp.messages)
    assert by_recipient == {owner.email: 1, coordinator.email: 1}
    mine = next(m for m in smtp.messages if m["To"] == owner.email)
    body = text_of(mine)
    # Overdue first, then due soon; and, a Monday, the weekly digest, which lists only
    # what the reminders above it do not: no action twice.
    assert body.index("Overdue (2)") < body.index("Due soon (1)") < body.index("Later (1)")
    assert "- Due in three months — 30 May 2027" in body  # the digest's list
    for title in ("Eight days late", "One day late", "Due in a week", "Due in three months"):
        assert body.count(title) == 1, title
    assert body.count("Report completed:") == 3 and body.count("Mark in progress:") == 3
    with at(MONDAY):
        assert link_users(mine) == {owner.id}
    held = db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.kind != MessageKind.DAILY)).all()
    assert {row.status for row in held} == {MessageStatus.BUNDLED}

    # The coordinator's escalation: in French, their own unsubscribe, no one-click link.
    theirs = next(m for m in smtp.messages if m["To"] == coordinator.email)
    assert "Eight days late" in text_of(theirs) and "/email/" not in text_of(theirs)
    assert "Due in a week" not in text_of(theirs)
    with at(MONDAY):
        assert link_users(theirs) == {coordinator.id}
    assert theirs["Content-Language"] == "fr"

    # A button acts on the action as the email showed it, for its recipient only.
    start = re.search(r"Mark in progress: \S+?(/email/\S+)", body).group(1)
    with at(MONDAY):
        assert client.get(start).status_code == 200
        assert client.post(start, data={"comment": "Under way."}).status_code == 200
    db.session.refresh(late)
    assert late.status == Status.IN_PROGRESS
    assert soon.status == Status.NOT_STARTED


def test_a_button_refuses_once_the_action_changed_and_for_another_signed_in_user(
        runner, smtp, client, auth, make_action, make_user):
    owner = make_user(Role.FOCAL_POINT, locale="en", email="leila@onm.example")
    other = make_user(Role.FOCAL_POINT, locale="en", email="sami@onm.example")
    action = make_action(owner=owner, title="Due in a week",
                         deadline=MONDAY + timedelta(days=7))
    plan(runner, MONDAY)
    deliver(runner, MONDAY)
    [message] = [m for m in smtp.messages if m["To"] == owner.email]
    complete = re.search(r"Report completed: \S+?(/email/\S+)", text_of(message)).group(1)
    with at(MONDAY):
        auth.login(other.email)
        refused = client.post(complete, data={})
        assert refused.status_code == 403 and "someone else" in refused.get_data(as_text=True)
        auth.logout()
        action.title = "Renamed since the email"  # any change bumps the version
        db.session.commit()
        changed = client.post(complete, data={})
        assert changed.status_code == 409
        assert "changed since the email" in changed.get_data(as_text=True)
    db.session.refresh(action)
    assert action.status == Status.NOT_STARTED


def test_no_reminder_on_weekends_and_the_next_working_day_catches_up(
        runner, smtp, make_action, make_user):
    owner = make_user(Role.FOCAL_POINT, locale="en", email="leila@onm.example")
    saturday = MONDAY - timedelta(days=2)
    make_action(owner=owner, title="Due in 14 days from Saturday",
                deadline=saturday + timedelta(days=14))
    make_action(owner=owner, title="Due in 7 days from Sunday",
                deadline=saturday + timedelta(days=8))
    db.session.execute(OutboxMessage.__table__.delete())
    db.session.commit()
    for day in (saturday, saturday + timedelta(days=1)):
        plan(runner, day)
        deliver(runner, day)
    assert smtp.messages == []
    plan(runner, MONDAY)
    deliver(runner, MONDAY)
    [message] = smtp.messages
    assert "Due in 14 days from Saturday" in text_of(message)
    assert "Due in 7 days from Sunday" in text_of(message)


def test_a_password_reset_goes_at_once_and_alone(runner, smtp, make_action, make_user):
    owner = make_user(Role.FOCAL_POINT, locale="en", email="leila@onm.example")
    make_action(owner=owner, deadline=MONDAY + timedelta(days=7))
    with at(MONDAY):
        request_reset(owner.email)
        db.session.commit()
    deliver(runner, MONDAY + timedelta(days=5))  # a Saturday: only the reset goes
    assert [m["Subject"] for m in smtp.messages] == ["Choose a new password"]


def simulate(runner, smtp, start: date, days: int) -> Counter:
    """Plan and deliver each day at 07:00, as the scheduler does; count the emails each
    person received each day, and check that each one's links are its recipient's."""
    emails = {u.email: u.id for u in db.session.scalars(select(User))}
    per_day: Counter = Counter()
    for offset in range(days):
        day = start + timedelta(days=offset)
        before = len(smtp.messages)
        plan(runner, day)
        deliver(runner, day)
        with at(day):
            for message in smtp.messages[before:]:
                per_day[message["To"], day] += 1
                assert link_users(message) == {emails[message["To"]]}, message["Subject"]
    return per_day


def load_demo(runner, day: date) -> None:
    with at(day, tick=False):
        result = runner.invoke(args=["load-demo"])
    assert result.exit_code == 0, result.output


def test_a_month_of_the_demo_sends_each_person_one_email_a_working_day(runner, smtp):
    start = MONDAY
    load_demo(runner, start)
    per_day = simulate(runner, smtp, start, 31)
    assert per_day and max(per_day.values()) == 1
    assert all(day.weekday() < 5 for _to, day in per_day)
    # Nothing dropped: every item planned is in a daily email that was sent.
    rows = db.session.scalars(select(OutboxMessage)).all()
    daily = [row for row in rows if row.kind == MessageKind.DAILY]
    gathered = {item for row in daily for item in row.context["items"]}
    items = [row for row in rows if row.status == MessageStatus.BUNDLED]
    assert {row.id for row in items} <= gathered
    assert all(row.status == MessageStatus.SENT for row in daily)
    assert not [row for row in rows if row.status == MessageStatus.HELD
                and row.created_at.date() < start + timedelta(days=30)]
    first = Counter({to: n for (to, day), n in per_day.items() if day == start})
    print(f"daily: {len(smtp.messages)} emails, first day {first.most_common(2)}, month "
          f"{Counter(to for to, _d in per_day).most_common(3)}")


def test_a_month_of_the_demo_with_each_email_at_once_for_comparison(app, runner, smtp):
    """The figures before the daily email: one email per reminder and per notification."""
    each_email_at_once(app)
    load_demo(runner, MONDAY)
    per_day = simulate(runner, smtp, MONDAY, 31)
    assert max(per_day.values()) > 1  # what the daily email is for
    first = Counter({to: n for (to, day), n in per_day.items() if day == MONDAY})
    month: Counter = Counter()
    for (to, _day), n in per_day.items():
        month[to] += n
    print(f"at once: {len(smtp.messages)} emails, first day {first.most_common(2)}, "
          f"month {month.most_common(2)}")


def test_the_unsubscribe_and_link_pages_speak_the_recipients_language(
        client, make_action, make_user):
    owner = make_user(Role.FOCAL_POINT, locale="ar", email="leila@onm.example")
    action = make_action(owner=owner, deadline=MONDAY + timedelta(days=7))
    french = {"Accept-Language": "fr"}
    with at(MONDAY):
        unsubscribe = links.unsubscribe_link(owner.id, "daily").split("5000", 1)[1]
        start = links.action_link(owner.id, action.id, "start", None,
                                  action.version).split("5000", 1)[1]
        for path in (unsubscribe, start):
            page = client.get(path, headers=french).get_data(as_text=True)
            assert '<html lang="ar" dir="rtl">' in page, path
        done = client.post(unsubscribe, headers=french).get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in done and "/profile/notifications" in done


def test_the_profile_links_to_the_email_preferences(client, auth, make_user):
    user = make_user(Role.FOCAL_POINT, locale="en")
    auth.login(user)
    assert 'href="/profile/notifications"' in client.get("/profile").get_data(as_text=True)


def test_an_import_of_200_rows_for_3_people_sends_each_one_email_that_day(
        app, runner, smtp, client, auth, make_user, make_institution, make_event,
        make_recommendation, tmp_path):
    app.config.update(SPREADSHEET_IMPORT_FOLDER=str(tmp_path / "pending"),
                      SPREADSHEET_BACKGROUND_ROWS=1000)
    onm = make_institution("ONM", "Observatoire national de la migration")
    owners = [make_user(Role.FOCAL_POINT, institution=onm, locale="en",
                        email=f"owner{n}@onm.tn") for n in range(3)]
    coordinator = make_user(Role.COORDINATOR, email="amel@onm.tn")
    make_recommendation(event=make_event(ref="ATELIER-2024"), ref="R1", number="1",
                        title="Renforcer le système d'information")
    db.session.commit()
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(("event_ref", "recommendation_ref", "recommendation_number",
                     "recommendation_title", "action_ref", "action_title", "owner_email",
                     "lead_institution", "deadline", "status", "progress"))
    for n in range(200):
        writer.writerow(("ATELIER-2024", "R1", "1", "Renforcer le système d'information",
                         f"R1-A{n}", f"Action {n}", owners[n % 3].email, "ONM",
                         (MONDAY + timedelta(days=90)).isoformat(), "not_started", "0"))
    # Now, not at MONDAY: the stashed file's age is read on the real clock.
    auth.login(coordinator)
    preview = client.post("/spreadsheets/import", data={
        "file": (io.BytesIO(buffer.getvalue().encode()), "plan.csv")})
    assert preview.status_code == 200, preview.get_data(as_text=True)[:2000]
    token = re.search(r'name="token" type="hidden" value="([^"]+)"',
                      preview.get_data(as_text=True)).group(1)
    assert client.post("/spreadsheets/import/confirm",
                       data={"token": token}).status_code in (200, 302, 303)
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 200
    plan(runner, MONDAY)
    deliver(runner, MONDAY)
    # One email for each of the 3 owners, telling of their 67 or 66 actions; the
    # coordinator's holds the summary.
    assert sorted(m["To"] for m in smtp.messages) == sorted(
        [coordinator.email, *(o.email for o in owners)])
    assert sorted(text_of(m).count("/actions/") for m in smtp.messages
                  if m["To"] != coordinator.email) == [66, 67, 67]


def test_the_outbox_previews_a_daily_email_without_making_links(
        runner, client, auth, make_action, make_user):
    owner = make_user(Role.FOCAL_POINT, locale="en", email="leila@onm.example")
    make_action(owner=owner, title="Due in a week", deadline=MONDAY + timedelta(days=8))
    plan(runner, MONDAY + timedelta(days=1))  # no SMTP server: the email waits
    row = db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.kind == MessageKind.DAILY)).one()
    auth.login(make_user(Role.ADMIN))
    page = client.get(f"/admin/outbox/{row.id}").get_data(as_text=True)
    assert "Due in a week" in page and "[link]" in page and "/email/" not in page
