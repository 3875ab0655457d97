"""A month of the demo through the scheduler's own jobs and a real SMTP server: one email
per person per working day at most, none on weekends and Tunisian public holidays, each
email's links its recipient's own, and nothing a per-action planning would have sent left
out; a planner run twice a day, or down two days, changes none of that."""

from __future__ import annotations

import html
import re
import time
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select, update

from tests.helpers import at
from tracker import clock
from tracker.extensions import db
from tracker.models import Action, MessageKind, MessageStatus, OutboxMessage, User
from tracker.reminders import jobs, links, planning
from tracker.reminders.scheduler import JOBS
from tracker.workdays.services import public_holidays, working_day

START = date(2027, 3, 1)  # a Monday; the month holds Eid al-Fitr and Independence Day
DAYS = 31
# Eid al-Fitr as the holidays library estimates it: Tuesday to Thursday.
EID = [date(2027, 3, 9), date(2027, 3, 10), date(2027, 3, 11)]
# The scheduler is down on these two working days; the next run catches them up.
DOWN = {date(2027, 3, 16), date(2027, 3, 17)}
# The delivery job runs every 5 minutes; it is run 5 minutes after each planning job.
DELIVERY_DELAY = timedelta(minutes=5)
LINK = re.compile(r"/(email|unsubscribe)/([A-Za-z0-9_.\-]+)")


def personal_links(message) -> list[tuple[str, str]]:
    """Return the (kind, token) of every one-click and unsubscribe link of an email, in its
    text and HTML parts and its List-Unsubscribe header."""
    found = []
    for part in ("plain", "html"):
        found += LINK.findall(html.unescape(message.get_body((part,)).get_content()))
    found += LINK.findall(message["List-Unsubscribe"] or "")
    return found


def whose(kind: str, token: str) -> int:
    """Return the user a one-click or unsubscribe link acts for."""
    if kind == "email":
        return links.read_action_link(token).user_id
    return links.read_unsubscribe_link(token)[0]


def evening(day: date):
    """Travel to 22:00 in Tunis on `day`."""
    return time_machine.travel(datetime.fromisoformat(f"{day.isoformat()}T22:00:00+01:00"),
                               tick=False)


def run_the_scheduler_on(day: date, *, twice: bool) -> None:
    """Run each reminder job at its time on `day`, as the scheduler does, and the delivery
    job 5 minutes after each; with `twice`, the planning job runs again at noon."""
    runs = []
    for job_id, (setting, function) in JOBS.items():
        fire = jobs.first_run(setting, day)
        if job_id != "deliver" and fire is not None:
            runs.append((fire, function))
            if twice and job_id == "plan":
                runs.append((fire.replace(hour=12), function))
    for fire, function in sorted(runs, key=lambda run: run[0]):
        for moment, job in ((fire, function), (fire + DELIVERY_DELAY, JOBS["deliver"][1])):
            with time_machine.travel(moment, tick=False):
                job()


def per_action_plan(days: list[date]) -> dict[str, dict]:
    """Return, by key, every reminder a planning of each day on its own would write, on
    every day of the week (what the tracker sent before the daily email)."""
    rows: dict[str, dict] = {}
    for day in days:
        with at(day, tick=False):
            plan = planning.plan_reminders(
                day, clock.now(), digests=jobs.fires_on("SCHEDULE_DIGEST", day),
                summaries=jobs.fires_on("SCHEDULE_SUMMARY", day))
        for row in plan.rows:
            rows.setdefault(row["key"], row)
    db.session.rollback()
    return rows


@pytest.mark.parametrize("language", ["fr", "en", "ar"])
def test_a_month_of_the_demo_in_each_language(language, runner, smtp):
    started = time.monotonic()
    with at(START, tick=False):
        loaded = runner.invoke(args=["load-demo"])
    assert loaded.exit_code == 0, loaded.output
    db.session.execute(update(User).values(locale=language))
    db.session.commit()
    days = [START + timedelta(days=n) for n in range(DAYS)]
    expected = per_action_plan(days)
    assert {"deadline_approaching", "overdue", "escalation", "awaiting_news",
            "weekly_digest", "coordinator_summary"} <= {r["template"] for r in expected.values()}
    assert set(EID) <= set(public_holidays(2027)) and not DOWN & set(EID)

    received: dict[tuple[str, date], list] = defaultdict(list)
    users = {u.email: u.id for u in db.session.scalars(select(User))}
    for day in days:
        before = len(smtp.messages)
        if day not in DOWN:
            run_the_scheduler_on(day, twice=day.weekday() in (0, 3))
        for message in smtp.messages[before:]:
            received[message["To"], day].append(message)
            assert message["Content-Language"] == language
            with evening(day):  # after the links were signed, at delivery
                owners = {whose(kind, token) for kind, token in personal_links(message)}
            assert owners == {users[message["To"]]}, (message["To"], message["Subject"])

    # At most one email per person per working day; none on closed days.
    assert received and max(len(sent) for sent in received.values()) == 1
    sending_days = {day for _to, day in received}
    assert all(working_day(day) for day in sending_days)
    assert not sending_days & {*EID, *DOWN}
    assert all(day.weekday() < 5 for day in sending_days)
    assert date(2027, 3, 12) in sending_days and date(2027, 3, 18) in sending_days

    # Each daily email went, to the person and on the day its key names, and tells of
    # each action it holds.
    rows = {row.id: row for row in db.session.scalars(select(OutboxMessage))}
    titles = dict(db.session.execute(select(Action.id, Action.title)).all())
    daily = [row for row in rows.values() if row.kind == MessageKind.DAILY]
    assert {row.status for row in rows.values()} == {MessageStatus.SENT, MessageStatus.BUNDLED}
    assert len(daily) == len(received) == len(smtp.messages)
    delivered: dict[str, OutboxMessage] = {}
    for row in daily:
        [message] = received[row.to_email, date.fromisoformat(row.key.rsplit(":", 1)[1])]
        shown = html.unescape(message.get_body(("html",)).get_content())
        for item_id in row.context["items"]:
            item = rows[item_id]
            assert item.recipient_id == row.recipient_id
            delivered[item.key] = item
            if item.action_id is not None and item.template != "notification":
                assert titles[item.action_id] in shown, (item.key, row.key)

    # Nothing dropped: each reminder of the per-action planning is in an email, or was
    # caught up with a newer one about the same action (or week) in that same email.
    replaced = {jobs.replacing({"template": item.template, "action_id": item.action_id,
                                "recipient_id": item.recipient_id})
                for item in delivered.values()}
    missing = [key for key, row in expected.items()
               if key not in delivered and jobs.replacing(row) not in replaced]
    assert missing == []
    caught_up = len([key for key in expected if key not in delivered])
    assert jobs.last_planned_day() == date(2027, 3, 31)
    per_person = Counter(to for to, _day in received)
    print(f"{language}: {len(smtp.messages)} emails for {len(delivered)} items "
          f"({len(expected)} per-action reminders, {caught_up} replaced by newer ones); "
          f"most to one person {per_person.most_common(1)}; "
          f"{time.monotonic() - started:.1f} s")
