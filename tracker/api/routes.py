"""The API's resources: events, recommendations, actions, and progress updates on actions.

Lists use the web lists' query code (tracker/actions/queries.py, tracker/events/queries.py);
an update goes through the same domain function as the web form
(tracker/actions/services.py: record_update), under the same rules.
"""

from __future__ import annotations

from functools import wraps
from typing import Any

import marshmallow as ma
from flask import current_app, request
from flask_babel import gettext as _
from sqlalchemy import func, select

from tracker import clock
from tracker.actions import queries as action_queries
from tracker.actions import services
from tracker.api import auth, problems
from tracker.api import queries as api_queries
from tracker.api.bodies import Blueprint
from tracker.api.problems import Problem
from tracker.api.schemas import (
    ActionArgs,
    ActionDetail,
    ActionPage,
    Computed,
    EventDetail,
    EventPage,
    PageArgs,
    RecommendationArgs,
    RecommendationDetail,
    RecommendationPage,
    UpdateIn,
    UpdateOut,
)
from tracker.args import positive_int
from tracker.bearer import digest
from tracker.domain import DomainError
from tracker.events import queries as event_queries
from tracker.extensions import db, limiter
from tracker.models import (
    Action,
    Event,
    GcmObjective,
    Institution,
    Recommendation,
    Status,
    Theme,
    User,
)
from tracker.pagination import Page
from tracker.permissions import can_update_action
from tracker.urls import external_url

bp = Blueprint("api", __name__, description="Events, recommendations and actions.")

MAX_BODY_BYTES = 64 * 1024


def _rate_key() -> str:
    token = auth.bearer_token()
    return "api-token:" + digest(token) if token else "api-address:" + (request.remote_addr or "")


# Counted per token (per address without one); the limit is read at each request.
limiter.limit(lambda: current_app.config["API_RATE_LIMIT"],
              key_func=_rate_key)(bp)


@bp.before_request
def _authenticate() -> None:
    request.max_content_length = MAX_BODY_BYTES
    auth.authenticate()


def _page(result: Page, items: list | None = None) -> Computed:
    """Return one page of a list with the links to its neighbours (and `items` instead of
    the page's own, when given)."""
    # Every query parameter is one of the schema's: the list endpoints refuse others.
    args = {k: v for k, v in request.args.items() if k != "page"}

    def link(number: int) -> str:
        # On the configured address, not the Host header, which the client chooses.
        return external_url(request.endpoint, **args, page=number)

    links = {"self": link(result.page), "first": link(1), "last": link(result.pages),
             "next": link(result.next_num) if result.has_next else None,
             "prev": link(min(result.prev_num, result.pages)) if result.has_prev else None}
    return Computed(result, links=links, **({} if items is None else {"items": items}))


def _indicators(rows) -> list[Computed]:
    """Return indicators with their latest measurement, from (indicator, value, date) rows."""
    return [Computed(indicator, latest=None if measured_on is None
                     else {"value": value, "measured_on": measured_on})
            for indicator, value, measured_on in rows]


def _action_filters(args: dict[str, Any]) -> action_queries.ActionFilters:
    """Build the web list's filters from validated query arguments.

    References that do not exist are refused (422), so a mistyped id or code never
    looks like an empty list.
    """
    errors = []
    institution_id = None
    if "institution" in args:
        value = args["institution"].strip()
        if value.isascii() and value.isdigit():
            number = positive_int(value)
            institution = db.session.get(Institution, number) if number else None
        else:
            institution = db.session.scalar(
                select(Institution).where(Institution.code == value.upper()))
        if institution is None:
            errors.append({"location": "query", "field": "institution",
                           "message": _("No institution has this id or code.")})
        else:
            institution_id = institution.id
    for name, model in (("event", Event), ("recommendation", Recommendation), ("theme", Theme),
                        ("owner", User), ("gcm", GcmObjective)):
        if name in args and not api_queries.exists(model, args[name]):
            errors.append({"location": "query", "field": name,
                           "message": _("Nothing has this id.")})
    if errors:
        raise Problem(422, _("The request is not valid: see the errors."),
                      kind=problems.VALIDATION, errors=errors)
    return action_queries.ActionFilters(
        status=Status(args["status"]) if "status" in args else None,
        institution_id=institution_id,
        event_id=args.get("event"),
        recommendation_id=args.get("recommendation"),
        theme_id=args.get("theme"),
        owner_id=args.get("owner"),
        gcm=args.get("gcm"),
        overdue=args["overdue"],
        deadline_from=args.get("deadline_from"),
        deadline_to=args.get("deadline_to"),
        q=args.get("q", "").strip(),
    )


def _get(model, key: int):
    obj = db.session.get(model, key)
    if obj is None:
        raise Problem(404, _("Nothing has this id."))
    return obj


# --- Events -----------------------------------------------------------------------------

@bp.route("/events")
@bp.arguments(PageArgs, location="query", unknown=ma.RAISE)
@bp.response(200, EventPage)
def list_events(args):
    """List events, latest first."""
    result = event_queries.list_events(args["page"], args["per_page"])
    return _page(result, [Computed(event, recommendation_count=recommendations,
                                   action_count=actions)
                          for event, recommendations, actions in result.items])


@bp.route("/events/<id:event_id>")
@bp.response(200, EventDetail)
def get_event(event_id: int):
    """Read an event, with its recommendations."""
    event = _get(Event, event_id)
    actions = db.session.scalar(
        select(func.count(Action.id)).join(Recommendation)
        .where(Recommendation.event_id == event.id)) or 0
    return Computed(event, recommendation_count=len(event.recommendations),
                    action_count=actions)


# --- Recommendations ----------------------------------------------------------------------

@bp.route("/recommendations")
@bp.arguments(RecommendationArgs, location="query", unknown=ma.RAISE)
@bp.response(200, RecommendationPage)
def list_recommendations(args):
    """List recommendations with their progress, filtered like the web list.

    Action filters (status, institution, owner, overdue, deadlines) keep the
    recommendations that have at least one matching action.
    """
    filters = event_queries.RecommendationFilters(actions=_action_filters(args),
                                                  sort=args["sort"])
    result = event_queries.list_recommendations(filters, clock.today(), args["page"],
                                                args["per_page"])
    return _page(result, [Computed(rec, progress=progress, action_count=actions,
                                   overdue_count=overdue)
                          for rec, progress, actions, overdue in result.items])


@bp.route("/recommendations/<id:recommendation_id>")
@bp.response(200, RecommendationDetail)
def get_recommendation(recommendation_id: int):
    """Read a recommendation, with its indicators and actions."""
    rec = _get(Recommendation, recommendation_id)
    today = clock.today()
    actions = action_queries.recommendation_actions(rec.id)
    progress = action_queries.recommendation_progress([rec.id]).get(rec.id)
    return Computed(rec, progress=progress, action_count=len(actions),
                    overdue_count=sum(a.is_overdue(today) for a in actions), actions=actions,
                    indicators=_indicators(
                        api_queries.indicators_with_latest(recommendation_id=rec.id)))


# --- Actions ------------------------------------------------------------------------------

@bp.route("/actions")
@bp.arguments(ActionArgs, location="query", unknown=ma.RAISE)
@bp.response(200, ActionPage)
def list_actions(args):
    """List actions, filtered and sorted like the web list.

    For instance `?institution=ONM&overdue=1`: the overdue actions ONM leads.
    """
    filters = _action_filters(args)
    filters.awaiting_news = args["awaiting_news"]
    filters.stale = args["stale"]
    filters.sort = args["sort"]
    result = action_queries.list_actions(filters, clock.today(), args["page"],
                                         args["per_page"])
    return _page(result)


@bp.route("/actions/<id:action_id>")
@bp.response(200, ActionDetail)
def get_action(action_id: int):
    """Read an action, with its indicators and its latest history."""
    action = _get(Action, action_id)
    return Computed(action,
                    indicators=_indicators(api_queries.indicators_with_latest(
                        action_id=action.id)),
                    history=api_queries.recent_history(action.id))


def _updatable_action(view):
    """Load the action, check the user may update it (403) and that the body is JSON (415).

    Runs before the body is parsed, so that a refusal does not depend on the body.
    """
    @wraps(view)
    def wrapped(*args, action_id: int, **kwargs):
        action = _get(Action, action_id)
        if not can_update_action(auth.current_api_user(), action):
            raise Problem(403, _("Only coordinators, the action's owner and focal points of "
                                 "its lead institution may update it."))
        if not request.is_json:
            raise Problem(415, _("Send the body as JSON (Content-Type: application/json)."))
        return view(*args, action=action, **kwargs)

    return wrapped


@bp.route("/actions/<id:action_id>/updates", methods=["POST"])
@_updatable_action
@bp.arguments(UpdateIn, description="The new status and progress, a comment, and the "
                                    "version of the action the update is based on.")
@bp.response(201, UpdateOut)
@bp.alt_response(403, response="FORBIDDEN")
@bp.alt_response(409, response="CONFLICT")
@bp.alt_response(415, response="UNSUPPORTED_MEDIA_TYPE")
def create_update(payload, action: Action):
    """Record a progress update on an action.

    The same rules as the web form: a focal point updates the actions they own or that
    their institution leads; a focal point's `completed` waits for a coordinator's
    validation; a stale `version` is refused with 409 and nothing is written. The update
    appears in the action's history.
    """
    user = auth.current_api_user()
    change = services.Change(status=Status(payload["status"]), progress=payload["progress"],
                             comment=payload["comment"])
    try:
        entry = services.record_update(user, action, payload["version"], change)
        db.session.commit()
    except services.StaleVersion:
        db.session.rollback()
        current = db.session.get(Action, action.id)
        raise Problem(409, _("Someone else updated this action in between: nothing was "
                             "saved. Read it again and retry with its current version."),
                      kind=problems.STALE_VERSION, current_version=current.version) from None
    except services.NotAllowed as exc:
        db.session.rollback()
        raise Problem(403, str(exc)) from None
    except DomainError as exc:
        db.session.rollback()
        raise Problem(422, str(exc), kind=problems.INVALID_CHANGE, errors=[
            {"location": "json", "field": exc.field or "status", "message": str(exc)}]) from None
    location = external_url("api.get_action", action_id=action.id)
    return {"update": entry, "action": action}, 201, {"Location": location}
