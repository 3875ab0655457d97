"""Reporting cycles: owners owe news every so many weeks, are asked once per missed cycle,
and actions without news show as awaiting news or stale."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select

from tests.helpers import at, deliver, each_email_at_once, plan
from tracker.extensions import db
from tracker.models import (
    Action,
    ActionUpdate,
    AuditEntry,
    MessageKind,
    OutboxMessage,
    Role,
    Status,
    UpdateKind,
)
from tracker.reminders.rendering import render_row

ROOT = Path(__file__).resolve().parent.parent
DAY0 = date(2027, 1, 6)  # a Wednesday: the actions below are created that day
BASE_URL = "http://127.0.0.1:5000"


@pytest.fixture(autouse=True)
def _each_email_at_once(app):
    each_email_at_once(app)


def run_days(runner, first: date, last: date, twice: bool = False) -> None:
    """Plan (twice a day when asked) and deliver every day from `first` to `last`."""
    day = first
    while day <= last:
        plan(runner, day)
        if twice:
            plan(runner, day)
        deliver(runner, day)
        day += timedelta(days=1)


def news_requests(smtp, to: str | None = None) -> list:
    """Return the "awaiting news" emails the SMTP server received (to `to`, if given)."""
    return [m for m in smtp.messages
            if m["Subject"].startswith("News requested") and (to is None or m["To"] == to)]


def text_of(message) -> str:
    return message.get_body(("plain",)).get_content()


def link(message, label: str) -> str:
    match = re.search(rf"{label}: (\S+)", text_of(message))
    assert match, text_of(message)
    return match.group(1).replace(BASE_URL, "")


@pytest.fixture
def monthly(make_event, make_recommendation):
    """A recommendation of an event whose actions owe news every 4 weeks."""
    return make_recommendation(event=make_event("Atelier de suivi", report_every_weeks=4))


@pytest.fixture
def make_owned(make_action, make_user):
    """Create, on DAY0, an action owned by a new English-reading focal point."""
    def make(recommendation, title: str = "Publish the migration statistics yearbook",
             owner=None, **values):
        owner = owner or make_user(Role.FOCAL_POINT, locale="en")
        with at(DAY0):
            action = make_action(owner=owner, recommendation=recommendation, title=title,
                                 deadline=DAY0 + timedelta(days=300), **values)
        db.session.execute(OutboxMessage.__table__.delete())  # the "assigned" notification
        db.session.commit()
        return action

    return make


def post_update(client, auth, action: Action, day: date, **data) -> None:
    """Record a progress update as the action's owner on `day`, through the update form."""
    with at(day):
        auth.login(action.owner)
        db.session.refresh(action)
        response = client.post(f"/actions/{action.id}/update", data={
            "status": action.status.value, "progress": str(action.progress),
            "comment": "", "version": action.version, **data})
        auth.logout()
    assert response.status_code == 302, response.get_data(as_text=True)


def test_five_silent_weeks_of_a_monthly_cycle_bring_exactly_one_request(
        runner, smtp, monthly, make_owned):
    action = make_owned(monthly)
    run_days(runner, DAY0 + timedelta(days=1), DAY0 + timedelta(weeks=5), twice=True)

    requests = news_requests(smtp)
    assert len(requests) == 1
    message = requests[0]
    assert message["To"] == action.owner.email
    assert message["Subject"] == f"News requested: {action.title}"
    assert message.is_multipart()
    assert {p.get_content_type() for p in message.iter_parts()} == {"text/plain", "text/html"}
    body = text_of(message)
    assert "no news of the action" in body and "every 4 weeks" in body
    for label in ("Record an update", "Mark in progress", "Report completed",
                  "Request a new deadline"):
        assert f"{label}: {BASE_URL}/" in body
    assert "every 4 weeks" in message.get_body(("html",)).get_content()
    row = db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.kind == MessageKind.AWAITING_NEWS)).one()
    # written on the day the cycle ended, four weeks after the action was created
    assert row.key == f"news:{action.id}:{DAY0.isoformat()}:4w:1"
    assert row.created_at.date() == DAY0 + timedelta(weeks=4)


def test_an_update_restarts_the_cycle_and_each_missed_cycle_is_asked_once(
        runner, smtp, client, auth, monthly, make_owned):
    action = make_owned(monthly)
    news_day = DAY0 + timedelta(days=20)
    post_update(client, auth, action, news_day, status="in_progress", progress="20",
                comment="Data collection started with the INS.")
    db.session.refresh(action)
    assert action.last_news_on == news_day

    day_before = timedelta(days=-1)
    run_days(runner, DAY0 + timedelta(days=21), news_day + timedelta(weeks=4) + day_before)
    assert news_requests(smtp) == []
    run_days(runner, news_day + timedelta(weeks=4), news_day + timedelta(weeks=8) + day_before)
    assert len(news_requests(smtp)) == 1
    run_days(runner, news_day + timedelta(weeks=8), news_day + timedelta(weeks=8, days=3))
    requests = news_requests(smtp)
    assert len(requests) == 2
    assert "2 reporting cycles have passed without news" in text_of(requests[1])
    assert "reporting cycles have passed" not in text_of(requests[0])


def test_closed_actions_and_users_who_do_not_want_it_get_no_request(
        runner, smtp, client, auth, monthly, make_owned, make_user):
    asked = make_owned(monthly, title="Still open")
    completed = make_owned(monthly, title="Completed")
    cancelled = make_owned(monthly, title="Cancelled")
    pending = make_owned(monthly, title="Pending validation")
    for action, status in ((completed, Status.COMPLETED), (cancelled, Status.CANCELLED),
                           (pending, Status.PENDING_VALIDATION)):
        action.status = status
    deactivated = make_owned(monthly, title="Owner deactivated")
    deactivated.owner.active = False
    paused = make_owned(monthly, title="Owner paused")
    paused.owner.reminders_paused_until = DAY0 + timedelta(days=30)
    db.session.commit()
    opted_out = make_owned(monthly, title="Owner opted out")
    with at(DAY0):  # through the preferences page, which offers the kind
        auth.login(opted_out.owner)
        page = client.get("/profile/notifications").get_data(as_text=True)
        assert "Requests for news at each reporting cycle" in page
        kept = [k.value for k in MessageKind if k != MessageKind.AWAITING_NEWS]
        assert client.post("/profile/notifications",
                           data={"kinds": kept, "paused_until": ""}).status_code == 302
        auth.logout()
    db.session.refresh(opted_out.owner)
    assert opted_out.owner.muted_kinds == ["awaiting_news"]

    run_days(runner, DAY0 + timedelta(weeks=4), DAY0 + timedelta(weeks=4, days=2))
    assert [m["To"] for m in news_requests(smtp)] == [asked.owner.email]
    # a pause ends within the cycle: the request comes then, not lost
    run_days(runner, DAY0 + timedelta(days=31), DAY0 + timedelta(days=32))
    assert sorted(m["To"] for m in news_requests(smtp)) == sorted(
        [asked.owner.email, paused.owner.email])


def test_the_action_cycle_overrides_the_event_cycle(
        runner, smtp, monthly, make_owned, make_recommendation):
    quarterly = make_owned(monthly, title="Quarterly action", report_every_weeks=13)
    fortnightly = make_owned(make_recommendation(), title="Fortnightly action",
                             report_every_weeks=2)
    no_cycle = make_owned(make_recommendation(), title="No cycle at all")
    for weeks in (2, 4, 8):
        run_days(runner, DAY0 + timedelta(weeks=weeks), DAY0 + timedelta(weeks=weeks))
    assert [m["To"] for m in news_requests(smtp)] == [fortnightly.owner.email] * 3
    run_days(runner, DAY0 + timedelta(weeks=13), DAY0 + timedelta(weeks=13))
    assert news_requests(smtp, quarterly.owner.email)
    assert news_requests(smtp, no_cycle.owner.email) == []


def test_one_click_links_of_the_request_confirm_on_post_and_count_as_news(
        runner, smtp, client, monthly, make_owned):
    action = make_owned(monthly)
    day = DAY0 + timedelta(weeks=4)
    run_days(runner, day, day)
    [message] = news_requests(smtp)
    assert link(message, "Record an update") == f"/actions/{action.id}#update-heading"

    start = link(message, "Mark in progress")
    with at(day):
        page = client.get(start)
        assert page.status_code == 200 and "Mark the action in progress?" in page.get_data(
            as_text=True)
        db.session.refresh(action)
        assert action.status == Status.NOT_STARTED  # nothing changes on a GET
        assert client.post(start, data={"comment": "Terms of reference drafted."}
                           ).status_code == 200
    db.session.refresh(action)
    assert (action.status, action.last_news_on) == (Status.IN_PROGRESS, day)

    # The other buttons of that email were made for the action before it started: they
    # say what changed and do nothing; the next email's buttons act.
    later = day + timedelta(days=3)
    with at(later):
        stale = client.post(link(message, "Report completed"), data={})
        assert stale.status_code == 409 and "changed since the email" in stale.get_data(
            as_text=True)
    db.session.refresh(action)
    assert action.status == Status.IN_PROGRESS
    with at(day):
        fresh = render_row(db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.template == "awaiting_news")).one())
    assert "Mark in progress" not in fresh.text  # already in progress
    extend = re.search(r"Request a new deadline: (\S+)", fresh.text)[1].replace(BASE_URL, "")
    with at(later):
        assert "New deadline" in client.get(extend).get_data(as_text=True)
        assert client.post(extend, data={
            "new_deadline": (action.deadline + timedelta(days=60)).isoformat(),
            "reason": "The survey needs another quarter."}).status_code == 200
    db.session.refresh(action)
    with at(later):
        fresh = render_row(db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.template == "awaiting_news")).one())
        complete = re.search(r"Report completed: (\S+)", fresh.text)[1].replace(BASE_URL, "")
        assert client.post(complete, data={}).status_code == 200
    db.session.refresh(action)
    assert (action.status, action.last_news_on) == (Status.PENDING_VALIDATION, later)
    history = db.session.execute(
        select(ActionUpdate.kind, ActionUpdate.author_id, ActionUpdate.comment)
        .where(ActionUpdate.action_id == action.id).order_by(ActionUpdate.id)).all()
    assert history[1:] == [
        (UpdateKind.PROGRESS, action.owner_id, "Terms of reference drafted."),
        (UpdateKind.EXTENSION_REQUESTED, action.owner_id, "The survey needs another quarter."),
        (UpdateKind.PROGRESS, action.owner_id, ""),
    ]


def test_awaiting_news_and_stale_filters_badges_action_page_and_dashboard(
        app, client, auth, monthly, make_owned, make_recommendation, make_user):
    silent = make_owned(monthly, title="Silent monthly action")
    recent = make_owned(monthly, title="Recently reported action")
    working = make_owned(make_recommendation(), title="Quiet action in progress")
    post_update(client, auth, working, DAY0, status="in_progress", progress="10")
    post_update(client, auth, recent, DAY0 + timedelta(days=25), comment="On track.")
    coordinator = make_user(Role.COORDINATOR)
    day = DAY0 + timedelta(days=31)  # 4 weeks passed; 31 days without news for `working`

    with at(day):
        auth.login(coordinator)
        awaiting = client.get("/actions?awaiting_news=1").get_data(as_text=True)
        stale = client.get("/actions?stale=1").get_data(as_text=True)
        everything = client.get("/actions").get_data(as_text=True)
        action_page = client.get(f"/actions/{silent.id}").get_data(as_text=True)
        dashboard = client.get("/dashboard").get_data(as_text=True)
        scoped = client.get(f"/dashboard?event={monthly.event_id}").get_data(as_text=True)

    assert "Silent monthly action" in awaiting and "1 action" in awaiting
    assert "Recently reported action" not in awaiting and "Quiet action" not in awaiting
    assert 'id="awaiting_news" name="awaiting_news" value="1" checked' in awaiting
    assert "Quiet action in progress" in stale and "1 action" in stale
    assert "Silent monthly action" not in stale
    assert everything.count('class="badge awaiting-news"') == 1
    assert everything.count('class="badge stale"') == 1
    assert 'class="badge awaiting-news"' in action_page
    assert "Progress update required every 4 weeks" in action_page
    assert re.search(r'id="kpi-awaiting-news">1<', dashboard)
    assert re.search(r'id="kpi-stale">1<', dashboard)
    assert "/actions?awaiting_news=1" in dashboard and "/actions?stale=1" in dashboard
    assert re.search(r'id="kpi-stale">0<', scoped)  # the quiet action is in another event
    assert f"/actions?event={monthly.event_id}&amp;awaiting_news=1" in scoped

    app.config["STALE_AFTER_DAYS"] = 40
    with at(day):
        assert "1 action" not in client.get("/actions?stale=1").get_data(as_text=True)


def test_the_action_list_reads_an_actions_own_cycle_before_its_events(
        client, auth, monthly, make_owned, make_recommendation, make_user, make_event):
    # Event every 4 weeks, action every 8: not awaiting after 5 weeks. Event without a
    # cycle, action every week: awaiting after 2 weeks.
    slower = make_owned(monthly, title="Eight-weekly action", report_every_weeks=8)
    quiet_event = make_recommendation(event=make_event("Atelier sans cycle"), number="7")
    weekly = make_owned(quiet_event, title="Weekly action", report_every_weeks=1)

    with at(DAY0 + timedelta(weeks=5)):
        auth.login(make_user(Role.COORDINATOR))
        page = client.get("/actions?sort=title").get_data(as_text=True)
        awaiting = client.get("/actions?awaiting_news=1").get_data(as_text=True)

    rows = re.findall(r"<tr>(.*?)</tr>", page, re.S)
    [slow_row] = [r for r in rows if "Eight-weekly action" in r]
    [weekly_row] = [r for r in rows if "Weekly action" in r and "Eight" not in r]
    assert 'class="badge awaiting-news"' not in slow_row
    assert 'class="badge awaiting-news"' in weekly_row
    assert "Weekly action" in awaiting and "Eight-weekly action" not in awaiting
    # Each line names the recommendation, its event, the owner and the lead institution.
    assert "7. " in weekly_row and "Atelier sans cycle" in weekly_row
    assert weekly.owner.name in weekly_row and slower.owner.name in slow_row
    assert f">{weekly.lead_institution.code}</abbr>" in weekly_row
    assert f'href="/actions/{weekly.id}"' in weekly_row


def test_coordinator_summary_lists_stale_actions_capped_with_a_count_of_the_rest(
        runner, smtp, client, auth, make_owned, make_recommendation, make_user):
    coordinator = make_user(Role.COORDINATOR, locale="en")
    recommendation = make_recommendation()
    owner = make_user(Role.FOCAL_POINT, locale="en")
    actions = [make_owned(recommendation, title=f"Stale action {i:02d}", owner=owner)
               for i in range(17)]
    for action in actions:
        post_update(client, auth, action, DAY0, status="in_progress", progress="30")
    fresh = make_owned(recommendation, title="Fresh action", owner=owner)
    post_update(client, auth, fresh, DAY0 + timedelta(days=20), status="in_progress",
                progress="30")
    monday = date(2027, 2, 8)  # 33 days after DAY0
    plan(runner, monday)
    deliver(runner, monday)
    [summary] = [m for m in smtp.messages if m["To"] == coordinator.email]
    text = text_of(summary)
    assert "In progress without news for 30 days or more (17)" in text
    assert len(re.findall(r"Stale action \d\d", text)) == 15 and "… and 2 more" in text
    assert "Fresh action" not in text
    assert f"{BASE_URL}/actions?stale=1" in text
    html = summary.get_body(("html",)).get_content()
    assert len(re.findall(r"Stale action \d\d", html)) == 15 and "… and 2 more" in html


def test_request_in_arabic_for_an_arabic_reader(runner, smtp, monthly, make_owned, make_user):
    action = make_owned(monthly, owner=make_user(Role.FOCAL_POINT, locale="ar"))
    run_days(runner, DAY0 + timedelta(weeks=4), DAY0 + timedelta(weeks=4))
    [message] = [m for m in smtp.messages if m["To"] == action.owner.email]
    assert message["Content-Language"] == "ar"
    html = message.get_body(("html",)).get_content()
    assert 'dir="rtl"' in html and 'lang="ar"' in html
    text = text_of(message)
    assert re.search("[\u0600-\u06ff]{3,}", text)  # the greeting and the links' labels
    assert "Hello" not in text and "Mark in progress" not in text
    assert db.session.scalars(select(OutboxMessage.locale).where(
        OutboxMessage.kind == MessageKind.AWAITING_NEWS)).one() == "ar"


def test_coordinators_set_the_cycle_on_events_and_actions_with_a_trace(
        client, auth, make_user, monthly, make_owned):
    coordinator = make_user(Role.COORDINATOR)
    action = make_owned(monthly)
    auth.login(coordinator)
    form = client.get(f"/events/{monthly.event_id}/edit").get_data(as_text=True)
    assert "Progress update required every … weeks" in form and 'value="4"' in form
    event = monthly.event
    values = {"title": event.title, "date": event.date.isoformat(), "place": "",
              "organisers": "", "source_url": "", "description": "", "version": event.version}
    assert client.post(f"/events/{event.id}/edit",
                       data={**values, "report_every_weeks": "13"}).status_code == 302
    db.session.refresh(event)
    assert event.report_every_weeks == 13
    audit = db.session.scalars(select(AuditEntry).where(
        AuditEntry.object_type == "event", AuditEntry.verb == "update")).one()
    assert audit.changes == {"report_every_weeks": [4, 13]}
    refused = client.post(f"/events/{event.id}/edit", data={**values, "report_every_weeks": "60"})
    assert refused.status_code == 422 and "between 1 and 52" in refused.get_data(as_text=True)
    db.session.refresh(event)
    assert event.report_every_weeks == 13

    page = client.get(f"/actions/{action.id}/edit").get_data(as_text=True)
    assert "Progress update required every … weeks" in page
    planning = {"title": action.title, "description": "", "owner": action.owner_id,
                "lead_institution": action.lead_institution_id, "start_date": "",
                "deadline": action.deadline.isoformat(), "version": action.version}
    assert client.post(f"/actions/{action.id}/edit",
                       data={**planning, "report_every_weeks": "0"}).status_code == 422
    assert client.post(f"/actions/{action.id}/edit",
                       data={**planning, "report_every_weeks": "2"}).status_code == 302
    db.session.refresh(action)
    assert (action.report_every_weeks, action.cycle_weeks) == (2, 2)
    entry = action.updates[0]
    assert entry.kind == UpdateKind.EDITED and entry.changes == {"report_every_weeks": [None, 2]}
    assert "reporting cycle" in client.get(f"/actions/{action.id}").get_data(as_text=True)

    new = client.post(f"/recommendations/{action.recommendation_id}/actions/new", data={
        **planning, "version": "0", "title": "Quarterly survey", "report_every_weeks": "13"})
    assert new.status_code == 302
    created = db.session.scalars(select(Action).where(Action.title == "Quarterly survey")).one()
    assert created.report_every_weeks == 13


def test_a_focal_point_cannot_change_a_cycle(client, auth, monthly, make_owned):
    action = make_owned(monthly)
    auth.login(action.owner)
    assert client.get(f"/events/{monthly.event_id}/edit").status_code == 403
    assert client.post(f"/actions/{action.id}/edit", data={"report_every_weeks": "1"}
                       ).status_code == 403
    db.session.refresh(action)
    assert action.report_every_weeks is None


def test_the_migration_fills_the_last_news_day_from_the_history(
        runner, client, auth, monthly, make_owned):
    action = make_owned(monthly)
    quiet = make_owned(monthly, title="Never reported")
    post_update(client, auth, action, DAY0 + timedelta(days=9), comment="Started.")
    expected = {action.id: DAY0 + timedelta(days=9), quiet.id: DAY0}
    db.session.remove()
    assert runner.invoke(args=["db", "downgrade", "334db4db8f76"]).exit_code == 0
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    days = dict(db.session.execute(select(Action.id, Action.last_news_on)).all())
    assert days == expected


def test_two_planners_at_once_write_each_request_once(app, monthly, make_user):
    owner = make_user(Role.FOCAL_POINT)
    db.session.execute(insert(Action), [
        {"recommendation_id": monthly.id, "title": f"Action {i}", "description": "",
         "owner_id": owner.id, "lead_institution_id": owner.institution_id,
         "deadline": DAY0 + timedelta(days=300), "status": Status.IN_PROGRESS,
         "progress": 10, "version": 1, "last_news_on": DAY0} for i in range(300)])
    db.session.commit()
    env = {**os.environ, "TRACKER_ENV": "testing", "SECRET_KEY": app.config["SECRET_KEY"],
           "DATABASE_URL": db.engine.url.render_as_string(hide_password=False),
           "TRACKER_SCHEDULE_DIGEST": "0 8 1 1 *", "TRACKER_SCHEDULE_SUMMARY": "0 8 1 1 *"}
    day = (DAY0 + timedelta(weeks=4)).isoformat()
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "reminders", "plan",
               "--date", day]
    processes = [subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, text=True) for _ in range(2)]
    outputs = [p.communicate(timeout=300)[0] for p in processes]
    assert [p.returncode for p in processes] == [0, 0], outputs
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.kind == MessageKind.AWAITING_NEWS)) == 300
