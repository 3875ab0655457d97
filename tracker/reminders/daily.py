"""The daily email: each person's held reminders and notifications gathered into one.

Planning and the actions' events write one row per item (status "held", see
outbox.held); `compose(day)` then writes, for each person with held items, one email
keyed by (person, day) that names those items, and marks them "bundled". The key makes
composing safe to repeat and to run in parallel: a person gets at most one daily email a
day, and items held after it wait for the next day's.
"""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import not_, select, update

from tracker.extensions import db
from tracker.models import (
    Action,
    MessageKind,
    MessageStatus,
    OutboxMessage,
    User,
    action_visible_clause,
)
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


def compose(day: date) -> int:
    """Gather each person's held items into their daily email of `day` (flushed, not
    committed); return how many daily emails were written.

    A person who is inactive or turned the daily email off gets none: their items are
    marked bundled all the same, so they are not sent later either. Items about an action
    archived since they were held are dropped the same way.
    """
    db.session.execute(update(OutboxMessage).where(
        OutboxMessage.status == MessageStatus.HELD,
        OutboxMessage.action_id.in_(select(Action.id).where(not_(action_visible_clause()))))
        .values(status=MessageStatus.BUNDLED).execution_options(synchronize_session=False))
    recipient_ids = sorted(set(db.session.scalars(
        select(OutboxMessage.recipient_id).where(OutboxMessage.status == MessageStatus.HELD))))
    written = 0
    for user_id in recipient_ids:
        user = db.session.get(User, user_id)
        held = (OutboxMessage.recipient_id == user_id) & (
            OutboxMessage.status == MessageStatus.HELD)
        if user is None or not user.active or not user.email or (
                MessageKind.DAILY.value in (user.muted_kinds or [])):
            db.session.execute(update(OutboxMessage).where(held)
                               .values(status=MessageStatus.BUNDLED)
                               .execution_options(synchronize_session=False))
            continue
        key = daily_key(user_id, day)
        if db.session.scalar(select(OutboxMessage.id).where(OutboxMessage.key == key)):
            continue  # today's email went (or is going): these items wait for tomorrow's
        item_ids = sorted(db.session.scalars(
            update(OutboxMessage).where(held).values(status=MessageStatus.BUNDLED)
            .returning(OutboxMessage.id).execution_options(synchronize_session=False)))
        if not item_ids:
            continue
        context = {"day": day, "items": item_ids, "count": len(item_ids)}
        row = {
            "status": MessageStatus.PENDING, "key": key, "kind": MessageKind.DAILY,
            "template": "daily", "recipient_id": user.id, "action_id": None,
            "to_email": user.email, "cc": [], "locale": recipient_locale(user),
            "subject": render_subject("daily", user, day=day, count=len(item_ids))[:300],
            "context": encode_context(context), "link_id": None,
            "message_uuid": str(uuid.uuid4()),
        }
        if insert_counted([row]):
            written += 1
        else:  # another composer wrote this key first: give the items back
            db.session.execute(update(OutboxMessage).where(OutboxMessage.id.in_(item_ids))
                               .values(status=MessageStatus.HELD)
                               .execution_options(synchronize_session=False))
    db.session.flush()
    return written
