"""Read-side queries for recommendations, at a fixed number of SQL queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, and_, case, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from tracker.actions.queries import ActionFilters, escape_like, overdue_clause
from tracker.extensions import db
from tracker.models import (
    Action,
    Event,
    Recommendation,
    Status,
    event_visible_clause,
    recommendation_gcm,
    recommendation_visible_clause,
)
from tracker.pagination import Page

SORTS = {
    "event": (Recommendation.event_id.desc(), Recommendation.position),
    "progress": ("progress", Recommendation.id),
    "-progress": ("-progress", Recommendation.id),
    "overdue": ("-overdue", Recommendation.id),
    "title": (Recommendation.title, Recommendation.id),
}


@dataclass
class RecommendationFilters:
    """The recommendation list's filters; action-level ones keep recommendations that have
    at least one matching action."""

    actions: ActionFilters
    sort: str = "event"

    @classmethod
    def from_args(cls, args) -> RecommendationFilters:
        """Read the filters from a query string mapping."""
        sort = args.get("sort", "event")
        actions = ActionFilters.from_args(args)
        actions.sort = "deadline"
        return cls(actions=actions, sort=sort if sort in SORTS else "event")

    def to_args(self) -> dict[str, str]:
        """Return the query-string form of the filters that are set."""
        args = self.actions.to_args()
        if self.sort != "event":
            args["sort"] = self.sort
        return args

    def apply(self, stmt: Select, today: date) -> Select:
        """Narrow `stmt` (over recommendations) to those matching the filters (never
        archived ones)."""
        stmt = stmt.where(recommendation_visible_clause())
        f = self.actions
        if f.event_id is not None:
            stmt = stmt.where(Recommendation.event_id == f.event_id)
        if f.theme_id is not None:
            stmt = stmt.where(Recommendation.theme_id == f.theme_id)
        if f.gcm is not None:
            stmt = stmt.where(Recommendation.id.in_(
                select(recommendation_gcm.c.recommendation_id)
                .where(recommendation_gcm.c.gcm_number == f.gcm)))
        if f.q:
            pattern = f"%{escape_like(f.q)}%"
            stmt = stmt.where(or_(Recommendation.title.ilike(pattern, escape="\\"),
                                  Recommendation.text.ilike(pattern, escape="\\")))
        action_conditions = []
        if f.status is not None:
            action_conditions.append(Action.status == f.status)
        if f.institution_id is not None:
            action_conditions.append(Action.lead_institution_id == f.institution_id)
        if f.owner_id is not None:
            action_conditions.append(Action.owner_id == f.owner_id)
        if f.overdue:
            action_conditions.append(overdue_clause(today))
        if f.deadline_from is not None:
            action_conditions.append(Action.deadline >= f.deadline_from)
        if f.deadline_to is not None:
            action_conditions.append(Action.deadline <= f.deadline_to)
        if action_conditions:
            stmt = stmt.where(Recommendation.id.in_(
                select(Action.recommendation_id)
                .where(Action.archived_at.is_(None), and_(*action_conditions))))
        return stmt


def list_recommendations(filters: RecommendationFilters, today: date, page: int,
                         per_page: int) -> Page:
    """Return a page of (recommendation, progress, number of actions, overdue) rows."""
    progress = (
        select(Action.recommendation_id.label("rec_id"),
               func.avg(Action.progress).label("progress"))
        .where(Action.status != Status.CANCELLED, Action.archived_at.is_(None))
        .group_by(Action.recommendation_id).subquery()
    )
    counts = (
        select(Action.recommendation_id.label("rec_id"),
               func.count(Action.id).label("actions"),
               func.sum(case((overdue_clause(today), 1), else_=0)).label("overdue"))
        .where(Action.archived_at.is_(None))
        .group_by(Action.recommendation_id).subquery()
    )
    progress_col = progress.c.progress
    overdue_col = func.coalesce(counts.c.overdue, 0)
    stmt = (
        select(Recommendation, progress_col, func.coalesce(counts.c.actions, 0), overdue_col)
        .outerjoin(progress, progress.c.rec_id == Recommendation.id)
        .outerjoin(counts, counts.c.rec_id == Recommendation.id)
        .options(joinedload(Recommendation.event), joinedload(Recommendation.theme),
                 selectinload(Recommendation.gcm_objectives))
    )
    stmt = filters.apply(stmt, today)
    order = []
    for key in SORTS[filters.sort]:
        if key == "progress":
            order.append(func.coalesce(progress_col, -1))
        elif key == "-progress":
            order.append(func.coalesce(progress_col, -1).desc())
        elif key == "-overdue":
            order.append(overdue_col.desc())
        else:
            order.append(key)
    stmt = stmt.order_by(*order)
    total = db.session.scalar(
        filters.apply(select(func.count()).select_from(Recommendation), today))
    rows = db.session.execute(stmt.limit(per_page).offset((page - 1) * per_page)).unique().all()
    return Page(items=rows, page=page, per_page=per_page, total=total or 0)


def list_events(page: int, per_page: int) -> Page:
    """Return a page of (event, number of recommendations, number of actions), latest first.

    The counts are computed for the events of the page only.
    """
    events = select(Event.id).where(event_visible_clause()) \
        .order_by(Event.date.desc(), Event.id.desc()) \
        .limit(per_page).offset((page - 1) * per_page).subquery()
    rec_counts = (
        select(Recommendation.event_id, func.count(Recommendation.id).label("n"))
        .where(Recommendation.event_id.in_(select(events.c.id)),
               Recommendation.archived_at.is_(None))
        .group_by(Recommendation.event_id).subquery()
    )
    action_counts = (
        select(Recommendation.event_id, func.count(Action.id).label("n"))
        .join(Action, Action.recommendation_id == Recommendation.id)
        .where(Recommendation.event_id.in_(select(events.c.id)),
               Recommendation.archived_at.is_(None), Action.archived_at.is_(None))
        .group_by(Recommendation.event_id).subquery()
    )
    rows = db.session.execute(
        select(Event, func.coalesce(rec_counts.c.n, 0), func.coalesce(action_counts.c.n, 0))
        .join(events, events.c.id == Event.id)
        .outerjoin(rec_counts, rec_counts.c.event_id == Event.id)
        .outerjoin(action_counts, action_counts.c.event_id == Event.id)
        .order_by(Event.date.desc(), Event.id.desc())
    ).all()
    total = db.session.scalar(
        select(func.count()).select_from(Event).where(event_visible_clause())) or 0
    return Page(items=rows, page=page, per_page=per_page, total=total)
