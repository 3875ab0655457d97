"""Writing emails into the outbox: each one once, in the transaction of what caused it.

A row says what its email is about (template, recipient, action, a JSON context of plain
values and row ids, a random link id and Message-ID) and holds no link: delivery renders
it when it sends it (see rendering.render_row).
"""

from __future__ import annotations

import uuid
from datetime import date

from flask import current_app
from sqlalchemy import select, text
from sqlalchemy.dialects import postgresql, sqlite

from tracker.extensions import db
from tracker.models import Action, MessageKind, MessageStatus, OutboxMessage, User
from tracker.reminders import links
from tracker.reminders.rendering import (
    ACTION_LINK_TEMPLATES,
    encode_context,
    recipient_locale,
    render_subject,
)


def wants(user: User, kind: MessageKind, today: date | None = None) -> bool:
    """Tell whether `user` receives emails of `kind` (active, not muted, not paused)."""
    if not user.active or not user.email:
        return False
    if kind.value in (user.muted_kinds or []):
        return False
    if kind != MessageKind.NOTIFICATION and user.reminders_paused_until is not None and (
            today is None or today <= user.reminders_paused_until):
        return False
    return True


# Emails that cannot wait for the next daily email.
AT_ONCE_TEMPLATES = frozenset({"password_reset", "invitation"})


def has_active_owner(action: Action, day: date) -> bool:
    """Tell whether `action`'s owner is there to act on `day`: active, with an address, and
    not pausing reminders. Coordinators see the other actions as "without an active owner"."""
    owner = action.owner
    return bool(owner is not None and owner.active and owner.email and (
        owner.reminders_paused_until is None or day > owner.reminders_paused_until))


def held(kind: MessageKind, template: str) -> bool:
    """Tell whether an email of `kind` waits for the recipient's daily email
    (MAIL_DAILY_KINDS) rather than going at once; a password reset or an account
    invitation never waits."""
    return (template not in AT_ONCE_TEMPLATES
            and kind.value in current_app.config["MAIL_DAILY_KINDS"])


def build(key: str, kind: MessageKind, user: User, template: str, *,
          action: Action | None = None, cc: list[str] | None = None, **context) -> dict:
    """Return the outbox row (a dict of columns) of an email to `user`, without its links.

    `context` holds what the template shows besides the user and the action: plain
    values, dates and rows, which the row keeps as ids. The subject of an email sent on
    its own is rendered now for the outbox page, and again when the email is sent; an
    item held for the daily email never goes out under a subject of its own, so it gets
    none (rendering them took a third of a day's planning on 100,000 actions).
    """
    waits = held(kind, template)
    subject = "" if waits else render_subject(template, user, action=action, **context)
    return {
        "status": MessageStatus.HELD if waits else MessageStatus.PENDING,
        "key": key[:200], "kind": kind, "template": template, "recipient_id": user.id,
        "action_id": action.id if action is not None else None, "to_email": user.email,
        "cc": sorted(set(cc or []) - {user.email}), "locale": recipient_locale(user),
        "subject": subject[:300], "context": encode_context(context),
        "link_id": links.new_link_id() if template in ACTION_LINK_TEMPLATES else None,
        "message_uuid": str(uuid.uuid4()),
    }


# Writing this many rows at once refreshes the outbox's statistics on PostgreSQL.
ANALYZE_AFTER_ROWS = 1000


def insert_new(rows: list[dict]) -> int:
    """Insert outbox rows whose key is not there yet; return how many were inserted."""
    return sum(insert_counted(rows).values())


def insert_counted(rows: list[dict]) -> dict[str, int]:
    """Insert outbox rows whose key is not there yet; return how many of each kind were.

    INSERT ... ON CONFLICT DO NOTHING on the unique key: concurrent planners, or a plan
    run twice, never write a reminder twice, and the counts leave out the rows skipped.
    """
    counts: dict[str, int] = {}
    if not rows:
        return counts
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    # The table, not the mapped class: Core sends each chunk as one multi-row INSERT
    # (insertmanyvalues), where the ORM's bulk path compiled and sent one statement a row
    # (3,821 statements, 13.8 of the 17.4 s of a day's planning on 100,000 actions).
    stmt = insert(OutboxMessage.__table__).on_conflict_do_nothing(index_elements=["key"])
    for start in range(0, len(rows), 500):
        result = db.session.execute(stmt.returning(OutboxMessage.__table__.c.kind),
                                    rows[start:start + 500])
        for kind in result.scalars():
            counts[kind.value] = counts.get(kind.value, 0) + 1
    if dialect == "postgresql" and sum(counts.values()) >= ANALYZE_AFTER_ROWS:
        # Fresh statistics right away, rather than when autovacuum comes by: with a table
        # believed small, the planner's generic plan for the key lookups scans it whole.
        db.session.execute(text("ANALYZE outbox_message"))
    return counts


def existing_keys(keys: list[str]) -> set[str]:
    """Return which of `keys` are already in the outbox (to skip rendering them again)."""
    found: set[str] = set()
    for start in range(0, len(keys), 900):
        found.update(db.session.scalars(
            select(OutboxMessage.key).where(OutboxMessage.key.in_(keys[start:start + 900]))))
    return found
