"""Pages for listing actions, planning them and recording their progress."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from tracker import clock
from tracker.actions import queries, services
from tracker.actions.forms import ActionForm
from tracker.args import page_number
from tracker.evidence import services as evidence_services
from tracker.evidence import storage
from tracker.extensions import db
from tracker.forms import add_error
from tracker.indicators import forms as indicator_forms
from tracker.indicators import queries as indicator_queries
from tracker.indicators import services as indicator_services
from tracker.models import (
    Action,
    Institution,
    OutboxMessage,
    Recommendation,
    Role,
    Status,
    User,
)
from tracker.permissions import can_manage, can_update_action, manager_required

bp = Blueprint("actions", __name__)


def _planning_choices(form: ActionForm) -> None:
    users = db.session.scalars(
        select(User).where(User.active, User.role != Role.VIEWER).order_by(User.name)
    ).all()
    institutions = db.session.scalars(
        select(Institution).where(Institution.active).order_by(Institution.name)
    ).all()
    form.owner.set_objects(users, label=lambda u: f"{u.name} <{u.email}>")
    form.lead_institution.set_objects(institutions)
    form.contributors.set_objects(institutions)


def _planning_values(form: ActionForm) -> dict:
    return {
        "title": form.title.data.strip(),
        "description": (form.description.data or "").strip(),
        "owner": form.owner.selected,
        "lead_institution": form.lead_institution.selected,
        "contributors": form.contributors.selected,
        "start_date": form.start_date.data,
        "deadline": form.deadline.data,
        "report_every_weeks": form.report_every_weeks.data,
    }


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
    return render_template("actions/mine.html", own=own, institution=institution,
                           today=clock.today())


@bp.get("/actions/<id:action_id>")
@login_required
def show(action_id: int):
    """Show an action, its history and evidence, and the forms the user may use."""
    return render_action(page_action_or_404(action_id))


def page_action_or_404(action_id: int) -> Action:
    """Return the action with all its page shows (`queries.action_for_page`), or abort 404."""
    action = queries.action_for_page(action_id)
    if action is None:
        abort(404)
    return action


def render_action(action: Action, status_code: int = 200, indicators: list | None = None,
                  **forms):
    """Render an action's page; `forms` carries submitted forms to show with their errors.

    Each form the user may use and that was not submitted is built fresh from the action.
    `indicators` are the action's, when the caller has already read them.
    """
    from tracker.review.forms import ExtensionDecisionForm, ExtensionRequestForm, ReviewForm
    from tracker.review.services import pending_extension

    may_update = can_update_action(current_user, action)
    manages = can_manage(current_user)
    pending = pending_extension(action)
    today = clock.today()
    if indicators is None:
        indicators = indicator_queries.action_indicators(action.id)
    if may_update and "form" not in forms:
        forms["form"] = indicator_forms.update_form(indicators, today, formdata=None, data={
            "status": action.status.value if action.status != Status.PENDING_VALIDATION
            else Status.COMPLETED.value,
            "progress": action.progress, "version": action.version})
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
    return render_template(
        "actions/show.html", action=action, today=today, can_manage=manages,
        pending_extension=pending, reminders=reminders,
        indicator_panels=indicator_queries.panels(indicators, today), **forms,
    ), status_code


@bp.post("/actions/<id:action_id>/update")
@login_required
def update(action_id: int):
    """Record a status and progress update, with evidence files, links and indicator values."""
    action = db.get_or_404(Action, action_id)
    if not can_update_action(current_user, action):
        abort(403)
    indicators = indicator_queries.action_indicators(action.id)
    form = indicator_forms.update_form(indicators, clock.today())
    if not form.validate_on_submit():
        return render_action(page_action_or_404(action_id), form=form, status_code=422,
                             indicators=indicators)
    try:
        checked = [storage.check(upload) for upload in form.uploads]
    except storage.EvidenceRefused as exc:
        add_error(form.files, str(exc))
        return render_action(page_action_or_404(action_id), form=form, status_code=422,
                             indicators=indicators)
    links = form.link_list
    written: list[str] = []
    try:
        entry = indicator_services.record_update(
            current_user, action, form.expected_version,
            status=Status(form.status.data), progress=form.progress.data,
            comment=form.comment.data or "", has_evidence=bool(checked or links),
            readings=form.readings, today=clock.today(),
        )
        written = evidence_services.attach(entry, checked, links)
        db.session.commit()
    except services.StaleVersion:
        db.session.rollback()
        flash(_("Someone else updated this action while you were editing it. Your changes "
                "were not saved: check the latest state below and try again."), "error")
        action = page_action_or_404(action_id)
        form.version.data = action.version  # a deliberate second save applies to the latest
        return render_action(action, form=form, status_code=409)
    except (services.InvalidChange, storage.EvidenceRefused) as exc:
        db.session.rollback()
        field = form.files if isinstance(exc, storage.EvidenceRefused) else form.status
        add_error(field, str(exc))
        return render_action(page_action_or_404(action_id), form=form, status_code=422)
    except Exception:
        db.session.rollback()
        storage.remove(written)
        raise
    if action.status == Status.PENDING_VALIDATION and not can_manage(current_user):
        flash(_("Update recorded. The action now waits for a coordinator's validation."),
              "success")
    else:
        flash(_("Update recorded."), "success")
    return redirect(url_for("actions.show", action_id=action.id))


@bp.route("/recommendations/<id:recommendation_id>/actions/new", methods=["GET", "POST"])
@manager_required
def create(recommendation_id: int):
    """Add an action to a recommendation."""
    recommendation = db.get_or_404(Recommendation, recommendation_id)
    form = ActionForm()
    _planning_choices(form)
    if form.validate_on_submit():
        try:
            action = services.create_action(current_user, recommendation,
                                            **_planning_values(form))
        except services.InvalidChange as exc:
            db.session.rollback()
            add_error(form.deadline, str(exc))
        else:
            db.session.commit()
            flash(_("Action created."), "success")
            return redirect(url_for("actions.show", action_id=action.id))
    status = 422 if form.errors else 200
    return render_template("actions/form.html", form=form, recommendation=recommendation,
                           action=None), status


@bp.route("/actions/<id:action_id>/edit", methods=["GET", "POST"])
@manager_required
def edit(action_id: int):
    """Change an action's title, owner, institutions or dates."""
    action = db.get_or_404(Action, action_id)
    form = ActionForm(obj=action) if request.method == "GET" else ActionForm()
    if request.method == "GET":
        form.version.data = action.version
    _planning_choices(form)
    if form.validate_on_submit():
        try:
            services.edit_action(current_user, action, form.expected_version,
                                 _planning_values(form))
        except services.StaleVersion:
            db.session.rollback()
            flash(_("Someone else changed this action while you were editing it. Your changes "
                    "were not saved: reload the page to see the latest version."), "error")
            return render_template("actions/form.html", form=form,
                                   recommendation=action.recommendation, action=action), 409
        except services.InvalidChange as exc:
            db.session.rollback()
            add_error(form.deadline, str(exc))
        else:
            db.session.commit()
            flash(_("Action saved."), "success")
            return redirect(url_for("actions.show", action_id=action.id))
    status = 422 if form.errors else 200
    return render_template("actions/form.html", form=form, recommendation=action.recommendation,
                           action=action), status
