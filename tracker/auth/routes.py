"""Login and logout."""

from __future__ import annotations

from contextlib import nullcontext

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from tracker import audit
from tracker.auth import invitation, reset
from tracker.auth.forms import ForgotPasswordForm, LoginForm, ResetPasswordForm
from tracker.auth.services import TooManyAttempts, authenticate, safe_next, sign_out
from tracker.extensions import db, limiter
from tracker.models import User
from tracker.views import attempt, done

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Show the login form; on valid credentials start a fresh session.

    Failed attempts are throttled per account and address, and per address
    (`tracker.auth.throttle`): a refused address gets a 429 with the form and the wait.
    """
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = authenticate(form.email.data, form.password.data)
        except TooManyAttempts as refused:
            # Not audited: the refusal writes nothing, so a flood of them costs no rows.
            flash(str(refused), "error")
            return (render_template("auth/login.html", form=form), 429,
                    {"Retry-After": str(refused.retry_after)})
        if user is None:
            audit.record_event(None, "login_failed", "user", None, {
                "email": form.email.data.strip().lower()[:254],
                "address": request.remote_addr or ""})
            db.session.commit()
            flash(_("Wrong email or password."), "error")
            return render_template("auth/login.html", form=form), 401
        next_url = safe_next(request.args.get("next"))
        locale = session.get("locale")
        session.clear()  # a new session at login defeats session fixation
        if locale:
            session["locale"] = locale
        login_user(user, remember=form.remember.data)
        audit.record(user, "login", user)
        db.session.commit()
        return redirect(next_url or url_for("main.index"))
    status = 422 if form.errors else 200
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
@login_required
def logout():
    """End the session here and on the user's other devices, server-side."""
    sign_out(current_user._get_current_object())
    db.session.commit()
    session.clear()
    logout_user()  # after clear(): it asks the response to delete the remember-me cookie
    flash(_("You are signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"], methods=["POST"])
def forgot_password():
    """Send a reset link to the address, if an account has it (same answer either way)."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        reset.request_reset(form.email.data)
        db.session.commit()
        flash(_("If an account has this address, an email with a link to choose a new "
                "password is on its way. The link works for an hour."), "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot.html", form=form), 422 if form.errors else 200


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    """Choose a new password from an emailed link; the link then stops working."""
    try:
        user = reset.read_token(token)
    except reset.ResetLinkInvalid:
        return render_template("auth/reset_invalid.html"), 410
    form = ResetPasswordForm()
    if form.validate_on_submit():
        if attempt(lambda: reset.reset_password(user, form.password.data), form, "password").ok:
            return done(_("Your password is changed. Sign in with it."), url_for("auth.login"))
    return render_template("auth/reset.html", form=form), 422 if form.errors else 200


def _language_of(user: User | None):
    """Speak `user`'s saved language, if they chose one, for a page reached from their email."""
    return force_locale(user.locale) if user is not None and user.locale else nullcontext()


@bp.route("/invitation/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    """Choose the first password of an invited account; the link then stops working.

    The page speaks the invited person's saved language; a used or expired link answers
    410 and says which it is.
    """
    try:
        link, user = invitation.read_token(token)
    except invitation.InvitationInvalid as refused:
        with _language_of(refused.user):
            return render_template("auth/invitation_invalid.html",
                                   message=str(refused)), 410
    with _language_of(user):
        form = ResetPasswordForm()
        if form.validate_on_submit() and attempt(
                lambda: invitation.accept(link, user, form.password.data), form,
                "password").ok:
            return done(_("Your password is set. Sign in with it."), url_for("auth.login"))
        return (render_template("auth/invitation.html", form=form, user=user),
                422 if form.errors else 200)
