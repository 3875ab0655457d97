"""Read-side queries the API needs beyond the web lists': indicators, history, references."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from tracker.extensions import db
from tracker.models import ActionUpdate, Indicator, Measurement

HISTORY_LENGTH = 20


def indicators_with_latest(*, action_id: int | None = None,
                           recommendation_id: int | None = None
                           ) -> list[tuple[Indicator, Measurement | None]]:
    """Return the indicators of an action or a recommendation, each with its latest measurement.

    Latest means the most recent `measured_on`, the last recorded on that day. Two queries.
    """
    stmt = select(Indicator).order_by(Indicator.id)
    if action_id is not None:
        stmt = stmt.where(Indicator.action_id == action_id)
    else:
        stmt = stmt.where(Indicator.recommendation_id == recommendation_id)
    indicators = list(db.session.scalars(stmt))
    if not indicators:
        return []
    ranked = select(
        Measurement.id,
        func.row_number().over(partition_by=Measurement.indicator_id,
                               order_by=(Measurement.measured_on.desc(),
                                         Measurement.id.desc())).label("rank"),
    ).where(Measurement.indicator_id.in_([i.id for i in indicators])).subquery()
    latest = {m.indicator_id: m for m in db.session.scalars(
        select(Measurement).join(ranked, ranked.c.id == Measurement.id)
        .where(ranked.c.rank == 1))}
    return [(i, latest.get(i.id)) for i in indicators]


def recent_history(action_id: int, limit: int = HISTORY_LENGTH) -> list[ActionUpdate]:
    """Return an action's latest history rows, newest first, with their authors."""
    return list(db.session.scalars(
        select(ActionUpdate).options(joinedload(ActionUpdate.author))
        .where(ActionUpdate.action_id == action_id)
        .order_by(ActionUpdate.id.desc()).limit(limit)))


def exists(model, key) -> bool:
    """Tell whether a row of `model` has primary key `key`."""
    return db.session.get(model, key) is not None
