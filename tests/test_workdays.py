"""Working days: weekends, Tunisia's public holidays and the admin's closed days; the
planner's catch-up of the days since its last run; `reminders run --date`."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from tests.helpers import at, deliver, field_errors, plan
from tracker.extensions import db
from tracker.models import AuditEntry, ClosedDay, OutboxMessage, Role
from tracker.reminders import jobs, planning
from tracker.reminders.scheduler import next_runs
from tracker.workdays.services import next_working_day, working_day

MONDAY = date(2027, 3, 29)
MARTYRS_DAY = date(2027, 4, 9)  # a Friday, a public holiday in Tunisia
EID = date(2027, 3, 9)  # Eid al-Fitr as the holidays library estimates it (a Tuesday)


def clear_outbox() -> None:
    db.session.execute(OutboxMessage.__table__.delete())  # the "assigned" notifications
    db.session.commit()


def subjects(smtp) -> list[str]:
    return [m.get_body(("plain",)).get_content() for m in smtp.messages]


def test_weekends_tunisian_holidays_and_listed_days_are_closed(app, make_user):
    admin = make_user(Role.ADMIN)
    assert working_day(MONDAY)
    assert not working_day(MONDAY - timedelta(days=1))  # a Sunday
    assert not working_day(MARTYRS_DAY) and not working_day(EID)
    assert next_working_day(MARTYRS_DAY) == date(2027, 4, 12)  # past the weekend
    db.session.add(ClosedDay(day=MONDAY, label="Pont", created_by=admin))
    db.session.commit()
    assert not working_day(MONDAY)
    app.config["HOLIDAY_COUNTRY"] = ""  # no holidays, weekends and listed days still
    assert working_day(MARTYRS_DAY) and not working_day(MONDAY)
    app.config["HOLIDAY_COUNTRY"] = "FR"
    assert not working_day(date(2027, 7, 14)) and working_day(MARTYRS_DAY)


def test_an_unknown_holiday_country_stops_planning_with_a_clear_message(app, runner):
    app.config["HOLIDAY_COUNTRY"] = "XX"
    for command in (["reminders", "plan"], ["reminders", "run"], ["scheduler"]):
        result = runner.invoke(args=command)
        assert result.exit_code == 1
        assert "TRACKER_HOLIDAY_COUNTRY 'XX' is not a country" in result.output
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
    app.config["HOLIDAY_COUNTRY"] = ""
    assert runner.invoke(args=["reminders", "plan"]).exit_code == 0


def test_an_admin_adds_and_removes_a_closed_day_with_an_audit_row(client, auth, make_user):
    admin = make_user(Role.ADMIN)
    with at(MONDAY):
        auth.login(admin)
        page = client.get("/admin/closed-days").get_data(as_text=True)
        added = client.post("/admin/closed-days", data={"day": "2027-04-12", "label": "Pont"})
        # The holidays ahead, from the library: Martyrs' Day, the estimated Eid al-Adha.
        assert "Martyrs&#39; Day" in page and "Eid al-Adha (estimated)" in page
        assert added.status_code == 302
        [closed] = db.session.scalars(select(ClosedDay)).all()
        assert (closed.day, closed.label, closed.created_by_id) == (
            date(2027, 4, 12), "Pont", admin.id)
        again = client.post("/admin/closed-days", data={"day": "2027-04-12", "label": "Encore"})
        blank = client.post("/admin/closed-days", data={"day": "12/04/2027", "label": ""})
        page = client.get("/admin/closed-days").get_data(as_text=True)
        forged = client.post(f"/admin/closed-days/{closed.id}/delete", csrf=False)
        assert forged.status_code == 400 and db.session.get(ClosedDay, closed.id) is not None
        removed = client.post(f"/admin/closed-days/{closed.id}/delete")
    assert again.status_code == 422
    assert field_errors(again, "day") == ["This day is already on the list of closed days."]
    assert blank.status_code == 422 and field_errors(blank, "label")
    assert "<bdi>Pont</bdi>" in page  # listed until removed
    assert removed.status_code == 302 and db.session.scalars(select(ClosedDay)).all() == []
    entries = db.session.scalars(select(AuditEntry).where(
        AuditEntry.object_type == "closedday").order_by(AuditEntry.id)).all()
    assert [(e.verb, e.actor_id, e.changes["day"]) for e in entries] == [
        ("create", admin.id, [None, "2027-04-12"]), ("delete", admin.id, ["2027-04-12", None])]


def test_a_reminder_due_on_a_holiday_goes_on_the_next_working_day(
        runner, smtp, make_action, make_user):
    owner = make_user(Role.FOCAL_POINT, locale="en", email="leila@onm.example")
    make_action(owner=owner, title="Seven days left on Martyrs' Day",
                deadline=MARTYRS_DAY + timedelta(days=7))
    clear_outbox()
    for day in (MARTYRS_DAY - timedelta(days=1), MARTYRS_DAY,
                MARTYRS_DAY + timedelta(days=1), MARTYRS_DAY + timedelta(days=2)):
        plan(runner, day)
        deliver(runner, day)
    assert smtp.messages == []
    plan(runner, date(2027, 4, 12))
    deliver(runner, date(2027, 4, 12))
    [message] = smtp.messages
    assert "Seven days left on Martyrs' Day" in subjects(smtp)[0]


def test_an_extra_closed_day_holds_reminders_until_the_next_working_day(
        runner, smtp, make_action, make_user):
    owner = make_user(Role.FOCAL_POINT, locale="en", email="leila@onm.example")
    make_action(owner=owner, title="Due in a week", deadline=MONDAY + timedelta(days=7))
    db.session.add(ClosedDay(day=MONDAY, label="Pont"))
    clear_outbox()
    plan(runner, MONDAY)
    deliver(runner, MONDAY)
    assert smtp.messages == []
    plan(runner, MONDAY + timedelta(days=1))
    deliver(runner, MONDAY + timedelta(days=1))
    assert len(smtp.messages) == 1 and "Due in a week" in subjects(smtp)[0]


def test_planning_catches_up_the_working_days_it_missed(
        runner, smtp, make_action, make_user):
    owner = make_user(Role.FOCAL_POINT, locale="en", email="leila@onm.example")
    tuesday, wednesday = MONDAY + timedelta(days=1), MONDAY + timedelta(days=2)
    make_action(owner=owner, title="Seven days left on Tuesday",
                deadline=tuesday + timedelta(days=7))
    make_action(owner=owner, title="Fourteen days left on Wednesday",
                deadline=wednesday + timedelta(days=14))
    clear_outbox()
    plan(runner, MONDAY)  # then the planner is down on Tuesday and Wednesday
    deliver(runner, MONDAY)
    monday = len(smtp.messages)
    assert jobs.last_planned_day() == MONDAY
    thursday = MONDAY + timedelta(days=3)
    result = plan(runner, thursday)
    assert "queued 2 emails" in result.output
    assert jobs.last_planned_day() == thursday
    deliver(runner, thursday)
    [body] = subjects(smtp)[monday:]
    assert "Seven days left on Tuesday" in body and "Fourteen days left on Wednesday" in body
    # Again on Thursday, or for an earlier day by hand: nothing new, the record stays.
    assert "queued 0 emails" in plan(runner, thursday).output
    plan(runner, tuesday)
    assert jobs.last_planned_day() == thursday


def test_the_catch_up_reaches_back_14_days_at_most(app, make_action, make_user):
    owner = make_user(Role.FOCAL_POINT, locale="en")
    clear_outbox()
    with at(MONDAY):
        jobs.record_planned(MONDAY - timedelta(days=40))
        db.session.commit()
        days = jobs.days_to_plan(MONDAY)
    assert len(days) == jobs.CATCH_UP_DAYS
    assert (days[0], days[-1]) == (MONDAY - timedelta(days=13), MONDAY)
    make_action(owner=owner, deadline=MONDAY + timedelta(days=7) - timedelta(days=20))
    with at(MONDAY):
        jobs.plan(MONDAY)
    assert jobs.last_planned_day() == MONDAY


def test_a_failed_planning_records_nothing_and_the_next_run_plans_again(
        app, monkeypatch, make_action, make_user):
    owner = make_user(Role.FOCAL_POINT, locale="en")
    make_action(owner=owner, deadline=MONDAY + timedelta(days=7))
    clear_outbox()

    write = planning.write

    def broken(plan):
        write(plan)  # the rows are in, then the connection drops before the commit
        raise RuntimeError("connection lost")

    monkeypatch.setattr("tracker.reminders.planning.write", broken)
    with at(MONDAY), pytest.raises(RuntimeError):
        jobs.plan(MONDAY)
    assert jobs.last_planned_day() is None
    assert db.session.scalars(select(OutboxMessage)).all() == []
    monkeypatch.undo()
    with at(MONDAY):
        jobs.plan(MONDAY)
    assert jobs.last_planned_day() == MONDAY
    assert {row.template for row in db.session.scalars(select(OutboxMessage))} == {
        "deadline_approaching", "weekly_digest", "daily"}


def test_reminders_run_for_a_date_sends_that_days_emails_once(
        runner, smtp, make_action, make_user):
    owner = make_user(Role.FOCAL_POINT, locale="en", email="leila@onm.example")
    make_action(owner=owner, title="Due in a week", deadline=MONDAY + timedelta(days=7))
    clear_outbox()
    # No time travel: the command sets the tracker's clock to 07:00 that day itself.
    first = runner.invoke(args=["reminders", "run", "--date", MONDAY.isoformat()])
    assert first.exit_code == 0, first.output
    assert "2027-03-29: queued 2 items" in first.output
    assert "composed 1 daily emails" in first.output and "1 sent" in first.output
    [message] = smtp.messages
    assert "Due in a week" in message.get_body(("plain",)).get_content()
    row = db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.key.startswith("daily:"))).one()
    assert row.key.endswith(":2027-03-29") and row.created_at.date() == MONDAY
    second = runner.invoke(args=["reminders", "run", "--date", MONDAY.isoformat()])
    assert second.exit_code == 0, second.output
    assert "queued 0 items" in second.output and "composed 0 daily emails" in second.output
    assert "0 sent" in second.output and len(smtp.messages) == 1
    closed = runner.invoke(args=["reminders", "run", "--date", "2027-04-09"])
    assert "closed day" in closed.output and len(smtp.messages) == 1
    bad = runner.invoke(args=["reminders", "run", "--date", "29/03/2027"])
    assert bad.exit_code == 2 and "YYYY-MM-DD" in bad.output


def test_the_schedule_shows_each_planning_jobs_next_run_on_a_working_day(
        app, client, auth, make_user):
    admin = make_user(Role.ADMIN)
    thursday_noon = datetime.fromisoformat("2027-04-08T12:00:00+01:00")
    with time_machine.travel(thursday_noon, tick=False):
        auth.login(admin)
        runs = {job: next_run for job, _expression, next_run in next_runs(app)}
        page = client.get("/admin/schedule").get_data(as_text=True)
    # Not Friday (Martyrs' Day) nor the weekend: Monday, for planning as for the digest.
    assert runs["plan"].date() == runs["digest"].date() == date(2027, 4, 12)
    assert runs["deliver"].date() == date(2027, 4, 8)  # delivery runs every day
    assert "/admin/closed-days" in page
