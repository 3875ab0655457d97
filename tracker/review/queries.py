"""What awaits the coordinators' review, with what they judge it on."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from tracker.actions.queries import action_select
from tracker.extensions import db
from tracker.models import (
    AWAITING_REVIEW_STATUSES,
    Action,
    ActionUpdate,
    Evidence,
    EvidenceKind,
    ExtensionRequest,
    ExtensionStatus,
    Status,
)

# Evidence files shown as a picture in the queue (served by the evidence download route).
IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})


@dataclass(frozen=True)
class Item:
    """An action awaiting a decision: the report that put it in the queue (status,
    progress, comment, indicator values) and the evidence of its history."""

    action: Action
    report: ActionUpdate | None
    evidence: list[Evidence] = field(default_factory=list)

    @property
    def readings(self) -> list[dict[str, Any]]:
        """Return the indicator values given with the report."""
        return list((self.report.changes or {}).get("measurements", [])) if self.report else []

    @property
    def images(self) -> list[Evidence]:
        """Return the evidence files that can be previewed as pictures."""
        return [e for e in self.evidence if e.kind == EvidenceKind.FILE
                and e.content_type in IMAGE_TYPES]

    @property
    def others(self) -> list[Evidence]:
        """Return the evidence other than pictures: documents and links."""
        images = {e.id for e in self.images}
        return [e for e in self.evidence if e.id not in images]


@dataclass(frozen=True)
class Queue:
    """The review queue: completions to validate, cancellations proposed, deadline requests."""

    completions: list[Item]
    cancellations: list[Item]
    requests: list[ExtensionRequest]

    def ids(self, kind: str) -> set[int]:
        """Return the ids of the items of a kind: "completion", "cancellation" (actions)
        or "extension" (requests)."""
        items = {"completion": self.completions, "cancellation": self.cancellations}
        if kind == "extension":
            return {request.id for request in self.requests}
        return {item.action.id for item in items[kind]}

    @property
    def count(self) -> int:
        """Return how many decisions wait."""
        return len(self.completions) + len(self.cancellations) + len(self.requests)


def review_queue() -> Queue:
    """Return what awaits a decision, in four queries whatever the number of items."""
    actions = list(db.session.scalars(
        action_select().where(Action.status.in_(AWAITING_REVIEW_STATUSES))
        .order_by(Action.updated_at, Action.id)
    ).unique())
    ids = [action.id for action in actions]
    # The report of each action: the latest history row that brought it to its status.
    latest = (select(func.max(ActionUpdate.id))
              .where(ActionUpdate.action_id.in_(ids),
                     ActionUpdate.new_status.in_(AWAITING_REVIEW_STATUSES),
                     ActionUpdate.old_status != ActionUpdate.new_status)
              .group_by(ActionUpdate.action_id))
    reports = {row.action_id: row for row in db.session.scalars(
        select(ActionUpdate).where(ActionUpdate.id.in_(latest)))} if ids else {}
    evidence: dict[int, list[Evidence]] = {}
    if ids:
        for item in db.session.scalars(select(Evidence).where(Evidence.action_id.in_(ids))
                                       .order_by(Evidence.id)):
            evidence.setdefault(item.action_id, []).append(item)
    items = [Item(a, reports.get(a.id), evidence.get(a.id, [])) for a in actions]
    requests = db.session.scalars(
        select(ExtensionRequest).where(ExtensionRequest.status == ExtensionStatus.PENDING)
        .options(joinedload(ExtensionRequest.requested_by),
                 joinedload(ExtensionRequest.action).joinedload(Action.owner),
                 joinedload(ExtensionRequest.action).joinedload(Action.lead_institution))
        .order_by(ExtensionRequest.created_at, ExtensionRequest.id)
    ).all()
    return Queue(
        completions=[i for i in items if i.action.status == Status.PENDING_VALIDATION],
        cancellations=[i for i in items if i.action.status == Status.PENDING_CANCELLATION],
        requests=list(requests))
