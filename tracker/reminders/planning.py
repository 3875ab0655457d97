"""Planning: deciding which reminders are due on a day and writing them to the outbox.

A planned row holds what its email is about (ids and plain values), no rendered body and
no link: delivery renders it when it sends it.

Each reminder has a key naming its recipient, kind and action (or period); the outbox
refuses a key it already holds, so planning is safe to repeat and to run in parallel.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload

from tracker.actions.rules import (
    awaiting_news_clause,
    awaits_owner_clause,
)
from tracker.extensions import db
from tracker.models import (
    Action,
    Event,
    MessageKind,
    Recommendation,
    Role,
    Status,
    User,
    action_visible_clause,
)
from tracker.reminders import summary
from tracker.reminders.outbox import (
    build,
    existing_keys,
    has_active_owner,
    insert_counted,
    wants,
)
from tracker.scopes import coordinators, coordinators_by_action

OVERDUE_EVERY_DAYS = 7
OVERDUE_MAX_YEARS = 10


@dataclass
class Plan:
    """What planning found due, as outbox rows, before they are written."""

    rows: list[dict] = field(default_factory=list)
    # What writing the plan inserted, by kind (rows another planner wrote first are not in).
    inserted: dict[str, int] = field(default_factory=dict)

    def add(self, row: dict) -> None:
        self.rows.append(row)

    def counts(self) -> dict[str, int]:
        """Return how many emails of each kind the plan holds."""
        result: dict[str, int] = defaultdict(int)
        for row in self.rows:
            result[row["kind"].value] += 1
        return dict(result)


def _open_actions():
    return (select(Action).where(awaits_owner_clause(), action_visible_clause())
            .options(joinedload(Action.owner), joinedload(Action.lead_institution),
                     joinedload(Action.recommendation).joinedload(Recommendation.event)))


def deadline_reminders(day: date, plan: Plan) -> None:
    """Plan the "deadline approaching" reminders at the configured offsets before deadlines."""
    offsets = current_app.config["REMINDER_OFFSETS"]
    by_deadline = {day + timedelta(days=n): n for n in offsets}
    actions = db.session.scalars(_open_actions().where(Action.deadline.in_(by_deadline))).all()
    keys = {a.id: f"deadline:{a.id}:{a.deadline.isoformat()}:{by_deadline[a.deadline]}"
            for a in actions}
    known = existing_keys(list(keys.values()))
    for action in actions:
        key = keys[action.id]
        if key in known or not wants(action.owner, MessageKind.DEADLINE_APPROACHING, day):
            continue
        plan.add(build(key, MessageKind.DEADLINE_APPROACHING, action.owner,
                       "deadline_approaching", action=action,
                       days_left=by_deadline[action.deadline]))


def overdue_reminders(day: date, plan: Plan) -> None:
    """Plan the overdue reminders: the first day late, then every 7 days.

    From the second one on, each coordinator responsible for the action (tracker.scopes)
    gets an escalation of their own (their language, their links), whatever the owner's
    preferences; an action without an active owner (deactivated, or pausing reminders) is
    escalated from the first. A new deadline starts the count again, because the deadline
    is part of the key.
    """
    deadlines = [day - timedelta(days=1 + OVERDUE_EVERY_DAYS * n)
                 for n in range(OVERDUE_MAX_YEARS * 366 // OVERDUE_EVERY_DAYS)]
    actions = db.session.scalars(_open_actions().where(Action.deadline.in_(deadlines))).all()
    if not actions:
        return
    numbers = {a.id: (day - a.deadline).days // OVERDUE_EVERY_DAYS + 1 for a in actions}
    keys = {a.id: f"overdue:{a.id}:{a.deadline.isoformat()}:{numbers[a.id]}" for a in actions}
    ownerless = {a.id for a in actions if not has_active_owner(a, day)}
    escalated = [a for a in actions if numbers[a.id] >= 2 or a.id in ownerless]
    responsible = coordinators_by_action(a.id for a in escalated)
    escalations = {(a.id, u.id): f"escalation:{u.id}:{a.id}:{a.deadline.isoformat()}:"
                                 f"{numbers[a.id]}"
                   for a in escalated for u in responsible.get(a.id, [])
                   if wants(u, MessageKind.OVERDUE, day) and u.id != a.owner_id}
    known = existing_keys([*keys.values(), *escalations.values()])
    for action in actions:
        key = keys[action.id]
        number = numbers[action.id]
        if key not in known and wants(action.owner, MessageKind.OVERDUE, day):
            plan.add(build(key, MessageKind.OVERDUE, action.owner, "overdue", action=action,
                           days_late=(day - action.deadline).days, number=number))
        for user in responsible.get(action.id, []):
            escalation = escalations.get((action.id, user.id))
            if escalation is None or escalation in known:
                continue
            plan.add(build(escalation, MessageKind.OVERDUE, user, "escalation",
                           action=action, days_late=(day - action.deadline).days,
                           number=number, escalated_owner=action.owner,
                           without_owner=action.id in ownerless))


def news_key(action_id: int, since: date, weeks: int, missed: int) -> str:
    """Return the outbox key of the news request for the `missed`-th cycle since `since`.

    News (or a later start date) moves `since`, and a new cycle length changes `weeks`,
    so either starts the count again; each missed cycle is asked for once.
    """
    return f"news:{action_id}:{since.isoformat()}:{weeks}w:{missed}"


def awaiting_news_reminders(day: date, plan: Plan) -> None:
    """Plan the "awaiting news" requests: the owner of an open action whose reporting cycle
    passed without news is asked once per missed cycle.

    A run on any day of a cycle writes that cycle's request if it is missing, so a
    scheduler down on the day a cycle ends still asks, a day or more late.
    """
    weeks = func.coalesce(Action.report_every_weeks, Event.report_every_weeks)
    rows = db.session.execute(
        select(Action.id, Action.last_news_on, Action.start_date, weeks)
        .join(Recommendation, Recommendation.id == Action.recommendation_id)
        .join(Event, Event.id == Recommendation.event_id)
        .where(awaiting_news_clause(day, weeks), action_visible_clause())).all()
    # Per action: the day its clock runs from, its cycle and the cycles missed (the rules
    # of Action.news_since and Action.missed_cycles, on the selected columns).
    clocks: dict[int, tuple[date, int, int]] = {}
    for action_id, last_news_on, start_date, cycle in rows:
        since = max(last_news_on, start_date or last_news_on)
        clocks[action_id] = (since, cycle, (day - since).days // (7 * cycle))
    keys = {action_id: news_key(action_id, *clock) for action_id, clock in clocks.items()}
    known = existing_keys(list(keys.values()))
    due = sorted(action_id for action_id, key in keys.items() if key not in known)
    for start in range(0, len(due), 500):
        for action in db.session.scalars(
                _open_actions().where(Action.id.in_(due[start:start + 500]))
                .order_by(Action.id)).unique():
            if not wants(action.owner, MessageKind.AWAITING_NEWS, day):
                continue
            since, weeks, missed = clocks[action.id]
            plan.add(build(keys[action.id], MessageKind.AWAITING_NEWS, action.owner,
                           "awaiting_news", action=action, since=since,
                           weeks=weeks, missed=missed))


def weekly_digests(day: date, plan: Plan) -> None:
    """Plan each focal point's weekly digest: their open actions as overdue, due soon and
    later, and those waiting for validation.

    A focal point who owns no action but whose institution leads some (they may update
    them, as `can_update_action` says) gets the digest of their institution's actions.
    """
    period = f"{day.isocalendar().year}-W{day.isocalendar().week:02d}"
    days = current_app.config["DIGEST_DUE_SOON_DAYS"]
    soon = day + timedelta(days=days)
    users = db.session.scalars(select(User).where(User.role == Role.FOCAL_POINT, User.active)
                               .order_by(User.id)).all()
    keys = {u.id: f"digest:{u.id}:{period}" for u in users}
    known = existing_keys(list(keys.values()))
    users = [u for u in users if keys[u.id] not in known
             and wants(u, MessageKind.WEEKLY_DIGEST, day)]
    if not users:
        return
    owners = db.session.execute(select(Action.owner_id).where(
        Action.owner_id.in_([u.id for u in users])).distinct()).scalars()
    owning = set(owners)
    institutions = {u.institution_id for u in users
                    if u.id not in owning and u.institution_id is not None}
    theirs = or_(Action.owner_id.in_(owning), Action.lead_institution_id.in_(institutions))
    by_owner: dict[int, list[Action]] = defaultdict(list)
    by_institution: dict[int, list[Action]] = defaultdict(list)
    pending_by_owner: dict[int, list[Action]] = defaultdict(list)
    pending_by_institution: dict[int, list[Action]] = defaultdict(list)
    for action in db.session.scalars(
            _open_actions().where(theirs).order_by(Action.deadline, Action.id)).all():
        by_owner[action.owner_id].append(action)
        by_institution[action.lead_institution_id].append(action)
    for action in db.session.scalars(
            select(Action).where(theirs, Action.status == Status.PENDING_VALIDATION,
                                 action_visible_clause())
            .order_by(Action.deadline, Action.id)).all():
        pending_by_owner[action.owner_id].append(action)
        pending_by_institution[action.lead_institution_id].append(action)
    for user in users:
        if user.id in owning:
            own, waiting = by_owner[user.id], pending_by_owner[user.id]
        else:
            own = by_institution.get(user.institution_id, [])
            waiting = pending_by_institution.get(user.institution_id, [])
        if not own and not waiting:
            continue
        plan.add(build(keys[user.id], MessageKind.WEEKLY_DIGEST, user, "weekly_digest",
                       overdue=[a for a in own if a.is_overdue(day)],
                       due_soon=[a for a in own if a.is_due_soon(day, days)],
                       later=[a for a in own if a.deadline > soon],
                       pending=waiting, day=day))


def coordinator_summaries(day: date, plan: Plan, now: datetime) -> None:
    """Plan each coordinator's weekly summary of the actions in their scope: the news since
    their last summary, and what awaits them (see summary.py)."""
    period = f"{day.isocalendar().year}-W{day.isocalendar().week:02d}"
    users = [u for u in coordinators()
             if wants(u, MessageKind.COORDINATOR_SUMMARY, day)]
    keys = {u.id: f"summary:{u.id}:{period}" for u in users}
    known = existing_keys(list(keys.values()))
    users = [u for u in users if keys[u.id] not in known]
    if not users:
        return
    last = summary.last_summaries()
    since = {u.id: last.get(u.id) or (now - timedelta(days=7)) for u in users}
    gathered = summary.gather(day, min(since.values()))
    stale = summary.stale_for(users, gathered)
    for user in users:
        plan.add(build(keys[user.id], MessageKind.COORDINATOR_SUMMARY, user,
                       "coordinator_summary", day=day, **summary.for_coordinator(
                           user, gathered, since[user.id], stale[user.id])))


def plan_reminders(day: date, now: datetime, *, digests: bool = False,
                   summaries: bool = False) -> Plan:
    """Return the reminders due on `day` that the outbox does not hold yet."""
    return plan_into(Plan(), day, now, digests=digests, summaries=summaries)


def plan_into(plan: Plan, day: date, now: datetime, *, digests: bool = False,
              summaries: bool = False) -> Plan:
    """Add to `plan` the reminders due on `day` that neither it nor the outbox holds."""
    held = {row["key"] for row in plan.rows}
    start = len(plan.rows)
    deadline_reminders(day, plan)
    overdue_reminders(day, plan)
    awaiting_news_reminders(day, plan)
    if digests:
        weekly_digests(day, plan)
    if summaries:
        coordinator_summaries(day, plan, now)
    # A key planned for an earlier day of the same run (an "awaiting news" request).
    plan.rows[start:] = [row for row in plan.rows[start:] if row["key"] not in held]
    return plan


def write(plan: Plan) -> int:
    """Write a plan's emails to the outbox (flushed, not committed); return how many are new.

    `plan.inserted` tells how many of each kind were new.
    """
    plan.inserted = insert_counted(plan.rows)
    return sum(plan.inserted.values())
