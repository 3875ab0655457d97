"""The user's profile and their private calendar feed."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from tracker.extensions import db
from tracker.profile import services
from tracker.profile.forms import CalendarLinkForm

bp = Blueprint("profile", __name__)


@bp.get("/profile")
@login_required
def index():
    """Show the user's profile and their calendar link."""
    return render_template("profile/index.html",
                           has_calendar_link=current_user.calendar_token is not None)


@bp.post("/profile/calendar-link")
@login_required
def create_calendar_link():
    """Create the user's calendar link, or replace it (the old address stops working)."""
    form = CalendarLinkForm()
    if not form.validate_on_submit():
        flash(_("The calendar link was not changed: please try again."), "error")
        return redirect(url_for("profile.index"))
    user = current_user._get_current_object()  # the audit trail names the model, not the proxy
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
    form = CalendarLinkForm()
    if not form.validate_on_submit():
        flash(_("The calendar link was not changed: please try again."), "error")
        return redirect(url_for("profile.index"))
    user = current_user._get_current_object()
    if services.revoke_calendar_token(user, user):
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
