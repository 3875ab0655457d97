"""Read-side queries the API needs beyond the web lists': indicators, history, references."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from tracker.extensions import db
from tracker.indicators.queries import latest_measurements
from tracker.models import ActionUpdate, Indicator

HISTORY_LENGTH = 20


def indicators_with_latest(*, action_id: int | None = None,
                           recommendation_id: int | None = None
                           ) -> list[tuple[Indicator, float | None, date | None]]:
    """Return the indicators of an action or a recommendation, each with the value and date
    of its latest measurement (None when never measured). One query."""
    latest = latest_measurements()
    stmt = (select(Indicator, latest.c.value, latest.c.measured_on)
            .outerjoin(latest, (latest.c.indicator_id == Indicator.id) & (latest.c.rank == 1))
            .order_by(Indicator.id))
    if action_id is not None:
        stmt = stmt.where(Indicator.action_id == action_id)
    else:
        stmt = stmt.where(Indicator.recommendation_id == recommendation_id)
    return [tuple(row) for row in db.session.execute(stmt)]


def recent_history(action_id: int, limit: int = HISTORY_LENGTH) -> list[ActionUpdate]:
    """Return an action's latest history rows, newest first, with their authors."""
    return list(db.session.scalars(
        select(ActionUpdate).options(joinedload(ActionUpdate.author))
        .where(ActionUpdate.action_id == action_id)
        .order_by(ActionUpdate.id.desc()).limit(limit)))


def exists(model, key) -> bool:
    """Tell whether a row of `model` has primary key `key`."""
    return db.session.get(model, key) is not None
