"""Recording changes in the audit trail."""

from __future__ import annotations

from typing import Any

from tracker.extensions import db
from tracker.models import AuditEntry, User


def record(actor: User | None, verb: str, obj: Any, changes: dict[str, Any] | None = None) -> None:
    """Add an audit entry saying that `actor` did `verb` to `obj` (flushed, not committed)."""
    entry = AuditEntry(
        actor_id=actor.id if actor is not None else None,
        verb=verb,
        object_type=type(obj).__name__.lower(),
        object_id=getattr(obj, "id", None),
        changes=changes or {},
    )
    db.session.add(entry)
    db.session.flush()


def record_event(actor: User | None, verb: str, object_type: str, object_id: int | None,
                 changes: dict[str, Any] | None = None) -> None:
    """Add an audit entry about something that is not a loaded object (a failed login)."""
    db.session.add(AuditEntry(actor_id=actor.id if actor is not None else None, verb=verb,
                              object_type=object_type, object_id=object_id,
                              changes=changes or {}))
    db.session.flush()


def jsonable(value: Any) -> Any:
    """Return `value` in a form JSON can store (dates as ISO text, objects as ids)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, list | tuple | set):
        return sorted(jsonable(v) for v in value)
    if hasattr(value, "value"):
        return value.value
    if hasattr(value, "id"):
        return value.id
    if hasattr(value, "number"):
        return value.number
    return str(value)


def apply_changes(obj: Any, values: dict[str, Any]) -> dict[str, list[Any]]:
    """Set each attribute in `values` on `obj`; return {field: [old, new]} of those that changed."""
    changes: dict[str, list[Any]] = {}
    for field, new in values.items():
        old = getattr(obj, field)
        old_cmp, new_cmp = jsonable(old), jsonable(new)
        if old_cmp != new_cmp:
            changes[field] = [old_cmp, new_cmp]
            setattr(obj, field, new)
    return changes
