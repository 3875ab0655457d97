"""The coordinators' page of replies by email that wait for them."""

from __future__ import annotations

from flask import Blueprint, flash, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from tracker.extensions import db
from tracker.models import Action, InboundReply
from tracker.permissions import manager_required
from tracker.replies import services
from tracker.replies.forms import AssignForm, RefuseForm
from tracker.views import attempt, done, form_status

bp = Blueprint("replies", __name__)


@bp.get("/replies")
@manager_required
def held():
    """List the replies by email waiting for a coordinator."""
    return render_template("replies/held.html", replies=services.held_replies())


def _show(reply: InboundReply, assign_form: AssignForm | None = None,
          status_code: int = 200):
    if assign_form is None:
        assign_form = AssignForm(data={"action_id": reply.action_id})
    return render_template("replies/show.html", reply=reply, assign_form=assign_form,
                           refuse_form=RefuseForm()), status_code


@bp.get("/replies/<id:reply_id>")
@manager_required
def show(reply_id: int):
    """Show a reply by email, and what a coordinator may do with it."""
    return _show(db.get_or_404(InboundReply, reply_id))


@bp.post("/replies/<id:reply_id>/assign")
@manager_required
def assign(reply_id: int):
    """Record a held reply on the action chosen, in the coordinator's name."""
    reply = db.get_or_404(InboundReply, reply_id)
    form = AssignForm()
    result = None
    if form.validate_on_submit():
        action = db.session.get(Action, form.action_id.data)
        if action is None:
            form.action_id.errors.append(_("No action has this number."))
        else:
            result = attempt(lambda: services.assign(current_user, reply, action),
                             form, "action_id")
            if result.ok:
                for refusal in result.value:
                    flash_refusal(refusal)
                return done(_("The reply was recorded on the action."),
                            url_for("replies.held"))
    return _show(db.get_or_404(InboundReply, reply_id), form, form_status(form, result))


def flash_refusal(message: str) -> None:
    """Say which attached file was left out of an assigned reply."""
    flash(_("Not kept: %(reason)s", reason=message), "error")


@bp.post("/replies/<id:reply_id>/refuse")
@manager_required
def refuse(reply_id: int):
    """Set a held reply aside."""
    reply = db.get_or_404(InboundReply, reply_id)
    form = RefuseForm()
    result = None
    if form.validate_on_submit():
        result = attempt(lambda: services.refuse(current_user, reply), form)
        if result.ok:
            return done(_("The reply was set aside."), url_for("replies.held"))
    return _show(db.get_or_404(InboundReply, reply_id), status_code=form_status(form, result)
                 if result is not None else 422)
