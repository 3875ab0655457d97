"""The coordinators' review queue and the decisions taken from it or from an action's page."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from tracker import clock
from tracker.actions import services as action_services
from tracker.actions.routes import page_action_or_404, render_action
from tracker.extensions import db
from tracker.forms import add_error
from tracker.models import Action, ExtensionRequest
from tracker.permissions import can_update_action, manager_required
from tracker.review import services
from tracker.review.forms import ExtensionDecisionForm, ExtensionRequestForm, ReviewForm

bp = Blueprint("review", __name__)



def _stale() -> str:
    return _("Someone else changed this action in the meantime. Nothing was saved: "
             "check it again.")


@bp.get("/review")
@manager_required
def queue():
    """List the actions waiting for validation and the deadline requests waiting for an answer."""
    actions, requests = services.review_queue()
    return render_template("review/queue.html", actions=actions, requests=requests,
                           today=clock.today())


@bp.post("/actions/<id:action_id>/review")
@manager_required
def decide(action_id: int):
    """Validate a reported completion, or return it to its owner with a comment."""
    action = db.get_or_404(Action, action_id)
    form = ReviewForm()
    if not form.validate_on_submit():
        return render_action(page_action_or_404(action.id), review_form=form, status_code=422)
    try:
        if form.decision.data == "validate":
            services.validate(current_user, action, form.expected_version, form.comment.data or "")
            message = _("Action validated as completed.")
        else:
            services.return_for_rework(current_user, action, form.expected_version,
                                       form.comment.data or "")
            message = _("Action returned to its owner.")
        db.session.commit()
    except action_services.StaleVersion:
        db.session.rollback()
        flash(_stale(), "error")
        return render_action(page_action_or_404(action_id), status_code=409)
    except action_services.InvalidChange as exc:
        db.session.rollback()
        add_error(form.comment, str(exc))
        return render_action(page_action_or_404(action_id), review_form=form, status_code=422)
    flash(message, "success")
    return redirect(url_for("review.queue"))


@bp.post("/actions/<id:action_id>/extension")
@login_required
def request_extension(action_id: int):
    """Ask for a later deadline, with a reason."""
    action = db.get_or_404(Action, action_id)
    if not can_update_action(current_user, action):
        abort(403)
    form = ExtensionRequestForm()
    if form.validate_on_submit():
        try:
            services.request_extension(current_user, action, form.new_deadline.data,
                                       form.reason.data, clock.today())
            db.session.commit()
        except action_services.StaleVersion:
            db.session.rollback()
            flash(_stale(), "error")
            return render_action(page_action_or_404(action_id), status_code=409)
        except action_services.InvalidChange as exc:
            db.session.rollback()
            add_error(form.new_deadline, str(exc))
        else:
            flash(_("Your request was sent to the coordinators."), "success")
            return redirect(url_for("actions.show", action_id=action.id))
    return render_action(page_action_or_404(action_id), extension_form=form, status_code=422)


@bp.post("/extensions/<id:request_id>/decision")
@manager_required
def decide_extension(request_id: int):
    """Accept or refuse a deadline request."""
    extension = db.get_or_404(ExtensionRequest, request_id)
    form = ExtensionDecisionForm()
    if form.validate_on_submit():
        try:
            services.decide_extension(current_user, extension, form.decision.data == "accept",
                                      form.comment.data or "")
            db.session.commit()
        except action_services.StaleVersion:
            db.session.rollback()
            flash(_stale(), "error")
            extension = db.get_or_404(ExtensionRequest, request_id)
            return render_action(page_action_or_404(extension.action_id), status_code=409)
        except action_services.InvalidChange as exc:
            db.session.rollback()
            add_error(form.comment, str(exc))
        else:
            flash(_("Answer recorded."), "success")
            return redirect(url_for("review.queue"))
    extension = db.get_or_404(ExtensionRequest, request_id)
    return render_action(page_action_or_404(extension.action_id), decision_form=form,
                         status_code=422)
