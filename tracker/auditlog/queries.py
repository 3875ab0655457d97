"""The audit trail read as one list: audit entries and action history rows together.

Both tables are selected with the same columns, filtered each on its own indexes, and
joined by UNION ALL; a page then loads its rows in three queries, so the page costs the
same number of queries however long the trail is.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import Select, String, cast, false, func, literal_column, select, union_all
from sqlalchemy.orm import joinedload

from tracker.actions.queries import owner_names
from tracker.args import iso_day, positive_int
from tracker.extensions import db
from tracker.models import ActionUpdate, AuditEntry, UpdateKind, User
from tracker.pagination import Page

# An object kind or a kind of change as the filters accept them: what the tables store.
TOKEN = re.compile(r"^[a-z_]{1,40}$")
HISTORY = "history"
AUDIT = "audit"


def _token(value: str | None) -> str | None:
    return value if value and TOKEN.match(value) else None


@dataclass
class AuditFilters:
    """The audit page's filters, read from the URL; values that do not parse are ignored."""

    person_id: int | None = None
    object_type: str | None = None
    change: str | None = None
    day_from: date | None = None
    day_to: date | None = None

    @classmethod
    def from_args(cls, args) -> AuditFilters:
        """Read the filters from a query string mapping."""
        return cls(person_id=positive_int(args.get("person")),
                   object_type=_token(args.get("object")),
                   change=_token(args.get("change")),
                   day_from=iso_day(args.get("from")), day_to=iso_day(args.get("to")))

    def to_args(self) -> dict[str, str]:
        """Return the query-string form of the filters that are set."""
        values = {"person": self.person_id, "object": self.object_type, "change": self.change,
                  "from": self.day_from, "to": self.day_to}
        return {k: str(v) for k, v in values.items() if v is not None}

    def _bounds(self) -> tuple[datetime | None, datetime | None]:
        zone = ZoneInfo(current_app.config["TRACKER_TIMEZONE"])
        start = datetime.combine(self.day_from, time(), zone) if self.day_from else None
        end = datetime.combine(self.day_to + timedelta(days=1), time(), zone) \
            if self.day_to and self.day_to < date.max else None
        return start, end

    def statement(self) -> Select:
        """Return the UNION ALL of the matching audit entries and history rows."""
        start, end = self._bounds()
        audit = select(literal_column(f"'{AUDIT}'").label("source"),
                       AuditEntry.id.label("id"), AuditEntry.created_at.label("created_at"))
        history = select(literal_column(f"'{HISTORY}'").label("source"),
                         ActionUpdate.id.label("id"),
                         ActionUpdate.created_at.label("created_at"))
        if self.person_id is not None:
            audit = audit.where(AuditEntry.actor_id == self.person_id)
            history = history.where(ActionUpdate.author_id == self.person_id)
        if self.object_type is not None:
            audit = audit.where(AuditEntry.object_type == self.object_type)
            if self.object_type != "action":
                history = history.where(false())
        if self.change is not None:
            audit = audit.where(AuditEntry.verb == self.change)
            history = history.where(cast(ActionUpdate.kind, String) == self.change)
        if start is not None:
            audit = audit.where(AuditEntry.created_at >= start)
            history = history.where(ActionUpdate.created_at >= start)
        if end is not None:
            audit = audit.where(AuditEntry.created_at < end)
            history = history.where(ActionUpdate.created_at < end)
        return union_all(audit, history)


@dataclass
class Line:
    """One line of the audit list, whichever table it comes from."""

    source: str
    id: int
    created_at: datetime
    person: str | None
    object_type: str
    object_id: int | None
    object_label: str
    change: str
    details: str
    comment: str


def _value(value: Any) -> str:
    if value is None:
        return "—"
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def describe(changes: dict[str, Any]) -> str:
    """Return the changes of a row as text: "field: old → new" for each changed field."""
    parts = []
    for name, value in changes.items():
        if name == "reason":
            continue
        if isinstance(value, list) and len(value) == 2:
            parts.append(f"{name}: {_value(value[0])} → {_value(value[1])}")
        else:
            parts.append(f"{name}: {_value(value)}")
    return "; ".join(parts)


def _history_line(entry: ActionUpdate, names: dict[int, str]) -> Line:
    changes = dict(entry.changes or {})
    if "owner" in changes:
        changes["owner"] = [names.get(owner_id, owner_id) for owner_id in changes["owner"]]
    if entry.old_status != entry.new_status and entry.old_status is not None:
        changes["status"] = [entry.old_status.value, entry.new_status.value]
    if entry.old_progress != entry.new_progress and entry.old_progress is not None:
        changes["progress"] = [entry.old_progress, entry.new_progress]
    return Line(HISTORY, entry.id, entry.created_at,
                entry.author.name if entry.author else None, "action", entry.action_id,
                entry.action.title, entry.kind.value, describe(changes), entry.comment)


def _audit_line(entry: AuditEntry) -> Line:
    changes = entry.changes or {}
    return Line(AUDIT, entry.id, entry.created_at, entry.actor.name if entry.actor else None,
                entry.object_type, entry.object_id, "", entry.verb, describe(changes),
                str(changes.get("reason", "")))


def _lines(rows: list[tuple[str, int]]) -> list[Line]:
    """Load the rows of a page (three queries) and return them as lines, in order."""
    audit_ids = [row_id for source, row_id in rows if source == AUDIT]
    history_ids = [row_id for source, row_id in rows if source == HISTORY]
    loaded: dict[tuple[str, int], Line] = {}
    if audit_ids:
        for entry in db.session.scalars(select(AuditEntry).where(AuditEntry.id.in_(audit_ids))
                                        .options(joinedload(AuditEntry.actor))):
            loaded[AUDIT, entry.id] = _audit_line(entry)
    if history_ids:
        entries = db.session.scalars(
            select(ActionUpdate).where(ActionUpdate.id.in_(history_ids))
            .options(joinedload(ActionUpdate.author), joinedload(ActionUpdate.action))).all()
        names = owner_names(entries)
        for entry in entries:
            loaded[HISTORY, entry.id] = _history_line(entry, names)
    return [loaded[key] for key in rows]


def _ordered(filters: AuditFilters):
    trail = filters.statement().subquery()
    return select(trail.c.source, trail.c.id).order_by(trail.c.created_at.desc(),
                                                       trail.c.id.desc())


def audit_page(filters: AuditFilters, page: int, per_page: int) -> Page:
    """Return one page of lines matching `filters`, latest first (five queries)."""
    total = db.session.scalar(
        select(func.count()).select_from(filters.statement().subquery())) or 0
    rows = [tuple(row) for row in db.session.execute(
        _ordered(filters).limit(per_page).offset((page - 1) * per_page))]
    return Page(items=_lines(rows), page=page, per_page=per_page, total=total)


def all_lines(filters: AuditFilters, batch: int = 1000):
    """Yield every line matching `filters`, latest first, a batch of rows at a time."""
    rows = [tuple(row) for row in db.session.execute(_ordered(filters))]
    for start in range(0, len(rows), batch):
        yield from _lines(rows[start:start + batch])


def filter_choices() -> dict[str, list]:
    """Return what the filter menus offer: people, object kinds and kinds of change."""
    people = db.session.execute(select(User.id, User.name).order_by(User.name)).all()
    objects = sorted({*db.session.scalars(select(AuditEntry.object_type).distinct()), "action"})
    verbs = set(db.session.scalars(select(AuditEntry.verb).distinct()))
    return {"people": people, "objects": objects,
            "changes": sorted(verbs | {kind.value for kind in UpdateKind})}
