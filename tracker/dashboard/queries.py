"""Aggregates for the dashboard: GROUP BY queries, so their number never grows with the data."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import aliased

from tracker.actions.queries import ActionFilters
from tracker.actions.rules import ActionClock, due_soon_clause, overdue_clause
from tracker.extensions import db
from tracker.models import (
    Action,
    ActionUpdate,
    Event,
    GcmObjective,
    Institution,
    Recommendation,
    Status,
    Theme,
    UpdateKind,
    User,
    recommendation_gcm,
)

# The dashboard's "due in the next 30 days" (its headings say 30): a month's view for
# coordinators, wider than the weekly digest's DIGEST_DUE_SOON_DAYS for focal points.
DUE_WITHIN_DAYS = 30
LIST_LIMIT = 50
TOP_RECOMMENDATIONS = 20
TOP_EVENTS = 20
MONTHS = 12


def _scoped(stmt: Select, today: date, event_id: int | None) -> Select:
    """Narrow `stmt` (which selects from actions) to one event, as the action list does."""
    return ActionFilters(event_id=event_id).apply(stmt, today)


def _percent(part: int, whole: int) -> int:
    """Return `part` as a whole percentage of `whole` (0 when there is nothing to share)."""
    return round(100 * part / whole) if whole else 0


@dataclass
class Overview:
    """How the actions in scope stand: counts by status and the shares coordinators watch.

    Cancelled actions are left out of the shares: they will never be done and are not late.
    "On track" is work not started or in progress and not yet late; blocked actions have
    their own share.
    """

    by_status: dict[Status, int]
    overdue: int
    due_soon: int
    overdue_by_status: dict[Status, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        """Return the number of actions, cancelled ones included."""
        return sum(self.by_status.values())

    @property
    def counted(self) -> int:
        """Return the number of actions the shares are taken of: all but the cancelled."""
        return self.total - self.by_status[Status.CANCELLED]

    @property
    def completed(self) -> int:
        """Return the number of completed actions."""
        return self.by_status[Status.COMPLETED]

    @property
    def pending(self) -> int:
        """Return the number of actions reported done and awaiting validation."""
        return self.by_status[Status.PENDING_VALIDATION]

    @property
    def blocked(self) -> int:
        """Return the number of blocked actions, late or not (their own share)."""
        return self.by_status[Status.BLOCKED]

    @property
    def on_track(self) -> int:
        """Return the number of actions not started or in progress whose deadline has not
        passed: blocked actions and those awaiting a coordinator are not on track."""
        moving = (Status.NOT_STARTED, Status.IN_PROGRESS)
        return sum(self.by_status[s] - self.overdue_by_status.get(s, 0) for s in moving)

    def share(self, count: int) -> int:
        """Return `count` as a percentage of the actions that are not cancelled."""
        return _percent(count, self.counted)


def overview(today: date, event_id: int | None = None) -> Overview:
    """Count actions by status, and the overdue ones and those due soon, in one query."""
    due_soon = due_soon_clause(today, DUE_WITHIN_DAYS)
    stmt = select(
        Action.status,
        func.count(Action.id),
        func.sum(case((overdue_clause(today), 1), else_=0)),
        func.sum(case((due_soon, 1), else_=0)),
    ).group_by(Action.status)
    by_status = dict.fromkeys(Status, 0)
    overdue_by_status = dict.fromkeys(Status, 0)
    soon = 0
    for status, n, n_overdue, n_soon in db.session.execute(_scoped(stmt, today, event_id)):
        by_status[status] = n
        overdue_by_status[status] = int(n_overdue or 0)
        soon += int(n_soon or 0)
    return Overview(by_status=by_status, overdue=sum(overdue_by_status.values()),
                    due_soon=soon, overdue_by_status=overdue_by_status)


@dataclass(frozen=True)
class ListedAction(ActionClock):
    """What the dashboard's lists show of an action: plain values, so figures can be cached."""

    id: int
    title: str
    deadline: date
    status: Status
    owner_name: str
    institution_code: str
    institution_name: str


def _listed(stmt: Select) -> list[ListedAction]:
    """Run `stmt` (a select of actions) for the columns the dashboard's lists show."""
    stmt = stmt.with_only_columns(
        Action.id, Action.title, Action.deadline, Action.status, User.name, Institution.code,
        Institution.name, maintain_column_froms=True,
    ).join(User, User.id == Action.owner_id) \
        .join(Institution, Institution.id == Action.lead_institution_id)
    return [ListedAction(*row) for row in db.session.execute(stmt)]


def due_soon_actions(today: date, event_id: int | None = None,
                     limit: int = LIST_LIMIT) -> list[ListedAction]:
    """Return open actions due within DUE_WITHIN_DAYS, soonest first."""
    stmt = (select(Action).where(due_soon_clause(today, DUE_WITHIN_DAYS))
            .order_by(Action.deadline, Action.id).limit(limit))
    return _listed(_scoped(stmt, today, event_id))


def overdue_actions(today: date, event_id: int | None = None,
                    limit: int = LIST_LIMIT) -> list[ListedAction]:
    """Return overdue actions, the longest overdue first."""
    stmt = select(Action).where(overdue_clause(today)).order_by(Action.deadline, Action.id) \
        .limit(limit)
    return _listed(_scoped(stmt, today, event_id))


@dataclass
class BreakdownRow:
    """One line of a breakdown: a group of actions and how they stand.

    `filters` selects exactly these actions in the action list.
    """

    label: str
    filters: ActionFilters
    actions: int
    completed: int
    overdue: int
    progress: int | None
    detail: str = ""
    code: str = ""
    event_date: date | None = None

    @property
    def args(self) -> dict[str, str]:
        """Return the query string of the action list showing these actions."""
        return self.filters.to_args()

    @property
    def overdue_args(self) -> dict[str, str]:
        """Return the query string of the action list showing the overdue ones among them."""
        return replace(self.filters, overdue=True).to_args()


def _aggregates(key, today: date, event_id: int | None, stmt: Select | None = None):
    """Return a subquery of action counts, completions, overdue and mean progress per `key`."""
    not_cancelled = Action.status != Status.CANCELLED
    stmt = stmt if stmt is not None else select(key.label("key")).select_from(Action)
    stmt = stmt.add_columns(
        func.count(Action.id).label("actions"),
        func.sum(case((Action.status == Status.COMPLETED, 1), else_=0)).label("completed"),
        func.sum(case((overdue_clause(today), 1), else_=0)).label("overdue"),
        # AVG skips NULLs, so cancelled actions do not weigh on progress.
        func.avg(case((not_cancelled, Action.progress), else_=None)).label("progress"),
    ).group_by(key)
    return _scoped(stmt, today, event_id).subquery()


def _by_recommendation_column(column_name: str, today: date, event_id: int | None):
    """Return `_aggregates` keyed on a column of the action's recommendation."""
    # An alias, so the event filter's own subquery on recommendations is not correlated.
    rec = aliased(Recommendation)
    key = getattr(rec, column_name)
    return _aggregates(key, today, event_id, select(key.label("key")).select_from(Action)
                       .join(rec, rec.id == Action.recommendation_id))


def _numbers(agg) -> tuple:
    """Return the figure columns of an `_aggregates` subquery, in BreakdownRow order."""
    return agg.c.actions, agg.c.completed, agg.c.overdue, agg.c.progress


def _row(label: str, filters: ActionFilters, n: int, completed, overdue, progress,
         **extra: str) -> BreakdownRow:
    """Build a breakdown row from the figures of one group, as the database returns them."""
    return BreakdownRow(
        label=label, filters=filters, actions=n, completed=int(completed or 0),
        overdue=int(overdue or 0), progress=None if progress is None else round(float(progress)),
        **extra,
    )


def by_event(today: date, event_id: int | None = None,
             limit: int = TOP_EVENTS) -> tuple[list[BreakdownRow], bool]:
    """Break the actions down by event, latest event first; return whether some were left out.

    A national deployment holds thousands of events: the page shows the latest ones, the
    events page lists them all.
    """
    agg = _by_recommendation_column("event_id", today, event_id)
    rows = db.session.execute(
        select(Event, *_numbers(agg)).join(agg, agg.c.key == Event.id)
        .order_by(Event.date.desc(), Event.id.desc()).limit(limit + 1)
    ).all()
    return [_row(event.title, ActionFilters(event_id=event.id), *numbers,
                 event_date=event.date) for event, *numbers in rows[:limit]], len(rows) > limit


def by_recommendation(today: date, event_id: int | None = None,
                      limit: int = TOP_RECOMMENDATIONS) -> tuple[list[BreakdownRow], bool]:
    """Return the recommendations with the most actions, and whether some were left out."""
    agg = _aggregates(Action.recommendation_id, today, event_id)
    rows = db.session.execute(
        select(Recommendation.id, Recommendation.number, Recommendation.title, Event.title,
               *_numbers(agg))
        .join(agg, agg.c.key == Recommendation.id)
        .join(Event, Event.id == Recommendation.event_id)
        .order_by(agg.c.actions.desc(), Event.date.desc(), Recommendation.position,
                  Recommendation.id)
        .limit(limit + 1)
    ).all()
    result = [
        _row(f"{number}. {title}",
             ActionFilters(recommendation_id=rec_id, event_id=event_id), *numbers,
             detail=event_title)
        for rec_id, number, title, event_title, *numbers in rows[:limit]
    ]
    return result, len(rows) > limit


def by_theme(today: date, event_id: int | None = None) -> list[BreakdownRow]:
    """Break the actions down by the theme of their recommendation."""
    agg = _by_recommendation_column("theme_id", today, event_id)
    rows = db.session.execute(
        select(Theme, *_numbers(agg)).join(agg, agg.c.key == Theme.id).order_by(Theme.id)
    )
    return [_row(theme.label, ActionFilters(theme_id=theme.id, event_id=event_id), *numbers)
            for theme, *numbers in rows]


def by_institution(today: date, event_id: int | None = None) -> list[BreakdownRow]:
    """Break the actions down by lead institution, in the order of their codes."""
    agg = _aggregates(Action.lead_institution_id, today, event_id)
    rows = db.session.execute(
        select(Institution, *_numbers(agg)).join(agg, agg.c.key == Institution.id)
        .order_by(Institution.code)
    )
    return [_row(inst.name, ActionFilters(institution_id=inst.id, event_id=event_id), *numbers,
                 code=inst.code) for inst, *numbers in rows]


def by_gcm(today: date, event_id: int | None = None) -> list[BreakdownRow]:
    """Break the actions down by the GCM objectives their recommendation serves.

    A recommendation may serve several objectives, so an action can count under each.
    """
    key = recommendation_gcm.c.gcm_number
    agg = _aggregates(key, today, event_id, select(key.label("key")).select_from(Action).join(
        recommendation_gcm, recommendation_gcm.c.recommendation_id == Action.recommendation_id))
    rows = db.session.execute(
        select(GcmObjective, *_numbers(agg)).join(agg, agg.c.key == GcmObjective.number)
        .order_by(GcmObjective.number)
    )
    return [_row(obj.label, ActionFilters(gcm=obj.number, event_id=event_id), *numbers)
            for obj, *numbers in rows]


def _next_month(day: date) -> date:
    """Return the first day of the month after `day`'s."""
    return date(day.year + 1, 1, 1) if day.month == 12 else date(day.year, day.month + 1, 1)


def month_starts(today: date, months: int = MONTHS) -> list[date]:
    """Return the first day of each of the last `months` months, the current one last."""
    starts = []
    year, month = today.year, today.month
    for _ in range(months):
        starts.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return starts[::-1]


def completions_by_month(today: date, event_id: int | None = None,
                         months: int = MONTHS) -> list[tuple[date, int]]:
    """Count the actions completed in each of the last `months` months, from the history.

    A completion is a history row that sets the status to completed (a coordinator's
    update or validation). An action counts once per month however often it was completed
    in it. Months begin at midnight in the tracker's time zone.
    """
    starts = month_starts(today, months)
    zone = ZoneInfo(current_app.config["TRACKER_TIMEZONE"])
    begin, *bounds = [datetime(d.year, d.month, d.day, tzinfo=zone)
                      for d in [*starts, _next_month(today)]]
    bucket = case(*[(ActionUpdate.created_at < end, i) for i, end in enumerate(bounds)])
    completions = _scoped(
        select(bucket.label("bucket"), ActionUpdate.action_id).distinct()
        .join(Action, Action.id == ActionUpdate.action_id)
        .where(ActionUpdate.new_status == Status.COMPLETED,
               ActionUpdate.kind.in_([UpdateKind.PROGRESS, UpdateKind.VALIDATED]),
               ActionUpdate.created_at >= begin, ActionUpdate.created_at < bounds[-1]),
        today, event_id,
    ).subquery()
    counts = dict(db.session.execute(
        select(completions.c.bucket, func.count()).group_by(completions.c.bucket)).all())
    return [(start, counts.get(i, 0)) for i, start in enumerate(starts)]


def event_choices(selected: int | None = None, limit: int = 100) -> list[Event]:
    """Return the latest events the dashboard can focus on (and the selected one), latest first."""
    events = list(db.session.scalars(
        select(Event).order_by(Event.date.desc(), Event.id.desc()).limit(limit)))
    if selected is not None and all(e.id != selected for e in events):
        chosen = db.session.get(Event, selected)
        if chosen is not None:
            events.insert(0, chosen)
    return events


@dataclass
class Dashboard:
    """Everything the dashboard shows, for all events or for one."""

    today: date
    event_id: int | None
    overview: Overview
    due_soon: list[ListedAction]
    overdue: list[ListedAction]
    events: list[BreakdownRow]
    events_truncated: bool
    recommendations: list[BreakdownRow]
    recommendations_truncated: bool
    themes: list[BreakdownRow]
    institutions: list[BreakdownRow]
    objectives: list[BreakdownRow]
    completions: list[tuple[date, int]]

    def list_args(self, **filters) -> dict[str, str]:
        """Return the query string of the action list with `filters`, in the same scope.

        Templates name a status by its value ("completed"), which is turned into a Status.
        """
        if "status" in filters:
            filters["status"] = Status(filters["status"])
        return ActionFilters(event_id=self.event_id, **filters).to_args()

    def due_soon_args(self) -> dict[str, str]:
        """Return the query string of the action list of deadlines in the next days."""
        return self.list_args(deadline_from=self.today,
                              deadline_to=self.today + timedelta(days=DUE_WITHIN_DAYS))


def dashboard(today: date, event_id: int | None = None) -> Dashboard:
    """Gather the dashboard's figures, in a fixed number of queries."""
    recommendations, truncated = by_recommendation(today, event_id)
    events, events_truncated = by_event(today, event_id)
    return Dashboard(
        today=today, event_id=event_id, overview=overview(today, event_id),
        due_soon=due_soon_actions(today, event_id), overdue=overdue_actions(today, event_id),
        events=events, events_truncated=events_truncated, recommendations=recommendations,
        recommendations_truncated=truncated, themes=by_theme(today, event_id),
        institutions=by_institution(today, event_id), objectives=by_gcm(today, event_id),
        completions=completions_by_month(today, event_id),
    )
