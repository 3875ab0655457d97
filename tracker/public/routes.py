"""Public pages of events, readable without an account, and the switch that publishes them."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from tracker import clock
from tracker.extensions import db
from tracker.models import Event
from tracker.permissions import manager_required
from tracker.public import services
from tracker.public.forms import VisibilityForm

bp = Blueprint("public", __name__)


@bp.post("/events/<id:event_id>/visibility")
@manager_required
def visibility(event_id: int):
    """Make an event public or private."""
    event = db.get_or_404(Event, event_id)
    form = VisibilityForm()
    if not form.validate_on_submit():
        flash(_("The visibility was not changed: the form was incomplete."), "error")
        return redirect(url_for("events.show", event_id=event.id))
    public = form.public.data == "1"
    services.set_visibility(current_user, event, public)
    db.session.commit()
    if public:
        flash(_("The event is public: anyone with the link can see its progress."), "success")
    else:
        flash(_("The event is private again."), "success")
    return redirect(url_for("events.show", event_id=event.id))


@bp.get("/public")
def index():
    """List the public events with their progress, without personal data."""
    return render_template("public/index.html", events=services.public_events())


@bp.get("/public/events/<id:event_id>")
def event(event_id: int):
    """Show a public event's recommendations and actions: deadlines, status, progress and
    the dates of the latest news, without personal data."""
    event = db.session.get(Event, event_id)
    if event is None or not event.is_public:
        abort(404)  # a private event is indistinguishable from a missing one
    return render_template("public/event.html", event=event, today=clock.today(),
                           recommendations=services.public_recommendations(event, clock.today()))


@bp.get("/public/gcm")
def gcm():
    """Show the public events' recommendations by GCM objective, without personal data."""
    return render_template("public/gcm.html", objectives=services.public_objectives())
