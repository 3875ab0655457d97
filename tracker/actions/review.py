"""Decisions on an action: validating a reported completion (one or several at once),
answering a proposal to cancel, asking for and answering a new deadline. Operations
flush but never commit; the caller owns the transaction."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from tracker.actions import rules
from tracker.actions.services import check_version, record_change
from tracker.actions.signals import ActionEvent, announce
from tracker.domain import InvalidChange
from tracker.extensions import db
from tracker.models import (
    Action,
    ActionUpdate,
    ExtensionRequest,
    ExtensionStatus,
    Status,
    UpdateKind,
    User,
)
from tracker.models.types import utcnow


def validate(actor: User, action: Action, expected_version: int | None,
             comment: str = "") -> ActionUpdate:
    """Accept a reported completion: the action is completed. Raises `InvalidChange`."""
    rules.require(rules.archived_problem(action), "status")
    check_version(action, expected_version)
    if action.status != Status.PENDING_VALIDATION:
        raise InvalidChange(_l("Only an action pending validation can be validated."))
    entry = record_change(actor, action, UpdateKind.VALIDATED, status=Status.COMPLETED,
                          progress=100, comment=comment)
    announce(ActionEvent.VALIDATED, action, entry, actor)
    return entry


def return_for_rework(actor: User, action: Action, expected_version: int | None,
                      comment: str) -> ActionUpdate:
    """Send a reported completion back to its owner, in progress, with the reason why.

    Progress goes back to what it was before the completion was reported.
    """
    rules.require(rules.archived_problem(action), "status")
    check_version(action, expected_version)
    if action.status != Status.PENDING_VALIDATION:
        raise InvalidChange(_l("Only an action pending validation can be returned."))
    if not comment.strip():
        raise InvalidChange(_l("Say what is missing, so the owner knows what to do."), "comment")
    report = db.session.scalar(
        select(ActionUpdate).where(ActionUpdate.action_id == action.id,
                                   ActionUpdate.new_status == Status.PENDING_VALIDATION)
        .order_by(ActionUpdate.id.desc()).limit(1))
    previous = report.old_progress if report is not None and report.old_progress is not None \
        else action.progress
    entry = record_change(actor, action, UpdateKind.RETURNED, status=Status.IN_PROGRESS,
                          progress=min(previous, 99), comment=comment)
    announce(ActionEvent.RETURNED, action, entry, actor)
    return entry


def validate_many(actor: User, items: list[tuple[int, int]], actions: dict[int, Action],
                  comment: str = "") -> list[ActionUpdate]:
    """Validate several reported completions with one comment, all or none.

    `items` are (action id, version seen) pairs and `actions` the actions found by id. Any
    action gone, saved since it was seen or no longer pending validation refuses the
    whole batch, with one `InvalidChange` that names each of them; nothing is written.
    """
    if not items:
        raise InvalidChange(_l("Select the completions to validate."), "selected")
    problems = []
    for action_id, version in items:
        action = actions.get(action_id)
        if action is None:
            problems.append(str(_l("#%(id)d no longer exists", id=action_id)))
        elif action.status != Status.PENDING_VALIDATION:
            problems.append(str(_l("%(title)s no longer waits for validation",
                                   title=action.title)))
        elif action.version != version:
            problems.append(str(_l("%(title)s was changed since you saw it",
                                   title=action.title)))
    if problems:
        raise InvalidChange(_l("Nothing was validated: %(problems)s.",
                               problems="; ".join(problems)), "selected")
    return [validate(actor, actions[action_id], version, comment) for action_id, version in items]


def decide_cancellation(actor: User, action: Action, expected_version: int | None, accept: bool,
                        comment: str = "") -> ActionUpdate:
    """Answer a focal point's proposal to cancel: accepted, the action is cancelled; refused
    (with a comment saying why), it goes back to the status and progress it had before.

    Raises `StaleVersion` or `InvalidChange`.
    """
    rules.require(rules.archived_problem(action), "status")
    check_version(action, expected_version)
    if action.status != Status.PENDING_CANCELLATION:
        raise InvalidChange(_l("Only a proposed cancellation can be accepted or refused."))
    if not accept and not comment.strip():
        raise InvalidChange(_l("Say why the action goes on, so the owner knows."), "comment")
    if accept:
        entry = record_change(actor, action, UpdateKind.CANCELLATION_ACCEPTED,
                              status=Status.CANCELLED, comment=comment)
        announce(ActionEvent.CANCELLATION_ACCEPTED, action, entry, actor)
        return entry
    proposal = db.session.scalar(
        select(ActionUpdate).where(ActionUpdate.action_id == action.id,
                                   ActionUpdate.new_status == Status.PENDING_CANCELLATION,
                                   ActionUpdate.old_status != Status.PENDING_CANCELLATION)
        .order_by(ActionUpdate.id.desc()).limit(1))
    before = proposal.old_status if proposal is not None and proposal.old_status else None
    if before is None or before in (Status.PENDING_CANCELLATION, Status.CANCELLED):
        before = Status.IN_PROGRESS
    progress = proposal.old_progress if proposal is not None and \
        proposal.old_progress is not None else action.progress
    entry = record_change(actor, action, UpdateKind.CANCELLATION_REFUSED, status=before,
                          progress=before.fixed_progress if before.fixed_progress is not None
                          else progress, comment=comment)
    announce(ActionEvent.CANCELLATION_REFUSED, action, entry, actor)
    return entry


def pending_extension(action: Action) -> ExtensionRequest | None:
    """Return the action's extension request awaiting an answer, if any."""
    return db.session.scalar(select(ExtensionRequest).where(
        ExtensionRequest.action_id == action.id,
        ExtensionRequest.status == ExtensionStatus.PENDING))


def request_extension(actor: User, action: Action, new_deadline: date, reason: str,
                      today: date) -> ExtensionRequest:
    """Ask for a new deadline with a reason. Raises `InvalidChange`."""
    rules.require(rules.archived_problem(action), "status")
    if action.status.is_closed:
        raise InvalidChange(_l("A completed or cancelled action needs no new deadline."))
    if pending_extension(action) is not None:
        raise InvalidChange(_l("A request for this action is already waiting for an answer."))
    if new_deadline <= action.deadline or new_deadline < today:
        raise InvalidChange(_l("The new deadline must be later than the current one."),
                            "new_deadline")
    if not reason.strip():
        raise InvalidChange(_l("Give the reason for the new deadline."), "reason")
    request = ExtensionRequest(action=action, requested_by=actor,
                               original_deadline=action.deadline,
                               requested_deadline=new_deadline, reason=reason.strip())
    db.session.add(request)
    entry = record_change(
        actor, action, UpdateKind.EXTENSION_REQUESTED, comment=reason,
        changes={"deadline": [action.deadline.isoformat(), new_deadline.isoformat()]})
    announce(ActionEvent.EXTENSION_REQUESTED, action, entry, actor)
    return request


def decide_extension(actor: User, request: ExtensionRequest, accept: bool,
                     comment: str = "") -> ExtensionRequest:
    """Accept (the deadline moves) or refuse a pending request; both stay in the history."""
    rules.require(rules.archived_problem(request.action), "status")
    if request.status != ExtensionStatus.PENDING:
        raise InvalidChange(_l("This request was already answered."))
    if not accept and not comment.strip():
        raise InvalidChange(_l("Say why the request is refused."), "comment")
    action = request.action
    request.status = ExtensionStatus.ACCEPTED if accept else ExtensionStatus.REFUSED
    request.decided_by = actor
    request.decided_at = utcnow()
    request.decision_comment = comment.strip()
    changes = {"deadline": [action.deadline.isoformat(), request.requested_deadline.isoformat()]}
    if accept:
        action.deadline = request.requested_deadline
    entry = record_change(
        actor, action, UpdateKind.EXTENSION_ACCEPTED if accept else UpdateKind.EXTENSION_REFUSED,
        comment=comment, changes=changes)
    announce(ActionEvent.EXTENSION_ACCEPTED if accept else ActionEvent.EXTENSION_REFUSED,
             action, entry, actor, concerned=(request.requested_by,))
    return request
