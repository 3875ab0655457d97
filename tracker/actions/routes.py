"""Pages for listing actions, planning them and recording their progress."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from tracker import clock
from tracker.actions import queries, rules, services
from tracker.actions.forms import ActionForm, update_form
from tracker.actions.page import action_or_404, render_action
from tracker.actions.urgency import group_by_urgency
from tracker.args import page_number
from tracker.evidence.storage import EvidenceRefused
from tracker.extensions import db
from tracker.forms import add_error
from tracker.models import Action, Institution, Recommendation, Status, User
from tracker.permissions import can_manage, can_update_action, manager_required
from tracker.views import attempt, done, form_status

bp = Blueprint("actions", __name__)


def _planning_form(action: Action | None = None) -> ActionForm:
    form = ActionForm(obj=action) if action is not None and request.method == "GET" \
        else ActionForm()
    if action is not None and request.method == "GET":
        form.version.data = action.version
    form.set_choices(
        db.session.scalars(select(User).where(rules.eligible_owners()).order_by(User.name)),
        db.session.scalars(select(Institution).where(Institution.active)
                           .order_by(Institution.name)).all())
    return form


@bp.get("/actions")
@login_required
def index():
    """List actions with filters, search and sort kept in the URL."""
    filters = queries.ActionFilters.from_args(request.args)
    page = page_number(request.args.get("page"))
    today = clock.today()
    pagination = queries.list_actions(filters, today, page, current_app.config["PER_PAGE"],
                                      count_limit=current_app.config["ACTION_LIST_COUNT_LIMIT"],
                                      load=queries.load_rows)
    return render_template("actions/index.html", pagination=pagination, filters=filters,
                           today=today, choices=queries.filter_choices(filters))


@bp.get("/my-actions")
@login_required
def mine():
    """Show the user's own actions first, then those of their institution."""
    own, institution = queries.my_actions(current_user)
    today = clock.today()
    return render_template("actions/mine.html", own=group_by_urgency(own, today),
                           institution=group_by_urgency(institution, today), today=today)


@bp.get("/actions/<id:action_id>")
@login_required
def show(action_id: int):
    """Show an action, its history and evidence, and the forms the user may use."""
    return render_action(action_or_404(action_id))


@bp.post("/actions/<id:action_id>/update")
@login_required
def update(action_id: int):
    """Record a status and progress update, with evidence files, links and indicator values."""
    action = db.get_or_404(Action, action_id)
    if not can_update_action(current_user, action):
        abort(403)
    indicators = queries.action_indicators(action.id)
    form = update_form(indicators, clock.today())
    if not form.validate_on_submit():
        return render_action(action_or_404(action_id), form=form, status_code=422,
                             indicators=indicators)
    try:
        change = form.change()
    except EvidenceRefused as exc:
        add_error(form.files, str(exc))
        return render_action(action_or_404(action_id), form=form, status_code=422,
                             indicators=indicators)
    result = attempt(lambda: services.record_update(current_user, action,
                                                    form.expected_version, change), form)
    if not result.ok:
        action = action_or_404(action_id)
        form.version.data = action.version  # a deliberate second save applies to the latest
        return render_action(action, form=form, status_code=result.status)
    if action.status == Status.PENDING_VALIDATION and not can_manage(current_user):
        return done(_("Update recorded. The action now waits for a coordinator's validation."),
                    url_for("actions.show", action_id=action.id))
    if action.status == Status.PENDING_CANCELLATION and not can_manage(current_user):
        return done(_("Cancellation proposed. A coordinator will accept or refuse it."),
                    url_for("actions.show", action_id=action.id))
    return done(_("Update recorded."), url_for("actions.show", action_id=action.id))


@bp.route("/recommendations/<id:recommendation_id>/actions/new", methods=["GET", "POST"])
@manager_required
def create(recommendation_id: int):
    """Add an action to a recommendation."""
    recommendation = db.get_or_404(Recommendation, recommendation_id)
    form = _planning_form()
    result = None
    if form.validate_on_submit():
        result = attempt(lambda: services.create_action(current_user, recommendation,
                                                        **form.values()), form, "deadline")
        if result.ok:
            return done(_("Action created."), url_for("actions.show", action_id=result.value.id))
    return render_template("actions/form.html", form=form, recommendation=recommendation,
                           action=None), form_status(form, result)


@bp.route("/actions/<id:action_id>/edit", methods=["GET", "POST"])
@manager_required
def edit(action_id: int):
    """Change an action's title, owner, institutions or dates."""
    action = db.get_or_404(Action, action_id)
    form = _planning_form(action)
    result = None
    if form.validate_on_submit():
        result = attempt(lambda: services.edit_action(current_user, action,
                                                      form.expected_version, form.values()),
                         form, "deadline")
        if result.ok:
            return done(_("Action saved."), url_for("actions.show", action_id=action.id))
    return render_template("actions/form.html", form=form, recommendation=action.recommendation,
                           action=action), form_status(form, result)
