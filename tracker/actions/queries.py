"""Read-side queries for actions and recommendation progress, at a fixed number of SQL queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, case, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from tracker.extensions import db
from tracker.models import CLOSED_STATUSES, Action, Recommendation, Status, User


def action_select() -> Select:
    """Return a select of actions that loads what list pages show, in a fixed number of queries."""
    return select(Action).options(
        joinedload(Action.owner),
        joinedload(Action.lead_institution),
        joinedload(Action.recommendation).joinedload(Recommendation.event),
        selectinload(Action.contributors),
    )


def overdue_clause(today: date):
    """Return the SQL condition for an open action whose deadline has passed."""
    return (Action.deadline < today) & Action.status.not_in(CLOSED_STATUSES)


@dataclass
class ActionFilters:
    """The filters of the action list, as read from the query string."""

    status: Status | None = None
    institution_id: int | None = None
    event_id: int | None = None
    overdue: bool = False
    q: str = ""

    def apply(self, stmt: Select, today: date) -> Select:
        """Narrow `stmt` to the actions matching these filters."""
        if self.status is not None:
            stmt = stmt.where(Action.status == self.status)
        if self.institution_id is not None:
            stmt = stmt.where(Action.lead_institution_id == self.institution_id)
        if self.event_id is not None:
            stmt = stmt.where(
                Action.recommendation_id.in_(
                    select(Recommendation.id).where(Recommendation.event_id == self.event_id)
                )
            )
        if self.overdue:
            stmt = stmt.where(overdue_clause(today))
        if self.q:
            pattern = f"%{escape_like(self.q.strip())}%"
            stmt = stmt.where(
                or_(Action.title.ilike(pattern, escape="\\"),
                    Action.description.ilike(pattern, escape="\\"))
            )
        return stmt


def escape_like(text: str) -> str:
    """Escape the LIKE wildcards in user text so they match literally."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def list_actions(filters: ActionFilters, today: date, page: int, per_page: int):
    """Return one page of actions matching `filters`, soonest deadline first."""
    stmt = filters.apply(action_select(), today).order_by(Action.deadline, Action.id)
    return db.paginate(stmt, page=page, per_page=per_page, error_out=False)


def my_actions(user: User) -> tuple[list[Action], list[Action]]:
    """Return the user's own actions, then the other actions of their institution.

    Open actions come first, soonest deadline first.
    """
    closed_last = case((Action.status.in_(CLOSED_STATUSES), 1), else_=0)
    conditions = [Action.owner_id == user.id]
    if user.institution_id is not None:
        conditions.append(Action.lead_institution_id == user.institution_id)
    rows = db.session.scalars(
        action_select().where(or_(*conditions)).order_by(closed_last, Action.deadline, Action.id)
    ).unique().all()
    own = [a for a in rows if a.owner_id == user.id]
    institution = [a for a in rows if a.owner_id != user.id]
    return own, institution


def recommendation_progress(recommendation_ids: list[int]) -> dict[int, int]:
    """Return each recommendation's progress: the mean progress of its actions not cancelled."""
    if not recommendation_ids:
        return {}
    rows = db.session.execute(
        select(Action.recommendation_id, func.avg(Action.progress))
        .where(Action.recommendation_id.in_(recommendation_ids))
        .where(Action.status != Status.CANCELLED)
        .group_by(Action.recommendation_id)
    )
    return {rec_id: round(float(avg)) for rec_id, avg in rows if avg is not None}


def status_counts(recommendation_ids: list[int] | None = None) -> dict[Status, int]:
    """Return how many actions are in each status, optionally for some recommendations only."""
    stmt = select(Action.status, func.count()).group_by(Action.status)
    if recommendation_ids is not None:
        stmt = stmt.where(Action.recommendation_id.in_(recommendation_ids))
    counts = dict.fromkeys(Status, 0)
    counts.update({status: n for status, n in db.session.execute(stmt)})
    return counts
