"""Publishing events, and what their public page may show: no personal data."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from tracker import audit
from tracker.actions.queries import recommendation_progress
from tracker.extensions import db
from tracker.models import Action, Event, Recommendation, Status, User


def set_visibility(actor: User, event: Event, public: bool) -> bool:
    """Make `event` public or private and record it; return whether anything changed."""
    changes = audit.apply_changes(event, {"is_public": public})
    if changes:
        db.session.flush()
        audit.record(actor, "publish" if public else "unpublish", event, changes)
    return bool(changes)


@dataclass(frozen=True)
class PublicAction:
    """What the public sees of an action: no owner, no comments, no evidence."""

    title: str
    institution_code: str
    institution_name: str
    status: Status
    progress: int


@dataclass
class PublicRecommendation:
    """What the public sees of a recommendation: its words and its derived progress."""

    number: str
    title: str
    language: str
    progress: int | None
    actions: list[PublicAction] = field(default_factory=list)


def public_recommendations(event: Event) -> list[PublicRecommendation]:
    """Return the public view of `event`'s recommendations and actions.

    Only the fields a visitor may see are copied out of the models, so a template
    cannot reach an owner, an email or a comment even by mistake.
    """
    recommendations = db.session.scalars(
        select(Recommendation).where(Recommendation.event_id == event.id,
                                     Recommendation.archived_at.is_(None))
        .options(selectinload(Recommendation.actions.and_(Action.archived_at.is_(None))).options(
            joinedload(Action.lead_institution)))
        .order_by(Recommendation.position, Recommendation.id)
    ).all()
    progress = recommendation_progress([r.id for r in recommendations])
    return [
        PublicRecommendation(
            number=r.number, title=r.title, language=r.language, progress=progress.get(r.id),
            actions=[PublicAction(a.title, a.lead_institution.code, a.lead_institution.name,
                                  a.status, a.progress) for a in r.actions],
        )
        for r in recommendations
    ]
