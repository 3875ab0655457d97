"""Pages for events and their recommendations."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from tracker import clock
from tracker.actions import queries, rules
from tracker.args import page_number
from tracker.events import queries as event_queries
from tracker.events import services
from tracker.events.forms import EventForm, RecommendationForm
from tracker.extensions import db
from tracker.indicators import queries as indicator_queries
from tracker.indicators import services as indicator_services
from tracker.models import Action, Event, GcmObjective, Priority, Recommendation, Theme
from tracker.permissions import can_manage, manager_required
from tracker.views import attempt, done, form_status

bp = Blueprint("events", __name__)

EVENT_FIELDS = ("title", "date", "place", "organisers", "source_url", "description",
                "report_every_weeks")


def _event_values(form: EventForm) -> dict:
    values = {name: getattr(form, name).data for name in EVENT_FIELDS}
    for name in ("title", "place", "organisers", "source_url", "description"):
        values[name] = (values[name] or "").strip()
    return values


def _recommendation_choices(form: RecommendationForm) -> None:
    themes = db.session.scalars(select(Theme).where(Theme.active).order_by(Theme.id)).all()
    form.theme.set_objects(themes, label=lambda t: t.label)
    objectives = db.session.scalars(select(GcmObjective).order_by(GcmObjective.number)).all()
    form.gcm_objectives.set_objects(objectives, label=lambda o: o.label)


def _recommendation_form(recommendation: Recommendation, shown: bool) -> RecommendationForm:
    """Return the edit form of `recommendation`: as stored when `shown`, else as submitted."""
    form = RecommendationForm(formdata=None, obj=recommendation) if shown \
        else RecommendationForm(obj=recommendation)
    if shown:
        form.priority.data = recommendation.priority.value
    _recommendation_choices(form)
    return form


def _recommendation_values(form: RecommendationForm) -> dict:
    return {
        "number": form.number.data.strip(),
        "title": form.title.data.strip(),
        "text": (form.text.data or "").strip(),
        "theme": form.theme.selected,
        "gcm_objectives": form.gcm_objectives.selected,
        "priority": Priority(form.priority.data),
        "language": form.language.data,
    }


@bp.get("/events")
@login_required
def index():
    """List events, latest first, a page at a time, with their recommendations and actions."""
    page = page_number(request.args.get("page"))
    result = event_queries.list_events(page, current_app.config["PER_PAGE"])
    return render_template("events/index.html", pagination=result,
                           can_manage=can_manage(current_user))


@bp.get("/recommendations")
@login_required
def recommendations():
    """List recommendations across events with their progress, filtered and sorted by URL."""
    filters = event_queries.RecommendationFilters.from_args(request.args)
    page = page_number(request.args.get("page"))
    result = event_queries.list_recommendations(filters, clock.today(), page,
                                                current_app.config["PER_PAGE"])
    return render_template("events/recommendations.html", pagination=result, filters=filters,
                           choices=queries.filter_choices(filters.actions))


@bp.route("/events/new", methods=["GET", "POST"])
@manager_required
def create():
    """Create an event."""
    form = EventForm()
    if form.validate_on_submit():
        event = services.create_event(current_user, **_event_values(form))
        db.session.commit()
        flash(_("Event created. Now add its recommendations."), "success")
        return redirect(url_for("events.show", event_id=event.id))
    return render_template("events/form.html", form=form, event=None), 422 if form.errors else 200


@bp.get("/events/<id:event_id>")
@login_required
def show(event_id: int):
    """Show an event with its recommendations, their progress and their actions."""
    event = db.get_or_404(Event, event_id)
    recommendations = db.session.scalars(
        select(Recommendation).where(Recommendation.event_id == event.id,
                                     Recommendation.archived_at.is_(None))
        .options(selectinload(Recommendation.theme),
                 selectinload(Recommendation.gcm_objectives),
                 selectinload(Recommendation.actions.and_(Action.archived_at.is_(None)))
                 .options(selectinload(Action.owner), selectinload(Action.lead_institution)))
        .order_by(Recommendation.position, Recommendation.id)
    ).all()
    progress = queries.recommendation_progress([r.id for r in recommendations])
    return render_template("events/show.html", event=event, recommendations=recommendations,
                           progress=progress, today=clock.today(),
                           can_manage=can_manage(current_user))


@bp.route("/events/<id:event_id>/edit", methods=["GET", "POST"])
@manager_required
def edit(event_id: int):
    """Change an event's details."""
    event = db.get_or_404(Event, event_id)
    form = EventForm(obj=event)
    result = None
    if form.validate_on_submit():
        result = attempt(lambda: services.update_event(
            current_user, event, form.expected_version, _event_values(form)), form)
        if result.ok:
            return done(_("Event saved."), url_for("events.show", event_id=event.id))
        if isinstance(result.error, services.StaleEvent):
            form = EventForm(formdata=None, obj=event)  # the latest version, to edit again
    return render_template("events/form.html", form=form, event=event), \
        form_status(form, result)


@bp.route("/events/<id:event_id>/recommendations/new", methods=["GET", "POST"])
@manager_required
def create_recommendation(event_id: int):
    """Add a recommendation to an event."""
    event = db.get_or_404(Event, event_id)
    form = RecommendationForm()
    if request.method == "GET":
        form.number.data = rules.next_recommendation_numbers(event.id)[0]
        form.priority.data = Priority.MEDIUM.value
        form.language.data = "fr"
    _recommendation_choices(form)
    result = None
    if form.validate_on_submit():
        result = attempt(lambda: services.create_recommendation(
            current_user, event, **_recommendation_values(form)), form, "number")
        if result.ok:
            return done(_("Recommendation added. Now break it into actions."),
                        url_for("events.show_recommendation", recommendation_id=result.value.id))
    return render_template("events/recommendation_form.html", form=form, event=event,
                           recommendation=None), form_status(form, result)


@bp.get("/recommendations/<id:recommendation_id>")
@login_required
def show_recommendation(recommendation_id: int):
    """Show a recommendation, its derived progress and its actions."""
    recommendation = db.get_or_404(Recommendation, recommendation_id)
    actions = queries.recommendation_actions(recommendation.id)
    progress = queries.recommendation_progress([recommendation.id]).get(recommendation.id)
    today = clock.today()
    indicators = indicator_queries.recommendation_indicators(recommendation.id)
    return render_template(
        "events/recommendation.html", recommendation=recommendation, actions=actions,
        progress=progress, today=today, can_manage=can_manage(current_user),
        indicator_panels=indicator_queries.panels(indicators, today),
        may_record=bool(indicators) and indicator_services.can_measure(current_user,
                                                                       indicators[0]))


@bp.route("/recommendations/<id:recommendation_id>/edit", methods=["GET", "POST"])
@manager_required
def edit_recommendation(recommendation_id: int):
    """Change a recommendation's text or classification."""
    recommendation = db.get_or_404(Recommendation, recommendation_id)
    form = _recommendation_form(recommendation, request.method == "GET")
    result = None
    if form.validate_on_submit():
        result = attempt(lambda: services.update_recommendation(
            current_user, recommendation, form.expected_version,
            _recommendation_values(form)), form, "number")
        if result.ok:
            return done(_("Recommendation saved."), url_for("events.show_recommendation",
                                                            recommendation_id=recommendation.id))
        if isinstance(result.error, services.StaleRecommendation):
            form = _recommendation_form(recommendation, shown=True)  # the latest version
    return render_template("events/recommendation_form.html", form=form,
                           event=recommendation.event, recommendation=recommendation), \
        form_status(form, result)
