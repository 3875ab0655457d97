"""The data of an event's progress report, read in a fixed number of SQL queries."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import aliased, contains_eager

from tracker.actions.queries import recommendation_progress
from tracker.extensions import db
from tracker.indicators.queries import EventIndicators, event_indicators
from tracker.models import (
    Action,
    ActionUpdate,
    Event,
    Evidence,
    Institution,
    Recommendation,
    Status,
    User,
)


@dataclass(frozen=True)
class ActionLine:
    """One action as the report shows it, with its last update and how much evidence backs it."""

    action: Action
    overdue: bool
    last_update_at: datetime | None
    last_update_author: str | None
    evidence_count: int
    last_update_comment: str = ""


@dataclass
class RecommendationSection:
    """A recommendation, its derived progress (None without open actions) and its actions."""

    recommendation: Recommendation
    progress: int | None
    lines: list[ActionLine] = field(default_factory=list)


@dataclass
class EventReport:
    """Everything the progress report of one event shows, as of `today`."""

    event: Event
    today: date
    sections: list[RecommendationSection]
    status_counts: dict[Status, int]
    overdue_count: int
    institutions: list[Institution]
    indicators: EventIndicators = field(default_factory=EventIndicators)

    @property
    def recommendation_count(self) -> int:
        return len(self.sections)

    @property
    def action_count(self) -> int:
        return sum(self.status_counts.values())

    @property
    def completed_count(self) -> int:
        return self.status_counts[Status.COMPLETED]

    @property
    def countable_actions(self) -> int:
        """Return how many actions count toward completion: all but the cancelled ones."""
        return self.action_count - self.status_counts[Status.CANCELLED]

    @property
    def completed_share(self) -> int | None:
        """Return the percentage of actions not cancelled that are completed (None if none)."""
        if not self.countable_actions:
            return None
        return round(100 * self.completed_count / self.countable_actions)


def event_report(event: Event, today: date) -> EventReport:
    """Return the progress report of `event` as of `today`.

    Five queries whatever the size of the event: its recommendations, its actions
    joined with their owner, lead institution, last update and evidence count (both
    aggregated by GROUP BY subqueries), the recommendations' progress, and the
    indicators of its recommendations and actions with their measurements.
    """
    recommendations = db.session.scalars(
        select(Recommendation).where(Recommendation.event_id == event.id,
                                     Recommendation.archived_at.is_(None))
        .order_by(Recommendation.position, Recommendation.id)
    ).all()
    sections = {r.id: RecommendationSection(r, None) for r in recommendations}

    event_actions = (
        select(Action.id).join(Recommendation, Action.recommendation_id == Recommendation.id)
        .where(Recommendation.event_id == event.id)
    )
    # The highest id is the latest row: history is append-only, and ids never tie.
    last_ids = (
        select(ActionUpdate.action_id, func.max(ActionUpdate.id).label("last_id"))
        .where(ActionUpdate.action_id.in_(event_actions))
        .group_by(ActionUpdate.action_id).subquery()
    )
    evidence_counts = (
        select(Evidence.action_id, func.count(Evidence.id).label("n"))
        .where(Evidence.action_id.in_(event_actions))
        .group_by(Evidence.action_id).subquery()
    )
    owner = aliased(User)
    lead = aliased(Institution)
    last_update = aliased(ActionUpdate)
    author = aliased(User)
    rows = db.session.execute(
        select(Action, last_update.created_at, author.name,
               func.coalesce(evidence_counts.c.n, 0), last_update.comment)
        .join(owner, Action.owner_id == owner.id)
        .join(lead, Action.lead_institution_id == lead.id)
        .outerjoin(last_ids, last_ids.c.action_id == Action.id)
        .outerjoin(last_update, last_update.id == last_ids.c.last_id)
        .outerjoin(author, author.id == last_update.author_id)
        .outerjoin(evidence_counts, evidence_counts.c.action_id == Action.id)
        .where(Action.recommendation_id.in_(list(sections)), Action.archived_at.is_(None))
        .options(contains_eager(Action.owner.of_type(owner)),
                 contains_eager(Action.lead_institution.of_type(lead)))
        .order_by(Action.deadline, Action.id)
    ).all()

    counts = dict.fromkeys(Status, 0)
    overdue = 0
    institutions: dict[int, Institution] = {}
    for action, updated_at, author_name, evidence, comment in rows:
        late = action.is_overdue(today)
        sections[action.recommendation_id].lines.append(
            ActionLine(action, late, updated_at, author_name, evidence, comment or ""))
        counts[action.status] += 1
        overdue += late
        institutions[action.lead_institution_id] = action.lead_institution

    for rec_id, value in recommendation_progress(list(sections)).items():
        sections[rec_id].progress = value
    return EventReport(
        event=event, today=today, sections=list(sections.values()), status_counts=counts,
        overdue_count=overdue,
        institutions=sorted(institutions.values(), key=lambda i: i.code),
        indicators=event_indicators(event.id, today),
    )
