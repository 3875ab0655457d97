"""The action's page: what it shows and which forms the reader may use.

Other features add sections to it without `tracker.actions` importing them: a section is
a function `(action, indicators, today) -> template values`, added with `add_section`
when the feature's blueprint is registered (the indicators add their panels).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from flask import Flask, abort, current_app, render_template
from flask_login import current_user
from sqlalchemy import select

from tracker import clock
from tracker.actions import queries
from tracker.actions.forms import (
    ExtensionDecisionForm,
    ExtensionRequestForm,
    ReviewForm,
    update_form,
)
from tracker.actions.review import pending_extension
from tracker.extensions import db
from tracker.models import Action, Indicator, OutboxMessage, Status
from tracker.permissions import can_manage, can_update_action

Section = Callable[[Action, list[Indicator], date], dict[str, Any]]
SECTIONS = "tracker.action_page_sections"


def add_section(app: Flask, section: Section) -> None:
    """Show what `section` returns on every action page of `app`."""
    app.extensions.setdefault(SECTIONS, []).append(section)


def action_or_404(action_id: int) -> Action:
    """Return the action with all its page shows (`queries.action_for_page`), or abort 404."""
    action = queries.action_for_page(action_id)
    if action is None:
        abort(404)
    return action


def fresh_update_form(action: Action, indicators: list[Indicator], today: date):
    """Return the update form as the page first shows it, from the action's current state."""
    # The update form offers what a focal point asks for, not the status it waits in.
    shown = {Status.PENDING_VALIDATION: Status.COMPLETED,
             Status.PENDING_CANCELLATION: Status.CANCELLED}.get(action.status, action.status)
    return update_form(indicators, today, formdata=None, data={
        "status": shown.value, "progress": action.progress, "version": action.version})


def render_action(action: Action, status_code: int = 200,
                  indicators: list[Indicator] | None = None, **forms: Any):
    """Render an action's page; `forms` carries submitted forms to show with their errors.

    Each form the user may use and that was not submitted is built fresh from the action.
    `indicators` are the action's, when the caller has already read them.
    """
    may_update = can_update_action(current_user, action)
    manages = can_manage(current_user)
    pending = pending_extension(action)
    today = clock.today()
    if indicators is None:
        indicators = queries.action_indicators(action.id)
    if may_update and "form" not in forms:
        forms["form"] = fresh_update_form(action, indicators, today)
    if may_update and pending is None and not action.status.is_closed:
        forms.setdefault("extension_form", ExtensionRequestForm(formdata=None))
    if manages and action.status == Status.PENDING_VALIDATION:
        forms.setdefault("review_form", ReviewForm(formdata=None,
                                                   data={"version": action.version}))
    if manages and pending is not None:
        forms.setdefault("decision_form", ExtensionDecisionForm(formdata=None))
    reminders = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.action_id == action.id)
        .order_by(OutboxMessage.id.desc()).limit(50)).all()
    sections: dict[str, Any] = {}
    for section in current_app.extensions.get(SECTIONS, []):
        sections.update(section(action, indicators, today))
    return render_template(
        "actions/show.html", action=action, today=today, can_manage=manages,
        pending_extension=pending, reminders=reminders, **sections, **forms,
    ), status_code
