"""Pages for defining indicators and recording the values of a recommendation's indicators.

An action's indicators are shown on the action's page and measured through its update
form (tracker.actions.routes); a recommendation's indicators are shown on its page and
measured here, by coordinators and by the focal points who may update one of its actions.
"""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from tracker import clock
from tracker.actions.page import add_section
from tracker.extensions import db
from tracker.indicators import charts, queries, services
from tracker.indicators.forms import IndicatorForm, MeasurementForm
from tracker.models import Action, Indicator, Recommendation
from tracker.permissions import manager_required
from tracker.templating import medium_date
from tracker.views import Attempt, attempt, done, form_status

bp = Blueprint("indicators", __name__)


@bp.record_once
def _show_on_action_pages(state) -> None:
    add_section(state.app, lambda action, indicators, today: {
        "indicator_panels": queries.panels(indicators, today)})


@bp.app_template_filter("indicator_number")
def indicator_number(value: float | None, unit: str = "") -> str:
    """Write an indicator's value in the reader's language, with its unit."""
    return charts.display_number(value, unit)


@bp.app_template_filter("indicator_date")
def indicator_date(value: str | None) -> str:
    """Write a date kept as ISO text in a history row in the reader's language."""
    try:
        return medium_date(date.fromisoformat(value)) if value else "—"
    except (TypeError, ValueError):
        return str(value)


@bp.app_template_global()
def indicator_state_label(state: str) -> str:
    """Name an indicator's state (on track, off track, no recent data) to the reader."""
    return str(queries.STATE_LABELS[state])


def _owner_url(indicator: Indicator | None = None, action: Action | None = None,
               recommendation: Recommendation | None = None) -> str:
    """Return the page that shows the indicator, at its indicators section."""
    if indicator is not None:
        action, recommendation = indicator.action, indicator.recommendation
    if action is not None:
        return url_for("actions.show", action_id=action.id, _anchor="indicators")
    return url_for("events.show_recommendation", recommendation_id=recommendation.id,
                   _anchor="indicators")


def _form_page(form: IndicatorForm, *, indicator: Indicator | None = None,
               action: Action | None = None, recommendation: Recommendation | None = None,
               result: Attempt | None = None):
    if indicator is not None:
        action, recommendation = indicator.action, indicator.recommendation
    return render_template(
        "indicators/form.html", form=form, indicator=indicator, action=action,
        recommendation=recommendation, back=_owner_url(indicator, action, recommendation),
    ), form_status(form, result)


def _add(form: IndicatorForm, **owner):
    """Create the indicator the submitted form describes; return the response."""
    if form.validate_on_submit():
        if attempt(lambda: services.add_indicator(current_user, form.values(), **owner),
                   form, "target_date").ok:
            return done(_("Indicator added."), _owner_url(**owner))
    return _form_page(form, **owner)


@bp.route("/actions/<id:action_id>/indicators/new", methods=["GET", "POST"])
@manager_required
def add_to_action(action_id: int):
    """Give an action an indicator, with its baseline and target."""
    action = db.get_or_404(Action, action_id)
    return _add(IndicatorForm(), action=action)


@bp.route("/recommendations/<id:recommendation_id>/indicators/new", methods=["GET", "POST"])
@manager_required
def add_to_recommendation(recommendation_id: int):
    """Give a recommendation an indicator, with its baseline and target."""
    recommendation = db.get_or_404(Recommendation, recommendation_id)
    return _add(IndicatorForm(), recommendation=recommendation)


@bp.route("/indicators/<id:indicator_id>/edit", methods=["GET", "POST"])
@manager_required
def edit(indicator_id: int):
    """Change an indicator's name, unit, baseline, target, source or disaggregation."""
    indicator = db.get_or_404(Indicator, indicator_id)
    form = IndicatorForm(obj=indicator)
    result = None
    if form.validate_on_submit():
        result = attempt(lambda: services.update_indicator(
            current_user, indicator, form.expected_version, form.values()), form, "target_date")
        if result.ok:
            return done(_("Indicator saved."), _owner_url(indicator))
        if isinstance(result.error, services.StaleIndicator):
            form = IndicatorForm(formdata=None, obj=indicator)  # the latest version
    return _form_page(form, indicator=indicator, result=result)


@bp.post("/indicators/<id:indicator_id>/delete")
@manager_required
def delete(indicator_id: int):
    """Remove an indicator and its values (the history keeps what they were)."""
    indicator = db.get_or_404(Indicator, indicator_id)
    back = _owner_url(indicator)
    services.remove_indicator(current_user, indicator)
    db.session.commit()
    flash(_("Indicator removed."), "success")
    return redirect(back)


@bp.route("/indicators/<id:indicator_id>/measurements/new", methods=["GET", "POST"])
@login_required
def record(indicator_id: int):
    """Record a value of a recommendation's indicator, and list the values recorded."""
    indicator = db.get_or_404(Indicator, indicator_id)
    if not services.can_measure(current_user, indicator):
        abort(403)
    if indicator.action is not None:  # measured through the action's update form
        return redirect(url_for("actions.show", action_id=indicator.action_id,
                                _anchor="update-heading"), 303)
    today = clock.today()
    form = MeasurementForm(indicator, today)
    if form.validate_on_submit():
        if attempt(lambda: services.record_measurement(
                current_user, indicator, form.value.data, form.measured_on.data,
                form.comment.data or "", today), form, "value").ok:
            return done(_("Value recorded."), _owner_url(indicator))
    return render_template(
        "indicators/record.html", form=form, indicator=indicator,
        panel=queries.panels([indicator], today)[0],
        history=queries.measurement_history(indicator), back=_owner_url(indicator),
    ), 422 if form.errors else 200
