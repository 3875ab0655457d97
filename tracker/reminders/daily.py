"""The daily email: each person's held reminders and notifications gathered into one.

Planning and the actions' events write one row per item (status "held", see
outbox.held); `compose(day)` then writes, for each person with held items, one email
keyed by (person, day) that names those items, and marks them "bundled". Someone away
names a delegate: their items go into the delegate's email, with the delegate's links. The key makes
composing safe to repeat and to run in parallel: a person gets at most one daily email a
day, and items held after it wait for the next day's.
"""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import not_, select, update

from tracker import clock
from tracker.extensions import db
from tracker.models import (
    Action,
    MessageKind,
    MessageStatus,
    OutboxMessage,
    User,
    action_visible_clause,
)
from tracker.models.types import utcnow
from tracker.reminders.outbox import insert_counted
from tracker.reminders.rendering import encode_context, recipient_locale, render_subject

# Sections of the daily email, most urgent first: (section, templates of its items).
SECTIONS = (
    ("overdue", ("overdue",)),
    ("escalation", ("escalation",)),
    ("due_soon", ("deadline_approaching",)),
    ("awaiting_news", ("awaiting_news",)),
    ("news", ("notification",)),
    # The weekly digest and summary, as they read on their own, on the days they are due.
    ("weekly", ("weekly_digest", "coordinator_summary")),
)


def daily_key(user_id: int, day: date) -> str:
    """Return the outbox key of a person's daily email of `day`."""
    return f"daily:{user_id}:{day.isoformat()}"


def addressee(user: User | None, day: date) -> User | None:
    """Return who receives `user`'s daily items on `day`: their delegate while one stands
    in for them, else themselves; None when nobody does (inactive, no address, or the
    daily email turned off)."""
    if user is None:
        return None
    target = user.delegate_on(day) or user
    if not target.active or not target.email or (
            MessageKind.DAILY.value in (target.muted_kinds or [])):
        return None
    return target


def compose(day: date) -> int:
    """Gather each person's held items into their daily email of `day` (flushed, not
    committed); return how many daily emails were written.

    The items of someone away with a delegate go into the delegate's email. A person who
    is inactive or turned the daily email off gets none: their items are marked bundled
    all the same, so they are not sent later either. The email waits for its recipient's
    daily email hour, if they chose one. Items about an action
    archived since they were held are dropped the same way.
    """
    db.session.execute(update(OutboxMessage).where(
        OutboxMessage.status == MessageStatus.HELD,
        OutboxMessage.action_id.in_(select(Action.id).where(not_(action_visible_clause()))))
        .values(status=MessageStatus.BUNDLED).execution_options(synchronize_session=False))
    recipient_ids = sorted(set(db.session.scalars(
        select(OutboxMessage.recipient_id).where(OutboxMessage.status == MessageStatus.HELD))))
    groups: dict[int | None, list[int]] = {}
    targets: dict[int, User] = {}
    for user_id in recipient_ids:
        target = addressee(db.session.get(User, user_id), day)
        groups.setdefault(target.id if target else None, []).append(user_id)
        if target is not None:
            targets[target.id] = target
    written = 0
    for target_id, user_ids in groups.items():
        held = OutboxMessage.recipient_id.in_(user_ids) & (
            OutboxMessage.status == MessageStatus.HELD)
        if target_id is None:
            db.session.execute(update(OutboxMessage).where(held)
                               .values(status=MessageStatus.BUNDLED)
                               .execution_options(synchronize_session=False))
            continue
        written += _write_daily(targets[target_id], held, day)
    db.session.flush()
    return written


def _write_daily(user: User, held, day: date) -> int:
    """Write `user`'s daily email of `day` with the `held` items; return 1, or 0 when it
    was written already (the items then wait for the next one)."""
    key = daily_key(user.id, day)
    if db.session.scalar(select(OutboxMessage.id).where(OutboxMessage.key == key)):
        return 0  # today's email went (or is going): these items wait for tomorrow's
    item_ids = sorted(db.session.scalars(
        update(OutboxMessage).where(held).values(status=MessageStatus.BUNDLED)
        .returning(OutboxMessage.id).execution_options(synchronize_session=False)))
    if not item_ids:
        return 0
    context = {"day": day, "items": item_ids, "count": len(item_ids)}
    row = {
        "status": MessageStatus.PENDING, "key": key, "kind": MessageKind.DAILY,
        "template": "daily", "recipient_id": user.id, "action_id": None,
        "to_email": user.email, "cc": [], "locale": recipient_locale(user),
        "subject": render_subject("daily", user, day=day, count=len(item_ids))[:300],
        "context": encode_context(context), "link_id": None,
        "message_uuid": str(uuid.uuid4()),
        "next_attempt_at": (clock.at_hour(day, user.daily_email_hour)
                            if user.daily_email_hour is not None else utcnow()),
    }
    if insert_counted([row]):
        return 1
    # Another composer wrote this key first: give the items back.
    db.session.execute(update(OutboxMessage).where(OutboxMessage.id.in_(item_ids))
                       .values(status=MessageStatus.HELD)
                       .execution_options(synchronize_session=False))
    return 0
