"""Recommendations that come back: links between a recommendation and earlier ones.

A coordinator links a recommendation to the earlier ones it repeats; the recommendation
page shows where it was made before (linked, or found alike by `similar`), and the
recurring view groups linked recommendations to say how often each came back and how
far its actions got. The queries run a fixed number of statements however many rows.
Services flush and never commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, or_, select

from tracker import audit, integrity
from tracker.domain import DomainError
from tracker.extensions import db
from tracker.importing import similar
from tracker.models import Action, Event, Recommendation, RecommendationLink, Status, User


class LinkRefused(DomainError):
    """Raised when two recommendations cannot be linked; the message is for the user."""

    def __init__(self, message=None, field: str | None = "earlier") -> None:
        super().__init__(message, field)


@dataclass(frozen=True)
class Before:
    """An earlier recommendation, with how far its actions got."""

    recommendation_id: int
    number: str
    title: str
    event_id: int
    event_title: str
    event_date: date
    actions: int
    done: int
    progress: int | None
    linked: bool


@dataclass(frozen=True)
class Recurring:
    """Linked recommendations made again and again: oldest first, with their follow-up."""

    times: int
    members: list[Before]
    actions: int
    done: int
    progress: int | None


def link(actor: User, recommendation: Recommendation, earlier: Recommendation) -> None:
    """Record that `recommendation` repeats `earlier`, with an audit entry.

    Raises `LinkRefused` for a recommendation linked to itself or already linked.
    """
    if earlier.id == recommendation.id:
        raise LinkRefused(_l("A recommendation cannot repeat itself."))
    exists = db.session.scalar(select(RecommendationLink.id).where(or_(
        (RecommendationLink.recommendation_id == recommendation.id)
        & (RecommendationLink.earlier_id == earlier.id),
        (RecommendationLink.recommendation_id == earlier.id)
        & (RecommendationLink.earlier_id == recommendation.id))))
    already = LinkRefused(_l("These recommendations are already linked."))
    if exists is not None:
        raise already
    db.session.add(RecommendationLink(recommendation_id=recommendation.id,
                                      earlier_id=earlier.id, created_by_id=actor.id))
    # Two coordinators linking the same pair at once: the unique key refuses the second.
    integrity.flush(duplicate=already, key=("recommendation_id", "earlier_id"))
    audit.record(actor, "link", recommendation, {"earlier": earlier.id})


def recommended_before(recommendation: Recommendation) -> list[Before]:
    """Return the recommendations linked to `recommendation`, then those alike, oldest first."""
    linked = db.session.execute(
        select(RecommendationLink.recommendation_id, RecommendationLink.earlier_id)
        .where(or_(RecommendationLink.recommendation_id == recommendation.id,
                   RecommendationLink.earlier_id == recommendation.id))).all()
    linked_ids = {a if b == recommendation.id else b for a, b in linked}
    alike = similar.similar_to([f"{recommendation.title} {recommendation.text}"],
                               recommendation.language,
                               exclude_event_id=recommendation.event_id,
                               titles=[recommendation.title])[0]
    ids = linked_ids | {m.recommendation_id for m in alike}
    return sorted(_describe(ids, linked_ids).values(),
                  key=lambda b: (not b.linked, b.event_date, b.recommendation_id))


def recurring(limit: int = 50) -> list[Recurring]:
    """Return the groups of linked recommendations, those made most often first."""
    pairs = db.session.execute(
        select(RecommendationLink.recommendation_id, RecommendationLink.earlier_id)).all()
    groups = _components(pairs)
    described = _describe({i for group in groups for i in group}, set())
    result = []
    for group in groups:
        members = sorted((described[i] for i in group if i in described),
                         key=lambda b: (b.event_date, b.recommendation_id))
        with_actions = [m.progress for m in members if m.progress is not None]
        result.append(Recurring(
            times=len(members), members=members,
            actions=sum(m.actions for m in members), done=sum(m.done for m in members),
            progress=round(sum(with_actions) / len(with_actions)) if with_actions else None))
    result.sort(key=lambda r: (r.times, r.members[-1].event_date if r.members else date.min),
                reverse=True)
    return result[:limit]


def _components(pairs) -> list[set[int]]:
    """Return the groups of recommendations joined by links (connected components)."""
    parent: dict[int, int] = {}

    def root(x: int) -> int:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in pairs:
        parent[root(a)] = root(b)
    groups: dict[int, set[int]] = {}
    for x in list(parent):
        groups.setdefault(root(x), set()).add(x)
    return list(groups.values())


def _describe(ids: set[int], linked: set[int]) -> dict[int, Before]:
    """Return each recommendation of `ids` with its event and its actions' follow-up."""
    if not ids:
        return {}
    counted = Action.status != Status.CANCELLED
    rows = db.session.execute(
        select(Recommendation.id, Recommendation.number, Recommendation.title,
               Event.id, Event.title, Event.date,
               func.count(Action.id),
               func.sum(case((Action.status == Status.COMPLETED, 1), else_=0)),
               func.avg(case((counted, Action.progress))))
        .join(Event, Recommendation.event_id == Event.id)
        .outerjoin(Action, Action.recommendation_id == Recommendation.id)
        .where(Recommendation.id.in_(ids))
        .group_by(Recommendation.id, Recommendation.number, Recommendation.title,
                  Event.id, Event.title, Event.date)).all()
    return {row[0]: Before(row[0], row[1], row[2], row[3], row[4], row[5], int(row[6]),
                           int(row[7] or 0), round(float(row[8])) if row[8] is not None else None,
                           row[0] in linked)
            for row in rows}
