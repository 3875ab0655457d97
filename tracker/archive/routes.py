"""Archive and restore events, recommendations and actions; delete mistakes for good.

Each operation has one endpoint with a URL per kind (`/events/<id>/archive`,
`/recommendations/<id>/archive`, `/actions/<id>/archive`), and the "Archived" page lists
what was archived, to restore it.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from tracker.archive import services
from tracker.archive.forms import ReasonForm
from tracker.extensions import db
from tracker.models import Action, Event, Recommendation
from tracker.permissions import admin_required, can_administer, can_manage, manager_required
from tracker.views import attempt, done

bp = Blueprint("archive", __name__)


def _item(event_id: int | None, recommendation_id: int | None,
          action_id: int | None) -> services.Item:
    """Return the item the URL names, or abort 404."""
    if event_id is not None:
        return db.get_or_404(Event, event_id)
    if recommendation_id is not None:
        return db.get_or_404(Recommendation, recommendation_id)
    if action_id is None:
        abort(404)
    return db.get_or_404(Action, action_id)


def item_url(item: services.Item) -> str:
    """Return the page of `item`."""
    if isinstance(item, Event):
        return url_for("events.show", event_id=item.id)
    if isinstance(item, Recommendation):
        return url_for("events.show_recommendation", recommendation_id=item.id)
    return url_for("actions.show", action_id=item.id)


def _run(operation, item: services.Item, message: str, location: str | None = None):
    """Validate the reason, run `operation(actor, item, reason)`, then go back to the item.

    A missing reason or a refusal is flashed with its status (422, or 409 when the item
    changed meanwhile) on a page that leads back to the item.
    """
    form = ReasonForm()
    back = item_url(item)
    if not form.validate_on_submit():
        flash(_("Nothing was done: give a reason."), "error")
        return render_template("archive/refused.html", back=back), 422
    result = attempt(lambda: operation(current_user, item, form.reason.data))
    if not result.ok:
        return render_template("archive/refused.html", back=back), result.status
    return done(message, location or back)


@bp.post("/events/<id:event_id>/archive")
@bp.post("/recommendations/<id:recommendation_id>/archive")
@bp.post("/actions/<id:action_id>/archive")
@manager_required
def archive(event_id: int | None = None, recommendation_id: int | None = None,
            action_id: int | None = None):
    """Archive an event, a recommendation or an action, with a reason."""
    item = _item(event_id, recommendation_id, action_id)
    return _run(services.archive, item,
                _("Archived. It no longer shows in lists, figures, reminders or public pages; "
                  "the Archived page restores it."))


@bp.post("/events/<id:event_id>/restore")
@bp.post("/recommendations/<id:recommendation_id>/restore")
@bp.post("/actions/<id:action_id>/restore")
@manager_required
def restore(event_id: int | None = None, recommendation_id: int | None = None,
            action_id: int | None = None):
    """Restore an archived event, recommendation or action, with a reason."""
    item = _item(event_id, recommendation_id, action_id)
    return _run(services.restore, item, _("Restored."))


@bp.post("/events/<id:event_id>/delete")
@bp.post("/recommendations/<id:recommendation_id>/delete")
@bp.post("/actions/<id:action_id>/delete")
@admin_required
def delete(event_id: int | None = None, recommendation_id: int | None = None,
           action_id: int | None = None):
    """Delete for good an item created by mistake (no history beyond its creation)."""
    item = _item(event_id, recommendation_id, action_id)
    if isinstance(item, Action):
        after = url_for("events.show_recommendation", recommendation_id=item.recommendation_id)
    elif isinstance(item, Recommendation):
        after = url_for("events.show", event_id=item.event_id)
    else:
        after = url_for("events.index")
    return _run(services.delete_for_good, item, _("Deleted for good."), after)


@bp.get("/archived")
@manager_required
def index():
    """List what was archived, by kind, with a form to restore each."""
    return render_template("archive/index.html", items=services.archived_items(),
                           form=ReasonForm(formdata=None), item_url=item_url,
                           can_delete=can_administer(current_user))


@bp.app_context_processor
def _panel() -> dict:
    """Give pages `archive_panel(item)`: what the archive panel of an item offers its reader."""

    def archive_panel(item: services.Item) -> dict | None:
        if not can_manage(current_user):
            return None
        kind = services.kind_of(item)
        return {
            "kind": kind, "archived": item.is_archived, "own": item.archived_at is not None,
            "archive_url": url_for("archive.archive", **{f"{kind}_id": item.id}),
            "restore_url": url_for("archive.restore", **{f"{kind}_id": item.id}),
            "delete_url": url_for("archive.delete", **{f"{kind}_id": item.id})
            if can_administer(current_user) else None,
            "form": ReasonForm(formdata=None),
        }

    return {"archive_panel": archive_panel}
