"""Archive, restore and delete for good. They flush; the caller commits.

An archived item keeps its history but leaves every list, figure, export, reminder and
public page: the rule is `is_archived` on the models, with its SQL forms
(`event_visible_clause`, `recommendation_visible_clause`, `action_visible_clause`)
beside it. Archiving an event archives, in effect, all under it; restoring it brings them
back, except what was archived on its own.

Deleting for good is for mistakes (a report imported twice): only what has no history
beyond its creation may go, and an audit entry says who removed what.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import joinedload

from tracker import audit
from tracker.actions.services import record_change
from tracker.domain import DomainError, StaleVersion
from tracker.extensions import db
from tracker.integrity import flush
from tracker.models import (
    Action,
    ActionUpdate,
    Event,
    Evidence,
    ExtensionRequest,
    Indicator,
    MessageStatus,
    OutboxMessage,
    Recommendation,
    RecommendationLink,
    SourceDocument,
    UpdateKind,
    User,
    archived_clause,
)
from tracker.models.types import utcnow

Item = Event | Recommendation | Action
# The kinds an archive view names in its URLs and filters, and their models.
KINDS: dict[str, type[Item]] = {"event": Event, "recommendation": Recommendation,
                                "action": Action}
# History rows that record no work: an action with only these may be deleted.
BOOKKEEPING_KINDS = frozenset({UpdateKind.CREATED, UpdateKind.ARCHIVED, UpdateKind.RESTORED})


class ArchiveRefused(DomainError):
    """An archive, restore or delete that the item's state does not allow."""


class StaleItem(StaleVersion):
    """Raised when the item was saved by someone else in between."""

    default_message = _l("Someone else changed this item meanwhile: nothing was done. "
                         "Check its latest state and try again.")


def kind_of(item: Item) -> str:
    """Return the kind name of `item` ("event", "recommendation" or "action")."""
    return type(item).__name__.lower()


def _record(actor: User, verb: str, item: Item, reason: str, **changes: Any) -> None:
    """Leave the trace of `verb`: an action's history row, else an audit entry."""
    if isinstance(item, Action):
        kind = UpdateKind.ARCHIVED if verb == "archive" else UpdateKind.RESTORED
        record_change(actor, item, kind, comment=reason, changes=changes)
    else:
        flush(stale=StaleItem())
        audit.record(actor, verb, item, {"reason": reason, **changes})


def archive(actor: User, item: Item, reason: str) -> None:
    """Archive `item` (and, in effect, all under it) with `reason`.

    Raises `ArchiveRefused` when it is archived already.
    """
    if item.archived_at is not None:
        raise ArchiveRefused(_l("This item is archived already."))
    item.archived_at = utcnow()
    _record(actor, "archive", item, reason.strip(),
            archived=[None, audit.jsonable(item.archived_at)])
    sync_archived(item)


def restore(actor: User, item: Item, reason: str) -> None:
    """Bring `item` back into lists, figures, reminders and public pages.

    Raises `ArchiveRefused` when it is not archived on its own, or when what it is under
    is archived (that must be restored first).
    """
    if item.archived_at is None:
        raise ArchiveRefused(_l("This item is not archived."))
    parent = item.event if isinstance(item, Recommendation) else \
        item.recommendation if isinstance(item, Action) else None
    if parent is not None and parent.is_archived:
        raise ArchiveRefused(_l("What this item belongs to is archived: restore it first."))
    archived_at = item.archived_at
    item.archived_at = None
    _record(actor, "restore", item, reason.strip(),
            archived=[audit.jsonable(archived_at), None])
    sync_archived(item)


def sync_archived(item: Item | None = None) -> int:
    """Write the archive rule (`archived_clause`) into the flag of the actions under
    `item` (all actions when None), which lists and counts read; return how many changed.

    One UPDATE, which neither bumps the actions' versions nor leaves history: nothing
    about the actions themselves changed. An action under an event restored keeps its
    flag while it, or its recommendation, is archived on its own.
    """
    db.session.flush()
    stmt = update(Action).where(Action.archived != archived_clause())
    if isinstance(item, Action):
        stmt = stmt.where(Action.id == item.id)
    elif isinstance(item, Recommendation):
        stmt = stmt.where(Action.recommendation_id == item.id)
    elif isinstance(item, Event):
        stmt = stmt.where(Action.recommendation_id.in_(
            select(Recommendation.id).where(Recommendation.event_id == item.id)))
    changed = db.session.execute(stmt.values(archived=archived_clause()),
                                 execution_options={"synchronize_session": False}).rowcount
    for loaded in list(db.session.identity_map.values()):
        if isinstance(loaded, Action):
            db.session.expire(loaded, ["archived"])
    return changed


def _count(stmt) -> int:
    return db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0


def deletion_problem(item: Item) -> Any:
    """Return why `item` may not be deleted for good, or None when it may.

    An action may go while its history holds only its creation (and archiving): no news,
    no decision, no evidence, no indicator, no deadline request. A recommendation may go
    while it has no action and no indicator; an event while it has no source document and
    each of its recommendations may go.
    """
    if isinstance(item, Action):
        work = _count(select(ActionUpdate.id).where(
            ActionUpdate.action_id == item.id, ActionUpdate.kind.not_in(BOOKKEEPING_KINDS)))
        attached = sum(_count(select(model.id).where(model.action_id == item.id))
                       for model in (Evidence, ExtensionRequest, Indicator))
        if work or attached:
            return _l("This action has a history beyond its creation: archive it instead.")
        return None
    recommendations = select(Recommendation.id).where(
        Recommendation.id == item.id if isinstance(item, Recommendation)
        else Recommendation.event_id == item.id)
    if _count(select(Action.id).where(Action.recommendation_id.in_(recommendations))) \
            or _count(select(Indicator.id).where(Indicator.recommendation_id.in_(
                recommendations))):
        if isinstance(item, Recommendation):
            return _l("This recommendation has actions or indicators: archive it instead.")
        return _l("This event has actions or indicators: archive it instead.")
    if isinstance(item, Event) and _count(
            select(SourceDocument.id).where(SourceDocument.event_id == item.id)):
        return _l("This event keeps source documents: archive it instead.")
    return None


def delete_for_good(actor: User, item: Item, reason: str) -> dict[str, Any]:
    """Remove `item` (a mistake) and what only it held; record an audit entry.

    Returns what the audit entry keeps of it. Raises `ArchiveRefused` with the reason
    when `deletion_problem` finds history.
    """
    problem = deletion_problem(item)
    if problem is not None:
        raise ArchiveRefused(problem)
    kept = _summary(item)
    kind, item_id = kind_of(item), item.id
    if isinstance(item, Action):
        _delete_action_rows(item.id)
    else:
        recommendations = [item] if isinstance(item, Recommendation) \
            else list(item.recommendations)
        ids = [r.id for r in recommendations]
        if ids:
            db.session.execute(delete(RecommendationLink).where(
                RecommendationLink.recommendation_id.in_(ids)
                | RecommendationLink.earlier_id.in_(ids)))
        for recommendation in recommendations:
            db.session.delete(recommendation)
    db.session.delete(item)
    db.session.flush()
    audit.record_event(actor, "delete", kind, item_id, {"reason": reason.strip(), **kept})
    return kept


def _delete_action_rows(action_id: int) -> None:
    # Emails not sent yet would speak of an action that is gone; those sent stay in the
    # outbox's log without it.
    db.session.execute(delete(OutboxMessage).where(
        OutboxMessage.action_id == action_id,
        OutboxMessage.status.in_([MessageStatus.PENDING, MessageStatus.HELD])))
    db.session.execute(update(OutboxMessage).where(OutboxMessage.action_id == action_id)
                       .values(action_id=None))
    db.session.execute(delete(ActionUpdate).where(ActionUpdate.action_id == action_id))


def _summary(item: Item) -> dict[str, Any]:
    """Return what the audit entry keeps of a deleted item: enough to recognise it."""
    if isinstance(item, Action):
        return {"title": item.title, "recommendation_id": item.recommendation_id}
    if isinstance(item, Recommendation):
        return {"number": item.number, "title": item.title, "event_id": item.event_id}
    return {"title": item.title, "date": item.date.isoformat(),
            "recommendations": len(item.recommendations)}


def archived_items(limit: int = 200) -> dict[str, list[Item]]:
    """Return the items archived on their own, by kind, the latest archived first.

    Three queries; what is archived only through its event is restored with it.
    """
    loads = {"event": (),
             "recommendation": (joinedload(Recommendation.event),),
             "action": (joinedload(Action.recommendation).joinedload(Recommendation.event),)}
    return {
        name: list(db.session.scalars(
            select(model).where(model.archived_at.is_not(None)).options(*loads[name])
            .order_by(model.archived_at.desc(), model.id.desc()).limit(limit)))
        for name, model in KINDS.items()
    }
