"""The coordinators' review queue and the decisions taken from it or from an action's page.

Each decision has one route, whether it is taken in the queue or on the action's page;
the form's `origin` says which page shows it again when it is refused.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from sqlalchemy import select

from tracker import clock
from tracker.actions import review
from tracker.actions.forms import (
    BulkValidationForm,
    CancellationDecisionForm,
    ExtensionDecisionForm,
    ExtensionRequestForm,
    ReviewForm,
)
from tracker.actions.page import action_or_404, render_action
from tracker.extensions import db
from tracker.models import Action, ExtensionRequest
from tracker.permissions import can_update_action, manager_required
from tracker.review.queries import review_queue
from tracker.views import attempt, done

bp = Blueprint("review", __name__)


def render_queue(status_code: int = 200, refused: tuple[str, int, Any] | None = None,
                 bulk_form: BulkValidationForm | None = None):
    """Render the queue; `refused` is a decision refused there (kind, id, form), shown
    with its errors under its item, and `bulk_form` a refused bulk validation."""
    queue = review_queue()
    if refused is not None and refused[1] not in queue.ids(refused[0]):
        # The item left the queue (decided by someone else): its form is not shown, so
        # the reasons for the refusal are.
        for errors in refused[2].errors.values():
            for error in errors:
                flash(str(error), "error")
    return render_template(
        "review/queue.html", queue=queue, today=clock.today(), refused=refused,
        bulk_form=bulk_form or BulkValidationForm(formdata=None),
    ), status_code


@bp.get("/review")
@manager_required
def queue():
    """List what waits for a decision, with the reports, and the forms to decide."""
    return render_queue()


@bp.post("/actions/<id:action_id>/review")
@manager_required
def decide(action_id: int):
    """Validate a reported completion, or return it to its owner with a comment."""
    action = db.get_or_404(Action, action_id)
    form = ReviewForm()
    status = 422
    if form.validate_on_submit():
        validating = form.decision.data == "validate"
        decide = review.validate if validating else review.return_for_rework
        result = attempt(lambda: decide(current_user, action, form.expected_version,
                                        form.comment.data or ""), form, "comment")
        if result.ok:
            return done(_("Action validated as completed.") if validating
                        else _("Action returned to its owner."), url_for("review.queue"))
        status = result.status
        if status == 409 and not form.from_queue:  # the page shows the latest state
            return render_action(action_or_404(action_id), status_code=409)
    if form.from_queue:
        return render_queue(status, refused=("completion", action_id, form))
    return render_action(action_or_404(action_id), review_form=form, status_code=status)


@bp.post("/review/validate")
@manager_required
def validate_selected():
    """Validate the completions selected in the queue with one comment, all or none."""
    form = BulkValidationForm()
    if form.validate_on_submit():
        items = form.items
        actions = {a.id: a for a in db.session.scalars(
            select(Action).where(Action.id.in_([action_id for action_id, _v in items])))}
        result = attempt(lambda: review.validate_many(current_user, items, actions,
                                                      form.comment.data or ""),
                         form, "selected")
        if result.ok:
            return done(ngettext("%(num)d action validated as completed.",
                                 "%(num)d actions validated as completed.", len(items)),
                        url_for("review.queue"))
        return render_queue(result.status, bulk_form=form)
    return render_queue(422, bulk_form=form)


@bp.post("/actions/<id:action_id>/cancellation")
@manager_required
def decide_cancellation(action_id: int):
    """Accept a focal point's proposal to cancel an action, or refuse it with a comment."""
    action = db.get_or_404(Action, action_id)
    form = CancellationDecisionForm()
    status = 422
    if form.validate_on_submit():
        accepting = form.decision.data == "accept"
        result = attempt(lambda: review.decide_cancellation(
            current_user, action, form.expected_version, accepting, form.comment.data or ""),
            form, "comment")
        if result.ok:
            return done(_("Action cancelled.") if accepting
                        else _("Cancellation refused: the action goes on."),
                        url_for("review.queue"))
        status = result.status
    return render_queue(status, refused=("cancellation", action_id, form))


@bp.post("/actions/<id:action_id>/extension")
@login_required
def request_extension(action_id: int):
    """Ask for a later deadline, with a reason."""
    action = db.get_or_404(Action, action_id)
    if not can_update_action(current_user, action):
        abort(403)
    form = ExtensionRequestForm()
    if form.validate_on_submit():
        result = attempt(lambda: review.request_extension(
            current_user, action, form.new_deadline.data, form.reason.data, clock.today()),
            form, "new_deadline")
        if result.ok:
            return done(_("Your request was sent to the coordinators."),
                        url_for("actions.show", action_id=action.id))
    return render_action(action_or_404(action_id), extension_form=form, status_code=422)


@bp.post("/extensions/<id:request_id>/decision")
@manager_required
def decide_extension(request_id: int):
    """Accept or refuse a deadline request."""
    extension = db.get_or_404(ExtensionRequest, request_id)
    action_id = extension.action_id
    form = ExtensionDecisionForm()
    if form.validate_on_submit():
        result = attempt(lambda: review.decide_extension(
            current_user, extension, form.decision.data == "accept", form.comment.data or ""),
            form, "comment")
        if result.ok:
            return done(_("Answer recorded."), url_for("review.queue"))
    if form.from_queue:
        return render_queue(422, refused=("extension", request_id, form))
    return render_action(action_or_404(action_id), decision_form=form, status_code=422)
