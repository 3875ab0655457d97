"""The user's profile and their private calendar feed."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from tracker.api import tokens as api_tokens
from tracker.extensions import db
from tracker.models import ApiToken
from tracker.profile import services
from tracker.profile.forms import ApiTokenForm, CalendarLinkForm, RevokeApiTokenForm
from tracker.views import attempt

bp = Blueprint("profile", __name__)


def _render_profile(token_form: ApiTokenForm | None = None, new_token: str | None = None,
                    status: int = 200):
    """Render the profile page; `new_token` is a token just created, shown this once."""
    response = make_response(render_template(
        "profile/index.html", has_calendar_link=current_user.calendar_token is not None,
        api_tokens=api_tokens.active_tokens(current_user),
        token_form=token_form or ApiTokenForm(formdata=None),
        revoke_form=RevokeApiTokenForm(formdata=None), new_token=new_token), status)
    if new_token is not None:
        response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/profile")
@login_required
def index():
    """Show the user's profile, their calendar link and their API tokens."""
    return _render_profile()


@bp.post("/profile/api-tokens")
@login_required
def create_api_token():
    """Create a personal API token and show it, this once, in the page answering the POST.

    The page is not redirected to, so the token never travels in a cookie or a flash
    message; reloading it sends the form again and creates another token.
    """
    form = ApiTokenForm()
    if not form.validate_on_submit():
        return _render_profile(token_form=form, status=422)
    user = current_user._get_current_object()
    result = attempt(lambda: api_tokens.create_token(user, user, form.name.data), form, "name")
    if not result.ok:
        return _render_profile(token_form=form, status=result.status)
    _token, secret = result.value
    return _render_profile(new_token=secret, status=201)


@bp.post("/profile/api-tokens/<id:token_id>/revoke")
@login_required
def revoke_api_token(token_id: int):
    """Revoke one of the user's API tokens; requests made with it are refused from now on."""
    form = RevokeApiTokenForm()
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != current_user.id:
        abort(404)
    if not form.validate_on_submit():
        flash(_("The token was not revoked: please try again."), "error")
        return redirect(url_for("profile.index"))
    if api_tokens.revoke_token(current_user._get_current_object(), token):
        db.session.commit()
        flash(_("The token “%(name)s” is revoked: it no longer opens the API.",
                name=token.name), "success")
    return redirect(url_for("profile.index"))


def _calendar_link_user():
    """Return the signed-in user when the calendar link form is valid, else flash why not."""
    if not CalendarLinkForm().validate_on_submit():
        flash(_("The calendar link was not changed: please try again."), "error")
        return None
    return current_user._get_current_object()  # the audit trail names the model, not the proxy


@bp.post("/profile/calendar-link")
@login_required
def create_calendar_link():
    """Create the user's calendar link, or replace it (the old address stops working)."""
    user = _calendar_link_user()
    if user is None:
        return redirect(url_for("profile.index"))
    token = services.create_calendar_token(user, user)
    db.session.commit()
    flash(_("Your calendar link is %(url)s. Copy it now into your calendar application: "
            "for your security it will not be shown again.",
            url=services.external_url("profile.calendar", token=token)), "success")
    return redirect(url_for("profile.index"))


@bp.post("/profile/calendar-link/revoke")
@login_required
def revoke_calendar_link():
    """Revoke the user's calendar link."""
    user = _calendar_link_user()
    if user is not None and services.revoke_calendar_token(user, user):
        db.session.commit()
        flash(_("Your calendar link is revoked: its address no longer works."), "success")
    return redirect(url_for("profile.index"))


@bp.get("/calendar/<token>.ics")
def calendar(token: str):
    """Send the calendar of the link owner's actions; unknown or revoked links get a 404."""
    user = services.user_for_calendar_token(token)
    if user is None:
        abort(404)
    return Response(services.calendar_feed(user), mimetype="text/calendar", headers={
        "Cache-Control": "private, no-cache",
        "X-Robots-Tag": "noindex",
    })
