"""Pages for listing actions, planning them and recording their progress."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from flask import Blueprint, abort, current_app, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from werkzeug.datastructures import MultiDict

from tracker import clock
from tracker.actions import bulk, queries, rules, saved, services
from tracker.actions.forms import (
    ActionForm,
    BulkApplyForm,
    BulkForm,
    BulkStartForm,
    SaveViewForm,
    update_form,
    versions_text,
)
from tracker.actions.page import action_or_404, render_action
from tracker.actions.table import table_lines
from tracker.actions.urgency import group_by_urgency
from tracker.args import page_number
from tracker.domain import DomainError
from tracker.evidence.storage import EvidenceRefused
from tracker.extensions import db
from tracker.forms import add_error
from tracker.models import Action, Institution, Recommendation, SavedView, Status, User
from tracker.permissions import can_manage, can_update_action, manager_required
from tracker.views import attempt, done, form_status

bp = Blueprint("actions", __name__)
bp.add_app_template_global(table_lines, "action_lines")


def _planning_form(action: Action | None = None) -> ActionForm:
    form = ActionForm(obj=action) if action is not None and request.method == "GET" \
        else ActionForm()
    if action is not None and request.method == "GET":
        form.version.data = action.version
    form.set_choices(_owners(), _institutions())
    return form


def _owners() -> list[User]:
    return list(db.session.scalars(
        select(User).options(joinedload(User.institution))
        .where(rules.eligible_owners()).order_by(User.name, User.id)))


def _institutions() -> list[Institution]:
    return list(db.session.scalars(
        select(Institution).where(Institution.active).order_by(Institution.name)))


def _list_page(filters: queries.ActionFilters, save_form: SaveViewForm | None = None,
               status: int = 200):
    page = page_number(request.args.get("page"))
    today = clock.today()
    pagination = queries.list_actions(filters, today, page, current_app.config["PER_PAGE"],
                                      count_limit=current_app.config["ACTION_LIST_COUNT_LIMIT"],
                                      load=queries.load_rows)
    manages = can_manage(current_user)
    query = urlencode(filters.to_args())
    bulk_form = save_form_ = None
    if manages:  # coordinators change the listed actions at once and save the list
        # Only the operation is chosen here; its value (a new owner among a thousand
        # people, an institution, a date) is asked on the next page: written into every
        # list page, those fields took 8 ms of its 14 ms of CPU (bench/cpu.py).
        bulk_form = BulkStartForm(formdata=None, filters=query)
        save_form_ = save_form or SaveViewForm(formdata=None, filters=query)
    return render_template("actions/index.html", pagination=pagination, filters=filters,
                           today=today, choices=queries.filter_choices(filters),
                           bulk_form=bulk_form, save_form=save_form_,
                           saved_views=saved.views_for(current_user)), status


@bp.get("/actions")
@login_required
def index():
    """List actions with filters, search and sort kept in the URL."""
    return _list_page(queries.ActionFilters.from_args(request.args))


@bp.post("/actions/views")
@manager_required
def save_view():
    """Save the filtered list under a name, for oneself or for all coordinators."""
    form = SaveViewForm()
    filters = queries.ActionFilters.from_args(MultiDict(parse_qsl(form.filters.data or "")))
    result = None
    if form.validate_on_submit():
        result = attempt(lambda: saved.save_view(current_user, form.name.data,
                                                 form.filters.data or "", form.shared.data),
                         form, "name")
        if result.ok:
            return done(_("View saved."), url_for("actions.index", **filters.to_args()))
    return _list_page(filters, save_form=form, status=form_status(form, result))


@bp.post("/actions/views/<id:view_id>/delete")
@manager_required
def delete_view(view_id: int):
    """Delete one of one's own saved views."""
    view = db.get_or_404(SavedView, view_id)
    if view.owner_id != current_user.id:
        abort(403)
    result = attempt(lambda: saved.delete_view(current_user, view))
    if not result.ok:
        abort(result.status)
    return done(_("View deleted."), url_for("actions.index"))


def _batch_ids(form: BulkForm) -> list[int]:
    """Return the ids of the actions a bulk form names: those ticked, or all matching."""
    if not form.all_matching.data:
        return form.ids.data or []
    matching = form.list_filters().apply(select(Action.id), clock.today())
    return list(db.session.scalars(matching.limit(bulk.MAX_BATCH + 1)))


def _preview(form: BulkForm, ids: list[int], status: int = 200):
    outcome = None
    if not form.errors:
        try:
            outcome = bulk.plan(current_user, form.change(), bulk.load_batch(ids))
        except DomainError as error:
            add_error(form[error.field] if error.field in form else form.operation, str(error))
    back = url_for("actions.index", **form.list_filters().to_args())
    return render_template("actions/bulk_preview.html", form=form, plan=outcome, back=back,
                           versions=versions_text(outcome.versions) if outcome else ""), \
        (422 if form.errors else status)


@bp.post("/actions/bulk")
@manager_required
def bulk_preview():
    """Show what a change of the selected actions would do, action by action."""
    form = BulkForm()
    form.set_choices(_owners(), _institutions())
    ids: list[int] = []
    if form.validate_on_submit():
        ids = _batch_ids(form)
        if not ids:
            add_error(form.ids, _("Select at least one action."))
        elif form.value_missing():
            return render_template("actions/bulk_value.html", form=form, count=len(ids),
                                   value=form.value_field(),
                                   back=url_for("actions.index",
                                                **form.list_filters().to_args()))
    return _preview(form, ids)


@bp.post("/actions/bulk/apply")
@manager_required
def bulk_apply():
    """Apply a previewed change to all its actions, or to none."""
    form = BulkApplyForm()
    form.set_choices(_owners(), _institutions())
    if not form.validate_on_submit():
        return _preview(form, [])
    versions = form.version_map
    result = attempt(lambda: bulk.apply(current_user, form.change(), versions))
    if result.ok:
        return done(ngettext("%(num)d action changed.", "%(num)d actions changed.",
                             len(result.value)),
                    url_for("actions.index", **form.list_filters().to_args()))
    return _preview(form, list(versions), status=result.status)


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
