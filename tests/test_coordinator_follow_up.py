"""What coordinators receive: the weekly summary read like a meeting brief, escalations
limited to their scope, and actions without an active owner; and what focal points away
or busy choose: a delegate, the hour of their daily email."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import time_machine
from sqlalchemy import select

from tests.helpers import at, deliver, form_on_page, plan
from tests.test_reminders_daily import link_users, text_of
from tracker.actions.services import Change, edit_action, record_update
from tracker.extensions import db
from tracker.models import Action, ActionUpdate, MessageKind, OutboxMessage, Role, Status
from tracker.scopes import coordinators_by_action, in_scope

MONDAY = date(2027, 3, 1)
TUESDAY = MONDAY + timedelta(days=1)


def clear_outbox() -> None:
    db.session.execute(OutboxMessage.__table__.delete())  # the "assigned" notifications
    db.session.commit()


def update(actor, action, day: date, hour: int = 10, **change) -> None:
    with time_machine.travel(datetime.fromisoformat(f"{day.isoformat()}T{hour:02d}:00:00+01:00"),
                             tick=False):
        record_update(actor, action, action.version, Change(**change))
        db.session.commit()


def email_to(smtp, user) -> str:
    [message] = [m for m in smtp.messages if m["To"] == user.email]
    return text_of(message)


def test_the_weekly_summary_says_what_changed_per_action_by_event_newest_first(
        runner, smtp, make_user, make_action, make_event, make_recommendation):
    coordinator = make_user(Role.COORDINATOR, locale="en", email="amel@onm.example")
    owner = make_user(Role.FOCAL_POINT, locale="en", email="leila@onm.example")
    workshop = make_event(title="Workshop on data")
    forum = make_event(title="Forum on return")
    in_workshop = make_recommendation(event=workshop)
    yearbook = make_action(owner=owner, recommendation=in_workshop, title="Publish the yearbook",
                           deadline=MONDAY + timedelta(days=60))
    others = [make_action(owner=owner, recommendation=in_workshop, title=f"Survey wave {n}",
                          deadline=MONDAY + timedelta(days=60)) for n in range(6)]
    hotline = make_action(owner=owner, recommendation=make_recommendation(event=forum),
                          title="Open the hotline", deadline=MONDAY + timedelta(days=60))
    # Created and edited in the week, without news: not an update.
    with at(MONDAY - timedelta(days=3)):
        quiet = make_action(owner=owner, recommendation=make_recommendation(event=forum),
                            title="Quietly planned", deadline=MONDAY + timedelta(days=60))
        edit_action(coordinator, quiet, quiet.version, {"title": "Quietly renamed"})
        db.session.commit()
    update(owner, yearbook, MONDAY - timedelta(days=5), status=Status.IN_PROGRESS,
           progress=30, comment="Kick-off meeting held.")
    update(owner, yearbook, MONDAY - timedelta(days=3), progress=50,
           comment="Half of the chapters are in.", links=["https://onm.example/draft"])
    for n, action in enumerate(others):
        update(owner, action, MONDAY - timedelta(days=4), hour=11 + n,
               status=Status.IN_PROGRESS, progress=10 + n)
    update(owner, hotline, MONDAY - timedelta(days=2), status=Status.IN_PROGRESS,
           progress=20)
    clear_outbox()

    plan(runner, MONDAY)
    deliver(runner, MONDAY)
    text = email_to(smtp, coordinator)
    assert "What changed since 22 Feb 2027: 8 actions" in text
    # Newest first: the forum's news came last.
    assert text.index("Forum on return") < text.index("Workshop on data")
    assert ("- Publish the yearbook: Not started → In progress, 0 % → 50 %\n"
            "  « Half of the chapters are in. » (Focal_Point 2)\n"
            "  1 new piece of evidence") in text
    assert "Kick-off meeting held." not in text  # the latest comment only
    assert "Quietly" not in text
    # Five actions of the workshop, then the rest on the filtered list.
    workshop_part = text[text.index("Workshop on data"):]
    assert workshop_part.count("- Survey wave") + workshop_part.count("- Publish") == 5
    more = re.search(r"… and 2 more: (\S+)", workshop_part).group(1)
    assert more == f"http://127.0.0.1:5000/actions?event={workshop.id}&sort=-updated"
    assert db.session.scalar(select(ActionUpdate.id).where(
        ActionUpdate.action_id == quiet.id, ActionUpdate.kind == "edited")) is not None

    # The next summary starts from this one: nothing new, nothing repeated.
    smtp.messages.clear()
    update(owner, hotline, MONDAY + timedelta(days=3), progress=40, comment="Line tested.")
    plan(runner, MONDAY + timedelta(days=7))
    deliver(runner, MONDAY + timedelta(days=7))
    text = email_to(smtp, coordinator)
    assert "What changed since 1 Mar 2027: 1 action" in text
    assert "- Open the hotline: In progress, 20 % → 40 %" in text
    assert "Publish the yearbook:" not in text


def set_scope(client, auth, admin, coordinator, **scope) -> None:
    """Set a coordinator's escalation scope on the account form, as an admin would."""
    auth.login(admin)
    form = form_on_page(client.get(f"/admin/users/{coordinator.id}/edit"))
    form.update(scope)
    response = client.post(f"/admin/users/{coordinator.id}/edit", data=form)
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    auth.logout()


def test_escalations_go_to_the_coordinators_responsible_for_the_action(
        runner, smtp, client, auth, make_user, make_action, make_event, make_recommendation,
        make_institution):
    admin = make_user(Role.ADMIN, locale="en")
    everyone = make_user(Role.COORDINATOR, locale="en", email="all@onm.example")
    by_event = make_user(Role.COORDINATOR, locale="en", email="event@onm.example")
    by_institution = make_user(Role.COORDINATOR, locale="en", email="ins@onm.example")
    ins, onm = make_institution("INS"), make_institution("ONM")
    workshop, forum = make_event(title="Workshop"), make_event(title="Forum")
    late = TUESDAY - timedelta(days=8)  # the second overdue reminder: escalated
    in_workshop = make_action(owner=make_user(institution=onm), title="Workshop x ONM",
                              recommendation=make_recommendation(event=workshop),
                              deadline=late)
    by_ins = make_action(owner=make_user(institution=ins), title="Forum x INS",
                         recommendation=make_recommendation(event=forum), deadline=late)
    neither = make_action(owner=make_user(institution=onm), title="Forum x ONM",
                          recommendation=make_recommendation(event=forum), deadline=late)
    set_scope(client, auth, admin, by_event, scope_events=[str(workshop.id)])
    set_scope(client, auth, admin, by_institution, scope_institutions=[str(ins.id)])
    db.session.expire_all()
    assert [e.id for e in by_event.scope_events] == [workshop.id]
    # The rule's two forms agree.
    responsible = coordinators_by_action([in_workshop.id, by_ins.id, neither.id])
    for action in (in_workshop, by_ins, neither):
        assert [u.id for u in responsible[action.id]] == [
            u.id for u in (everyone, by_event, by_institution) if in_scope(u, action)]
    clear_outbox()

    plan(runner, TUESDAY)
    deliver(runner, TUESDAY)
    titles = ("Workshop x ONM", "Forum x INS", "Forum x ONM")
    assert [t in email_to(smtp, everyone) for t in titles] == [True, True, True]
    assert [t in email_to(smtp, by_event) for t in titles] == [True, False, False]
    assert [t in email_to(smtp, by_institution) for t in titles] == [False, True, False]


def test_a_scope_is_for_coordinators_only(client, auth, make_user, make_event):
    admin = make_user(Role.ADMIN, locale="en")
    viewer = make_user(Role.VIEWER, locale="en")
    event = make_event()
    auth.login(admin)
    form = form_on_page(client.get(f"/admin/users/{viewer.id}/edit"))
    form["scope_events"] = [str(event.id)]
    refused = client.post(f"/admin/users/{viewer.id}/edit", data=form)
    assert refused.status_code == 422
    assert "Only a coordinator follows events or institutions." in refused.get_data(
        as_text=True)
    db.session.expire_all()
    assert viewer.scope_events == []


def test_actions_of_a_deactivated_or_paused_owner_reach_coordinators_at_once(
        runner, smtp, make_user, make_action):
    coordinator = make_user(Role.COORDINATOR, locale="en", email="amel@onm.example")
    gone = make_user(Role.FOCAL_POINT, locale="en", email="gone@onm.example")
    away = make_user(Role.FOCAL_POINT, locale="en", email="away@onm.example",)
    make_action(owner=gone, title="Owner deactivated", deadline=TUESDAY - timedelta(days=1))
    make_action(owner=away, title="Owner paused", deadline=TUESDAY - timedelta(days=1))
    make_action(owner=make_user(Role.FOCAL_POINT, locale="en"), title="Owner present",
                deadline=TUESDAY - timedelta(days=1))
    gone.active = False
    away.reminders_paused_until = TUESDAY + timedelta(days=10)
    db.session.commit()
    clear_outbox()

    plan(runner, TUESDAY)  # the first day late: only ownerless actions escalate already
    deliver(runner, TUESDAY)
    text = email_to(smtp, coordinator)
    assert "Overdue by 1 day: Owner deactivated (Without an active owner)" in text
    assert "Overdue by 1 day: Owner paused (Without an active owner)" in text
    assert "Owner present" not in text
    assert {m["To"] for m in smtp.messages} == {coordinator.email,
                                                 *{a.owner.email for a in db.session.scalars(
                                                     select(Action).where(
                                                         Action.title == "Owner present"))}}


def test_a_focal_point_whose_institution_leads_gets_the_monday_digest(
        runner, smtp, make_user, make_action, make_institution):
    onm = make_institution("ONM")
    owner = make_user(Role.FOCAL_POINT, institution=onm, locale="en")
    colleague = make_user(Role.FOCAL_POINT, institution=onm, locale="en",
                          email="sami@onm.example")
    make_action(owner=owner, lead_institution=onm, title="Led by the ONM",
                deadline=MONDAY + timedelta(days=90))
    clear_outbox()
    plan(runner, MONDAY)
    deliver(runner, MONDAY)
    assert "- Led by the ONM — 30 May 2027" in email_to(smtp, colleague)


def save_preferences(client, auth, user, **changes):
    auth.login(user)
    form = form_on_page(client.get("/profile/notifications"))
    form["kinds"] = [kind.value for kind in MessageKind]  # (the helper reads one checkbox)
    form.update(changes)
    response = client.post("/profile/notifications", data=form)
    auth.logout()
    return response


def test_a_delegate_receives_my_items_with_their_own_links_while_i_am_away(
        runner, smtp, client, auth, make_user, make_action, make_institution):
    owner = make_user(Role.FOCAL_POINT, locale="en", email="leila@onm.example")
    stand_in = make_user(Role.COORDINATOR, locale="en", email="karim@onm.example")
    outsider = make_user(Role.FOCAL_POINT, institution=make_institution("INS"), locale="en",
                         email="sami@ins.example")
    action = make_action(owner=owner, title="Due in a week", deadline=TUESDAY + timedelta(days=7))
    clear_outbox()
    with at(TUESDAY - timedelta(days=1)):
        assert save_preferences(client, auth, owner, delegate=str(stand_in.id),
                                delegate_until=(TUESDAY + timedelta(days=3)).isoformat()
                                ).status_code == 302

    plan(runner, TUESDAY)
    deliver(runner, TUESDAY)
    assert [m["To"] for m in smtp.messages] == [stand_in.email]
    [message] = smtp.messages
    assert "Due in a week" in text_of(message)
    assert "In place of Focal_Point 1, who is away." in text_of(message)
    with at(TUESDAY):
        assert link_users(message) == {stand_in.id}
        start = re.search(r"Mark in progress: \S+?(/email/\S+)", text_of(message)).group(1)
        assert client.post(start, data={"comment": "Covering for Leila."}).status_code == 200
    db.session.refresh(action)
    assert action.status == Status.IN_PROGRESS
    assert db.session.scalar(select(ActionUpdate.author_id).where(
        ActionUpdate.action_id == action.id).order_by(ActionUpdate.id.desc()).limit(1)
    ) == stand_in.id

    # A delegate who may not update the action gets it without buttons.
    smtp.messages.clear()
    later = TUESDAY + timedelta(days=6)  # the 1-day reminder
    with at(later - timedelta(days=1)):
        assert save_preferences(client, auth, owner, delegate=str(outsider.id),
                                delegate_until=later.isoformat()).status_code == 302
    plan(runner, later)  # a Monday: the coordinator's summary goes too
    deliver(runner, later)
    assert owner.email not in [m["To"] for m in smtp.messages]
    text = email_to(smtp, outsider)
    assert "Due in a week" in text and "/email/" not in text


def test_a_delegation_needs_an_end_and_an_active_other_person(client, auth, make_user):
    owner = make_user(Role.FOCAL_POINT, locale="en")
    other = make_user(Role.FOCAL_POINT, locale="en")
    refused = save_preferences(client, auth, owner, delegate=str(other.id), delegate_until="")
    assert refused.status_code == 422
    db.session.refresh(owner)
    assert owner.delegate_id is None


def test_the_daily_email_waits_for_the_hour_its_recipient_chose(
        runner, smtp, client, auth, make_user, make_action):
    owner = make_user(Role.FOCAL_POINT, locale="en", email="leila@onm.example")
    make_action(owner=owner, title="Due in a week", deadline=TUESDAY + timedelta(days=7))
    clear_outbox()
    assert save_preferences(client, auth, owner, daily_hour="9").status_code == 302
    plan(runner, TUESDAY)
    deliver(runner, TUESDAY)  # 07:00 in Tunis
    assert smtp.messages == []
    with time_machine.travel(datetime.fromisoformat(f"{TUESDAY.isoformat()}T09:00:00+01:00"),
                             tick=False):
        assert runner.invoke(args=["reminders", "deliver"]).exit_code == 0
    assert [m["To"] for m in smtp.messages] == [owner.email]


def test_a_scoped_coordinators_summary_holds_only_the_actions_in_scope(
        runner, smtp, make_user, make_action, make_event, make_recommendation):
    everyone = make_user(Role.COORDINATOR, locale="en", email="all@onm.example")
    scoped = make_user(Role.COORDINATOR, locale="en", email="event@onm.example")
    owner = make_user(Role.FOCAL_POINT, locale="en")
    workshop, forum = make_event(title="Workshop"), make_event(title="Forum")
    mine = make_action(owner=owner, title="In the workshop", deadline=MONDAY + timedelta(days=60),
                       recommendation=make_recommendation(event=workshop))
    other = make_action(owner=owner, title="In the forum", deadline=MONDAY + timedelta(days=60),
                        recommendation=make_recommendation(event=forum))
    scoped.scope_events = [workshop]
    db.session.commit()
    for action in (mine, other):
        update(owner, action, MONDAY - timedelta(days=2), status=Status.IN_PROGRESS,
               progress=25, comment="Started.")
    clear_outbox()
    plan(runner, MONDAY)
    deliver(runner, MONDAY)
    assert "In the workshop" in email_to(smtp, everyone)
    assert "In the forum" in email_to(smtp, everyone)
    text = email_to(smtp, scoped)
    assert "This summary covers the events and institutions you follow." in text
    assert "In the workshop" in text and "In the forum" not in text
