"""The coordinators' weekly summary, read like a meeting brief.

Per action, what changed since the coordinator's last summary (status and progress from →
to, the latest comment, new evidence and indicator values), grouped by event, newest
first; then the completions awaiting validation, the deadline requests awaiting a
decision, the actions newly overdue, those without an active owner and those stale. Each
list shows a few entries and "and N more" with a link to the filtered action list.

Only news counts as an update: a status or progress change, a comment, evidence or an
indicator value. A creation, or an edit of the planning, is not news.

Everything is gathered once for all coordinators (a constant number of queries), then
cut to each coordinator's scope (tracker.scopes) in Python.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from tracker.actions.rules import awaits_owner_clause, overdue_clause, stale_clause
from tracker.extensions import db
from tracker.models import (
    Action,
    ActionUpdate,
    Evidence,
    ExtensionRequest,
    ExtensionStatus,
    Measurement,
    MessageKind,
    OutboxMessage,
    Recommendation,
    Status,
    UpdateKind,
    User,
    action_visible_clause,
)
from tracker.scopes import covers, in_scope

# Each event of the updates lists this many actions, then "and N more".
PER_EVENT = 5
# The other sections list this many actions, then "and N more".
LISTED = 15


@dataclass
class ActionNews:
    """What changed on one action over a period: from the first news to the last."""

    action: Action
    from_status: Status | None = None
    to_status: Status | None = None
    from_progress: int | None = None
    to_progress: int | None = None
    comment: ActionUpdate | None = None
    evidence: int = 0
    values: int = 0
    at: datetime | None = None

    def add(self, update: ActionUpdate, evidence: int, values: int) -> None:
        """Take in one history row of the action (rows come oldest first)."""
        if update.old_status is not None and self.from_status is None:
            self.from_status, self.from_progress = update.old_status, update.old_progress
        if update.new_status is not None:
            self.to_status, self.to_progress = update.new_status, update.new_progress
        if update.comment.strip():
            self.comment = update
        self.evidence += evidence
        self.values += values
        self.at = update.created_at

    def as_context(self) -> dict:
        return {"action": self.action, "from_status": self.from_status,
                "to_status": self.to_status, "from_progress": self.from_progress,
                "to_progress": self.to_progress, "comment": self.comment,
                "evidence": self.evidence, "indicator_values": self.values, "at": self.at}


def is_news(update: ActionUpdate, evidence: int, values: int) -> bool:
    """Tell whether a history row is news: a status or progress change, a comment,
    evidence or an indicator value (a creation or a bare edit is not)."""
    if update.kind == UpdateKind.CREATED:
        return False
    status_changed = update.new_status is not None and update.old_status != update.new_status
    progress_changed = (update.new_progress is not None
                        and update.old_progress != update.new_progress)
    return bool(status_changed or progress_changed or update.comment.strip()
                or evidence or values)


@dataclass
class Gathered:
    """What every coordinator's summary is cut from, loaded once."""

    updates: list[tuple[ActionUpdate, int, int]] = field(default_factory=list)
    pending: list[Action] = field(default_factory=list)
    extensions: list[ExtensionRequest] = field(default_factory=list)
    overdue: list[Action] = field(default_factory=list)
    ownerless: list[Action] = field(default_factory=list)
    # Stale actions can be many: (id, event id, lead institution id), oldest news first.
    stale: list[tuple[int, int, int]] = field(default_factory=list)


def last_summaries() -> dict[int, datetime]:
    """Return when each coordinator's last summary was planned."""
    return dict(db.session.execute(
        select(OutboxMessage.recipient_id, func.max(OutboxMessage.created_at))
        .where(OutboxMessage.kind == MessageKind.COORDINATOR_SUMMARY)
        .group_by(OutboxMessage.recipient_id)).all())


def _actions():
    return select(Action).where(action_visible_clause()).options(
        joinedload(Action.owner), joinedload(Action.lead_institution),
        joinedload(Action.recommendation).joinedload(Recommendation.event))


def gather(day: date, earliest: datetime) -> Gathered:
    """Load the news since `earliest` and the open questions of `day`, for everyone."""
    evidence = (select(func.count(Evidence.id)).where(Evidence.update_id == ActionUpdate.id)
                .correlate(ActionUpdate).scalar_subquery())
    values = (select(func.count(Measurement.id))
              .where(Measurement.update_id == ActionUpdate.id)
              .correlate(ActionUpdate).scalar_subquery())
    rows = db.session.execute(
        select(ActionUpdate, evidence, values)
        .where(ActionUpdate.created_at > earliest, ActionUpdate.kind != UpdateKind.CREATED,
               ActionUpdate.action_id.in_(select(Action.id).where(action_visible_clause())))
        .options(joinedload(ActionUpdate.action).joinedload(Action.recommendation)
                 .joinedload(Recommendation.event))
        .order_by(ActionUpdate.created_at, ActionUpdate.id)).all()
    paused = (User.reminders_paused_until.is_not(None)
              & (User.reminders_paused_until >= day))
    return Gathered(
        updates=[(update, n_evidence, n_values) for update, n_evidence, n_values in rows
                 if is_news(update, n_evidence, n_values)],
        pending=list(db.session.scalars(
            _actions().where(Action.status == Status.PENDING_VALIDATION)
            .order_by(Action.updated_at.desc(), Action.id))),
        extensions=list(db.session.scalars(
            select(ExtensionRequest).where(
                ExtensionRequest.status == ExtensionStatus.PENDING,
                ExtensionRequest.action_id.in_(select(Action.id).where(action_visible_clause())))
            .options(joinedload(ExtensionRequest.action).joinedload(Action.recommendation))
            .order_by(ExtensionRequest.created_at.desc(), ExtensionRequest.id))),
        overdue=list(db.session.scalars(
            _actions().where(overdue_clause(day), Action.deadline >= earliest.date())
            .order_by(Action.deadline.desc(), Action.id))),
        ownerless=list(db.session.scalars(
            _actions().join(User, User.id == Action.owner_id)
            .where(awaits_owner_clause(), ~User.active | paused)
            .order_by(Action.deadline, Action.id))),
        stale=[tuple(row) for row in db.session.execute(
            select(Action.id, Recommendation.event_id, Action.lead_institution_id)
            .join(Recommendation, Recommendation.id == Action.recommendation_id)
            .where(stale_clause(day), action_visible_clause())
            .order_by(Action.last_news_on, Action.id))],
    )


def _listed(items: list, limit: int = LISTED) -> dict:
    return {"items": items[:limit], "more": max(0, len(items) - limit), "count": len(items)}


def stale_for(users: list[User], gathered: Gathered) -> dict[int, dict]:
    """Return each user's stale section: the first actions in their scope, and the count
    (the listed ones loaded in one query)."""
    ids = {user.id: [action_id for action_id, event_id, institution_id in gathered.stale
                     if covers(user, event_id, institution_id)] for user in users}
    listed = sorted({i for found in ids.values() for i in found[:LISTED]})
    actions = {a.id: a for a in db.session.scalars(_actions().where(Action.id.in_(listed)))}
    return {user_id: {"items": [actions[i] for i in found[:LISTED]],
                      "more": max(0, len(found) - LISTED), "count": len(found)}
            for user_id, found in ids.items()}


def for_coordinator(user: User, gathered: Gathered, since: datetime, stale: dict) -> dict:
    """Return the context of `user`'s summary: what is in their scope, news after `since`,
    and their `stale` section (from `stale_for`)."""
    news: dict[int, ActionNews] = {}
    for update, n_evidence, n_values in gathered.updates:
        if update.created_at <= since or not in_scope(user, update.action):
            continue
        news.setdefault(update.action_id, ActionNews(update.action)).add(
            update, n_evidence, n_values)
    by_event: dict[int, list[ActionNews]] = defaultdict(list)
    for entry in sorted(news.values(), key=lambda n: (n.at, n.action.id), reverse=True):
        by_event[entry.action.recommendation.event_id].append(entry)
    events = [{"event": entries[0].action.recommendation.event, "event_id": event_id,
               "actions": [e.as_context() for e in entries[:PER_EVENT]],
               "more": max(0, len(entries) - PER_EVENT)}
              for event_id, entries in by_event.items()]  # newest event first, as sorted

    def mine(actions: list[Action]) -> list[Action]:
        return [a for a in actions if in_scope(user, a)]

    return {
        "since": since, "scoped": bool(user.scope_events or user.scope_institutions),
        "news_count": len(news), "events": events,
        "pending": _listed(mine(gathered.pending)),
        "extensions": _listed([{"action": r.action, "requested": r.requested_deadline}
                               for r in gathered.extensions if in_scope(user, r.action)]),
        "overdue": _listed([a for a in mine(gathered.overdue)
                            if a.deadline >= since.date()]),
        "ownerless": _listed(mine(gathered.ownerless)),
        "stale": stale,
        "stale_days": current_app.config["STALE_AFTER_DAYS"],
    }
