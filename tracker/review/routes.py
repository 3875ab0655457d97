"""The coordinators' review queue and the decisions taken from it or from an action's page."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from tracker import clock
from tracker.actions import review
from tracker.actions.forms import ExtensionDecisionForm, ExtensionRequestForm, ReviewForm
from tracker.actions.page import action_or_404, render_action
from tracker.extensions import db
from tracker.models import Action, ExtensionRequest
from tracker.permissions import can_update_action, manager_required
from tracker.review.queries import review_queue
from tracker.views import attempt, done

bp = Blueprint("review", __name__)


@bp.get("/review")
@manager_required
def queue():
    """List the actions waiting for validation and the deadline requests waiting for an answer."""
    actions, requests = review_queue()
    return render_template("review/queue.html", actions=actions, requests=requests,
                           today=clock.today())


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
        if result.status == 409:  # the page shows the latest state, with a fresh form
            return render_action(action_or_404(action_id), status_code=409)
    return render_action(action_or_404(action_id), review_form=form, status_code=status)


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
    return render_action(action_or_404(action_id), decision_form=form, status_code=422)
