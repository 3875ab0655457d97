"""Actions that carry out recommendations, and their append-only history."""

from __future__ import annotations

import enum
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    ColumnElement,
    Enum,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    case,
    false,
    func,
    or_,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from tracker import clock
from tracker.extensions import db
from tracker.i18n import locale_code
from tracker.models.events import Event, Recommendation, archived_recommendations
from tracker.models.people import Institution, User
from tracker.models.types import UTCDateTime, utcnow


class Status(enum.StrEnum):
    """Where an action stands."""

    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    PENDING_VALIDATION = "pending_validation"
    COMPLETED = "completed"
    BLOCKED = "blocked"
    CANCELLED = "cancelled"
    # A focal point proposed to cancel: a coordinator accepts (cancelled) or refuses.
    PENDING_CANCELLATION = "pending_cancellation"

    @property
    def label(self) -> str:
        return _status_label(self, locale_code())

    @property
    def is_closed(self) -> bool:
        """Tell whether the action needs no more work (and so is never overdue)."""
        return self in CLOSED_STATUSES

    @property
    def fixed_progress(self) -> int | None:
        """Return the progress this status implies (a completed action, or one reported
        completed, is at 100 %; a not started one at 0 %), or None when any progress goes."""
        if self in (Status.COMPLETED, Status.PENDING_VALIDATION):
            return 100
        return 0 if self == Status.NOT_STARTED else None


STATUS_LABELS = {
    Status.NOT_STARTED: _l("Not started"),
    Status.IN_PROGRESS: _l("In progress"),
    Status.PENDING_VALIDATION: _l("Pending validation"),
    Status.COMPLETED: _l("Completed"),
    Status.BLOCKED: _l("Blocked"),
    Status.CANCELLED: _l("Cancelled"),
    Status.PENDING_CANCELLATION: _l("Cancellation proposed"),
}


@lru_cache(maxsize=64)
def _status_label(status: Status, locale: str) -> str:
    # `locale` is the one in force, passed only to key the cache: lists show a label a row.
    return str(STATUS_LABELS[status])


CLOSED_STATUSES = frozenset({Status.COMPLETED, Status.CANCELLED})
# Reported done, or proposed for cancellation, and awaiting a coordinator: the owner's
# part is over, so never overdue.
AWAITING_REVIEW_STATUSES = frozenset({Status.PENDING_VALIDATION, Status.PENDING_CANCELLATION})
NEVER_OVERDUE_STATUSES = CLOSED_STATUSES | AWAITING_REVIEW_STATUSES
# Reporting cycles are counted in whole weeks, up to a year.
MAX_REPORT_WEEKS = 52


def _local_today() -> date:
    return clock.today()


def _enum(enum_class: type[enum.Enum], length: int) -> Enum:
    return Enum(enum_class, native_enum=False, length=length,
                values_callable=lambda e: [m.value for m in e])


action_contributor = Table(
    "action_contributor",
    db.metadata,
    Column("action_id", ForeignKey("action.id", ondelete="CASCADE"), primary_key=True),
    Column("institution_id", ForeignKey("institution.id"), primary_key=True),
)


class ActionClock:
    """The rules of an action's deadline and reporting cycle, on plain attributes.

    Shared by the `Action` model and the lighter rows the action list reads, so both
    tell overdue, awaiting-news and stale actions the same way. A class using it has
    `status`, `deadline`, `start_date`, `last_news_on` and `cycle_weeks` (its reporting
    cycle in weeks, or None).
    """

    __slots__ = ()  # so that the list's slotted rows carry no __dict__

    def news_since(self) -> date:
        """Return the day the reporting clock runs from: the last news, or the start date
        when that is later (no news is owed on work not started yet)."""
        if self.start_date is not None and self.start_date > self.last_news_on:
            return self.start_date
        return self.last_news_on

    def missed_cycles(self, today: date) -> int:
        """Return how many whole reporting cycles have passed without news (0 without a cycle)."""
        weeks = self.cycle_weeks
        if weeks is None or self.status in NEVER_OVERDUE_STATUSES:
            return 0
        return max((today - self.news_since()).days // (7 * weeks), 0)

    def awaiting_news(self, today: date) -> bool:
        """Tell whether the action is open and a whole reporting cycle passed without news."""
        return self.missed_cycles(today) > 0

    def news_due_on(self) -> date | None:
        """Return the day news is next owed (None without a cycle)."""
        weeks = self.cycle_weeks
        return None if weeks is None else self.news_since() + timedelta(weeks=weeks)

    def is_stale(self, today: date, after_days: int) -> bool:
        """Tell whether the action is in progress with no news for `after_days` days or more."""
        return self.status == Status.IN_PROGRESS and (today - self.last_news_on).days >= after_days

    @property
    def awaits_owner(self) -> bool:
        """Tell whether the owner still owes work: open, and not reported done."""
        return self.status not in NEVER_OVERDUE_STATUSES

    def is_overdue(self, today: date) -> bool:
        """Tell whether the deadline has passed and the action still awaits its owner."""
        return self.awaits_owner and self.deadline < today

    def is_due_soon(self, today: date, days: int) -> bool:
        """Tell whether the action awaits its owner and falls due within `days` days."""
        return self.awaits_owner and today <= self.deadline <= today + timedelta(days=days)

    def days_late(self, today: date) -> int:
        """Return how many days past the deadline an overdue action is (0 when it is not)."""
        return (today - self.deadline).days if self.is_overdue(today) else 0


class Action(ActionClock, db.Model):
    """A concrete piece of work, with one owner and one lead institution, toward a recommendation.

    `version` is bumped on every change; a save based on an older version is refused,
    so two people editing at once never overwrite each other.
    """

    __tablename__ = "action"
    __table_args__ = (
        CheckConstraint("progress >= 0 AND progress <= 100", name="progress_range"),
        CheckConstraint("start_date IS NULL OR start_date <= deadline",
                        name="start_before_deadline"),
        # The action list's usual filters (an institution, a status), in deadline order.
        Index("ix_action_institution_status_deadline",
              "lead_institution_id", "status", "deadline"),
        # Search (ILIKE '%...%') by trigrams on PostgreSQL; plain indexes on SQLite.
        Index("ix_action_title_trgm", "title", postgresql_using="gin",
              postgresql_ops={"title": "gin_trgm_ops"}),
        Index("ix_action_description_trgm", "description", postgresql_using="gin",
              postgresql_ops={"description": "gin_trgm_ops"}),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    recommendation_id: Mapped[int] = mapped_column(ForeignKey("recommendation.id"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    owner_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    lead_institution_id: Mapped[int] = mapped_column(ForeignKey("institution.id"), index=True)
    start_date: Mapped[date | None]
    deadline: Mapped[date] = mapped_column(index=True)
    status: Mapped[Status] = mapped_column(
        _enum(Status, 20), default=Status.NOT_STARTED, index=True)
    progress: Mapped[int] = mapped_column(default=0)
    version: Mapped[int] = mapped_column(default=1)
    # Overrides the event's reporting cycle for this action (None: the event's).
    report_every_weeks: Mapped[int | None]
    # The day of the latest news from a person (see NEWS_KINDS), or of the creation when
    # there is none yet; kept by the domain functions that append history rows, so that
    # lists, the dashboard and planning read it without scanning the history.
    last_news_on: Mapped[date] = mapped_column(default=_local_today, index=True)
    # The reference a spreadsheet import matches rows on, so importing twice changes nothing.
    ref: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    # Set when archived on its own; archived in effect also when its recommendation is.
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # `is_archived` kept on the row (archived itself or through its recommendation or
    # event), so that lists and counts read one column: written from `archived_clause`
    # by tracker.archive whenever something is archived or restored, and by create_action.
    archived: Mapped[bool] = mapped_column(default=False, server_default=false())

    recommendation: Mapped[Recommendation] = relationship(back_populates="actions")
    owner: Mapped[User] = relationship(back_populates="actions", foreign_keys=[owner_id])
    lead_institution: Mapped[Institution] = relationship()
    contributors: Mapped[list[Institution]] = relationship(
        secondary=action_contributor, order_by=Institution.code
    )
    updates: Mapped[list[ActionUpdate]] = relationship(
        back_populates="action", order_by="ActionUpdate.id.desc()"
    )
    extension_requests: Mapped[list[ExtensionRequest]] = relationship(
        back_populates="action", order_by="ExtensionRequest.id.desc()"
    )

    __mapper_args__ = {"version_id_col": version}

    @validates("progress")
    def _check_progress(self, key: str, value: int) -> int:
        if not 0 <= value <= 100:
            raise ValueError("progress is a percentage from 0 to 100")
        return value

    @validates("report_every_weeks")
    def _check_cycle(self, key: str, value: int | None) -> int | None:
        if value is not None and not 1 <= value <= MAX_REPORT_WEEKS:
            raise ValueError(f"a reporting cycle is 1 to {MAX_REPORT_WEEKS} weeks")
        return value

    @property
    def cycle_weeks(self) -> int | None:
        """Return how many weeks may pass without news: the action's own cycle, else its
        event's (None: no cycle)."""
        if self.report_every_weeks is not None:
            return self.report_every_weeks
        return self.recommendation.event.report_every_weeks

    @property
    def is_archived(self) -> bool:
        """Tell whether the action is archived, itself or through its recommendation or
        event (`action_visible_clause` is its SQL form)."""
        return self.archived_at is not None or self.recommendation.is_archived

    def __str__(self) -> str:
        return self.title


def archived_clause() -> ColumnElement[bool]:
    """Return `Action.is_archived` as an SQL condition computed from the action, its
    recommendation and its event: what `Action.archived` keeps (tracker.archive)."""
    return Action.archived_at.is_not(None) | Action.recommendation_id.in_(
        archived_recommendations())


def action_visible_clause() -> ColumnElement[bool]:
    """Return `not Action.is_archived` as an SQL condition: the actions lists, figures,
    exports, reminders, the review queue and public pages keep.

    It reads the flag kept on the action's row. Computed through the recommendations and
    events instead (`not archived_clause()`), it cost a filtered page of the list 8 to
    14 ms of PostgreSQL time instead of 0.4 ms (bench scale 1, 5 % of the events
    archived, 2026-12-04): the set of archived recommendations was built for each query.
    """
    return Action.archived.is_(False)


# The SQL forms of ActionClock's rules, for queries that select actions rather than
# check one: lists, the dashboard and reminder planning.

def awaits_owner_clause() -> ColumnElement[bool]:
    """Return `ActionClock.awaits_owner` as an SQL condition."""
    return Action.status.not_in(NEVER_OVERDUE_STATUSES)


def overdue_clause(today: date) -> ColumnElement[bool]:
    """Return `ActionClock.is_overdue` as an SQL condition."""
    return awaits_owner_clause() & (Action.deadline < today)


def due_soon_clause(today: date, days: int) -> ColumnElement[bool]:
    """Return `ActionClock.is_due_soon` as an SQL condition."""
    return awaits_owner_clause() & Action.deadline.between(today, today + timedelta(days=days))


def cycle_weeks_column() -> ColumnElement:
    """Return the SQL expression of an action's reporting cycle: its own, else its event's."""
    event_cycle = (select(Event.report_every_weeks)
                   .join(Recommendation, Recommendation.event_id == Event.id)
                   .where(Recommendation.id == Action.recommendation_id)
                   .correlate(Action).scalar_subquery())
    return func.coalesce(Action.report_every_weeks, event_cycle)


def awaiting_news_clause(today: date, weeks: ColumnElement | None = None):
    """Return the SQL condition for an open action a whole reporting cycle without news.

    The same rule as `Action.awaiting_news`: the clock runs from the later of the last
    news and the start date. `weeks` is the cycle expression (a correlated subquery by
    default; planning passes a joined column).
    """
    weeks = cycle_weeks_column() if weeks is None else weeks
    # The latest day the clock may have started for a cycle to be over by `today`; a CASE
    # of bound dates rather than date arithmetic, which SQLite and PostgreSQL write apart.
    latest_start = case({n: today - timedelta(weeks=n) for n in range(1, MAX_REPORT_WEEKS + 1)},
                        value=weeks)
    return (awaits_owner_clause()
            & (Action.last_news_on <= latest_start)
            & or_(Action.start_date.is_(None), Action.start_date <= latest_start))


def stale_clause(today: date):
    """Return the SQL condition for an action in progress without news for STALE_AFTER_DAYS."""
    days = current_app.config["STALE_AFTER_DAYS"]
    return (Action.status == Status.IN_PROGRESS) & (
        Action.last_news_on <= today - timedelta(days=days))



class UpdateKind(enum.StrEnum):
    """What a history row records."""

    CREATED = "created"
    PROGRESS = "progress"
    EDITED = "edited"
    VALIDATED = "validated"
    RETURNED = "returned"
    EXTENSION_REQUESTED = "extension_requested"
    EXTENSION_ACCEPTED = "extension_accepted"
    EXTENSION_REFUSED = "extension_refused"
    MEASUREMENT = "measurement"
    CANCELLATION_ACCEPTED = "cancellation_accepted"
    CANCELLATION_REFUSED = "cancellation_refused"
    ARCHIVED = "archived"
    RESTORED = "restored"


# History rows that carry news from a person: a progress or status update (with or
# without a comment or evidence, from the update form, an email link or a spreadsheet),
# an indicator measurement, a request for a new deadline. Edits of the planning and a
# coordinator's decisions are not news from the owner.
NEWS_KINDS = frozenset({UpdateKind.PROGRESS, UpdateKind.MEASUREMENT,
                        UpdateKind.EXTENSION_REQUESTED})
# A completion returned for rework also restarts the reporting clock: while it waited
# for validation the owner owed no news.
CLOCK_RESTARTING_KINDS = NEWS_KINDS | {UpdateKind.RETURNED}


class ActionUpdate(db.Model):
    """One entry of an action's history: who changed what, when, from what to what.

    Rows are only ever added; `changes` maps each edited field to its old and new value.
    """

    __tablename__ = "action_update"

    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("action.id"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    kind: Mapped[UpdateKind] = mapped_column(_enum(UpdateKind, 24))
    old_status: Mapped[Status | None] = mapped_column(_enum(Status, 20))
    new_status: Mapped[Status | None] = mapped_column(_enum(Status, 20))
    old_progress: Mapped[int | None]
    new_progress: Mapped[int | None]
    comment: Mapped[str] = mapped_column(Text, default="")
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    action: Mapped[Action] = relationship(back_populates="updates")
    author: Mapped[User | None] = relationship()
    evidence: Mapped[list[Evidence]] = relationship(back_populates="update", order_by="Evidence.id")


class EvidenceKind(enum.StrEnum):
    """Whether a piece of evidence is an uploaded file or a link."""

    FILE = "file"
    LINK = "link"


class Evidence(db.Model):
    """A file or a link that backs an update (a report, minutes, a published page).

    Files live under the upload folder with a generated `stored_name`; the name the user
    gave is kept only for display and download.
    """

    __tablename__ = "evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("action.id"), index=True)
    update_id: Mapped[int] = mapped_column(ForeignKey("action_update.id"), index=True)
    kind: Mapped[EvidenceKind] = mapped_column(_enum(EvidenceKind, 8))
    url: Mapped[str | None] = mapped_column(String(500))
    filename: Mapped[str | None] = mapped_column(String(255))
    stored_name: Mapped[str | None] = mapped_column(String(80), unique=True)
    content_type: Mapped[str | None] = mapped_column(String(120))
    size: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    update: Mapped[ActionUpdate] = relationship(back_populates="evidence")

    @property
    def label(self) -> str:
        """Return what a reader sees: the file's name or the link's address."""
        return self.filename or self.url or ""


class ExtensionStatus(enum.StrEnum):
    """Where a deadline extension request stands."""

    PENDING = "pending"
    ACCEPTED = "accepted"
    REFUSED = "refused"


class ExtensionRequest(db.Model):
    """A focal point's request to move an action's deadline, and the coordinator's answer.

    The deadline at the time of the request is kept, so the history shows both.
    """

    __tablename__ = "extension_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("action.id"), index=True)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    original_deadline: Mapped[date]
    requested_deadline: Mapped[date]
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[ExtensionStatus] = mapped_column(
        _enum(ExtensionStatus, 10), default=ExtensionStatus.PENDING, index=True)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decision_comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    action: Mapped[Action] = relationship(back_populates="extension_requests")
    requested_by: Mapped[User] = relationship(foreign_keys=[requested_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
