"""Writing emails into the outbox: each one once, in the transaction of what caused it."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select, text
from sqlalchemy.dialects import postgresql, sqlite

from tracker.extensions import db
from tracker.models import Action, MessageKind, OutboxMessage, User
from tracker.reminders import links
from tracker.reminders.rendering import render_email


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


def build(key: str, kind: MessageKind, user: User, template: str, *,
          action: Action | None = None, cc: list[str] | None = None, **context) -> dict:
    """Render an email for `user` and return it as an outbox row (a dict of columns)."""
    unsubscribe = links.unsubscribe_link(user.id, kind.value)
    email = render_email(template, user, action=action, unsubscribe_url=unsubscribe,
                         kind=kind, **context)
    return {
        "key": key[:200], "kind": kind, "recipient_id": user.id,
        "action_id": action.id if action is not None else None, "to_email": user.email,
        "cc": sorted(set(cc or []) - {user.email}), "locale": email.locale,
        "subject": email.subject[:300], "body_text": email.text, "body_html": email.html,
        "headers": {"List-Unsubscribe": f"<{unsubscribe}>",
                    "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
    }


# Writing this many rows at once refreshes the outbox's statistics on PostgreSQL.
ANALYZE_AFTER_ROWS = 1000


def insert_new(rows: list[dict]) -> int:
    """Insert outbox rows whose key is not there yet; return how many were inserted.

    INSERT ... ON CONFLICT DO NOTHING on the unique key: concurrent planners, or a plan
    run twice, never write a reminder twice.
    """
    if not rows:
        return 0
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(OutboxMessage).on_conflict_do_nothing(index_elements=["key"])
    inserted = 0
    for start in range(0, len(rows), 500):
        result = db.session.execute(stmt.returning(OutboxMessage.id),
                                    rows[start:start + 500])
        inserted += len(result.all())
    if dialect == "postgresql" and inserted >= ANALYZE_AFTER_ROWS:
        # Fresh statistics right away, rather than when autovacuum comes by: with a table
        # believed small, the planner's generic plan for the key lookups scans it whole.
        db.session.execute(text("ANALYZE outbox_message"))
    return inserted


def existing_keys(keys: list[str]) -> set[str]:
    """Return which of `keys` are already in the outbox (to skip rendering them again)."""
    found: set[str] = set()
    for start in range(0, len(keys), 900):
        found.update(db.session.scalars(
            select(OutboxMessage.key).where(OutboxMessage.key.in_(keys[start:start + 900]))))
    return found
