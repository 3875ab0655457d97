"""Pages of the reminders: acting from an email, unsubscribing, preferences, the outbox."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from jinja2 import TemplateError
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from tracker import audit, clock
from tracker.actions import review, services
from tracker.args import page_number
from tracker.domain import DomainError
from tracker.extensions import csrf, db
from tracker.models import (
    Action,
    MessageKind,
    MessageStatus,
    OutboxMessage,
    Status,
    User,
)
from tracker.permissions import admin_required, can_update_action
from tracker.reminders import delivery, links
from tracker.reminders.forms import ConfirmForm, ExtendForm, PreferencesForm
from tracker.reminders.preferences import save_preferences
from tracker.reminders.rendering import OPERATION_STATUSES, render_row
from tracker.views import attempt, form_status

bp = Blueprint("reminders", __name__)

_DELIVERY_STEPS = (MessageStatus.PENDING, MessageStatus.SENDING, MessageStatus.SENT,
                   MessageStatus.FAILED)


def _act(link: links.EmailAction, user: User, action: Action, form) -> None:
    """Mark a one-click link used, then do what it offers as the user it was sent to.

    Marked first: of two confirmations at once, the second stops on the link's row
    (IntegrityError, "already used") before it could touch the action.
    """
    links.mark_used(link)
    if link.operation == "extend":
        review.request_extension(user, action, form.new_deadline.data, form.reason.data,
                                 clock.today())
    else:
        starting = link.operation == "start"
        # The version the email showed: a change since (even a concurrent one) refuses.
        services.record_update(user, action, link.version, services.Change(
            status=Status.IN_PROGRESS if starting else Status.COMPLETED,
            progress=max(action.progress, 10) if starting else 100,
            comment=form.comment.data or ""))


def _link_used():
    return _link_error(_("This link was already used. Open the action to see where it "
                         "stands."), 410)


def _link_error(message: str, status: int):
    return render_template("reminders/link_error.html", message=message), status


def _for(user: User | None, page):
    """Answer a page reached from an email in its recipient's saved language."""
    if user is None or not user.locale:
        return page()
    with force_locale(user.locale):
        return page()


@bp.route("/email/<token>", methods=["GET", "POST"])
def email_action(token: str):
    """Show what a one-click email link will do; do it only when confirmed (POST)."""
    try:
        user_id = links.read_action_link(token).user_id
    except DomainError:
        user_id = None
    return _for(db.session.get(User, user_id) if user_id else None,
                lambda: _email_action(token))


def _email_action(token: str):
    try:
        link = links.read_action_link(token)
    except links.LinkExpired:
        return _link_error(_("This link has expired. Open the action in the tracker instead."),
                           410)
    except links.LinkUsed:
        return _link_used()
    except links.LinkInvalid:
        return _link_error(_("This link is not valid. Was it copied whole?"), 400)
    user = db.session.get(User, link.user_id)
    action = db.session.get(Action, link.action_id)
    if user is None or action is None or not user.active:
        return _link_error(_("This link is not valid any more."), 404)
    if not can_update_action(user, action):
        return _link_error(_("You can no longer update this action."), 403)
    if current_user.is_authenticated and current_user.id != user.id:
        return _link_error(_("This link was sent to someone else: it acts for no one "
                             "but its recipient."), 403)
    # A link made for another state of the action shows the state now and does nothing:
    # 409 when the action changed since the email, 422 when the operation does not fit.
    if link.version is not None and link.version != action.version:
        return render_template("reminders/link_changed.html", action=action), 409
    if action.status not in OPERATION_STATUSES[link.operation]:
        return render_template("reminders/link_changed.html", action=action), 422
    form = ExtendForm() if link.operation == "extend" else ConfirmForm()
    result = None
    if form.validate_on_submit():
        try:
            result = attempt(lambda: _act(link, user, action, form), form,
                             "new_deadline" if link.operation == "extend" else "comment")
        except IntegrityError:
            # Confirmed twice at the same moment: the other request recorded the link.
            if not links.was_used(link):
                raise
            return _link_used()
        if result.ok:
            return render_template("reminders/email_action_done.html", action=action,
                                   operation=link.operation)
    return render_template("reminders/email_action.html", form=form, action=action,
                           user=user, operation=link.operation), form_status(form, result)


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # the signed token authenticates; mail clients post one-click unsubscribes
def unsubscribe(token: str):
    """Turn off one kind of email for the user the link was sent to, in their language."""
    try:
        user_id = links.read_unsubscribe_link(token)[0]
    except links.LinkInvalid:
        user_id = None
    return _for(db.session.get(User, user_id) if user_id else None,
                lambda: _unsubscribe(token))


def _unsubscribe(token: str):
    try:
        user_id, kind = links.read_unsubscribe_link(token)
    except links.LinkInvalid:
        return _link_error(_("This link is not valid. Was it copied whole?"), 400)
    user = db.session.get(User, user_id)
    if user is None or kind not in MessageKind._value2member_map_:
        return _link_error(_("This link is not valid any more."), 404)
    kind = MessageKind(kind)
    if request.method == "POST":
        if kind.value not in (user.muted_kinds or []):
            user.muted_kinds = sorted({*(user.muted_kinds or []), kind.value})
            audit.record(user, "unsubscribe", user, {"muted_kinds": user.muted_kinds})
            db.session.commit()
        return render_template("reminders/unsubscribed.html", kind=kind)
    return render_template("reminders/unsubscribe.html", kind=kind, token=token)


@bp.route("/profile/notifications", methods=["GET", "POST"])
@login_required
def preferences():
    """Choose which emails to receive, when the daily email comes, a pause, and a delegate
    while away."""
    user = current_user._get_current_object()
    form = PreferencesForm()
    form.delegate.set_objects(db.session.scalars(
        select(User).where(User.active, User.id != user.id).order_by(User.name)),
        label=lambda u: f"{u.name} ({u.email})")
    if request.method == "GET":
        form.kinds.data = [k.value for k in MessageKind
                           if k.value not in (user.muted_kinds or [])]
        form.daily_hour.data = "" if user.daily_email_hour is None else str(
            user.daily_email_hour)
        form.paused_until.data = user.reminders_paused_until
        form.delegate.data = user.delegate_id
        form.delegate_until.data = user.delegate_until
    if form.validate_on_submit() and attempt(lambda: save_preferences(
            user, clock.today(), kinds=set(form.kinds.data or []),
            daily_hour=int(form.daily_hour.data) if form.daily_hour.data else None,
            paused_until=form.paused_until.data, delegate=form.delegate.selected,
            delegate_until=form.delegate_until.data), form, "delegate").ok:
        flash(_("Your email preferences are saved."), "success")
        return redirect(url_for("reminders.preferences"))
    return render_template("reminders/preferences.html", form=form), \
        422 if form.errors else 200


@bp.get("/admin/outbox")
@admin_required
def outbox():
    """List the emails of the outbox, newest first, failed ones on top."""
    status = request.args.get("status", "")
    stmt = select(OutboxMessage).order_by(
        (OutboxMessage.status == MessageStatus.FAILED).desc(), OutboxMessage.id.desc())
    if status in MessageStatus._value2member_map_:
        stmt = stmt.where(OutboxMessage.status == status)
    page = db.paginate(stmt, page=page_number(request.args.get("page")), per_page=50,
                       error_out=False)
    counts = dict(db.session.execute(
        select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all())
    # The four steps of delivery, and the daily email's items when there are any.
    statuses = [s for s in MessageStatus if counts.get(s) or s in _DELIVERY_STEPS]
    return render_template("reminders/outbox.html", page=page, counts=counts,
                           statuses=statuses,
                           mail_configured=delivery.mail_configured(), status=status)


@bp.get("/admin/outbox/<id:message_id>")
@admin_required
def outbox_message(message_id: int):
    """Show one email as it was sent, or a preview of it, with "[link]" for its links.

    A row not sent yet holds no body: the preview renders it as it would be sent now,
    making no link.
    """
    message = db.get_or_404(OutboxMessage, message_id)
    text, html = message.body_text, message.body_html
    if not (text or html):
        try:
            preview = render_row(message, preview=True)
            text, html = preview.text, preview.html
        except (LookupError, TemplateError):  # a recipient gone, or no such template
            current_app.logger.warning("outbox row %s has no preview", message.id,
                                       exc_info=True)
    return render_template("reminders/outbox_message.html", message=message, text=text,
                           html=html)


@bp.post("/admin/outbox/<id:message_id>/retry")
@admin_required
def retry(message_id: int):
    """Queue a failed email again."""
    message = db.get_or_404(OutboxMessage, message_id)
    if message.status != MessageStatus.FAILED:
        abort(409)
    delivery.retry(message)
    audit.record(current_user, "retry", message)
    db.session.commit()
    flash(_("The email will be sent again at the next delivery."), "success")
    return redirect(url_for("reminders.outbox"))


@bp.get("/admin/schedule")
@admin_required
def schedule():
    """Show the reminder jobs with their cron schedules and next run times."""
    # APScheduler is loaded here, not with the module: the web workers need it only for
    # this page.
    from tracker.reminders.scheduler import JOB_LABELS, next_runs

    return render_template("reminders/schedule.html", labels=JOB_LABELS,
                           runs=next_runs(current_app._get_current_object()))
