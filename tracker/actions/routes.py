"""Pages for listing actions, planning them and recording their progress."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from tracker import clock
from tracker.actions import queries, services
from tracker.actions.forms import ActionForm, UpdateForm
from tracker.extensions import db
from tracker.models import Action, Event, Institution, Recommendation, Role, Status, User
from tracker.permissions import can_update_action, manager_required

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
    }


def _int_arg(name: str) -> int | None:
    value = request.args.get(name, "")
    return int(value) if value.isdigit() else None


@bp.get("/actions")
@login_required
def index():
    """List actions with filters kept in the URL."""
    status_value = request.args.get("status", "")
    status = Status(status_value) if status_value in Status._value2member_map_ else None
    filters = queries.ActionFilters(
        status=status,
        institution_id=_int_arg("institution"),
        event_id=_int_arg("event"),
        overdue=request.args.get("overdue") == "1",
        q=request.args.get("q", "")[:200],
    )
    page = _int_arg("page") or 1
    today = clock.today()
    pagination = queries.list_actions(filters, today, page, current_app.config["PER_PAGE"])
    institutions = db.session.scalars(select(Institution).order_by(Institution.name)).all()
    events = db.session.scalars(select(Event).order_by(Event.date.desc())).all()
    return render_template(
        "actions/index.html", pagination=pagination, filters=filters, today=today,
        institutions=institutions, events=events, statuses=list(Status),
    )


@bp.get("/my-actions")
@login_required
def mine():
    """Show the user's own actions first, then those of their institution."""
    own, institution = queries.my_actions(current_user)
    return render_template("actions/mine.html", own=own, institution=institution,
                           today=clock.today())


@bp.get("/actions/<int:action_id>")
@login_required
def show(action_id: int):
    """Show an action, its history and, to those allowed, the update form."""
    action = db.get_or_404(Action, action_id)
    form = None
    if can_update_action(current_user, action):
        form = UpdateForm(data={"status": action.status.value, "progress": action.progress,
                                "version": action.version})
    return _render_show(action, form)


def _render_show(action: Action, form: UpdateForm | None, status_code: int = 200):
    return render_template(
        "actions/show.html", action=action, form=form, today=clock.today(),
        can_manage=current_user.role in (Role.ADMIN, Role.COORDINATOR),
    ), status_code


@bp.post("/actions/<int:action_id>/update")
@login_required
def update(action_id: int):
    """Record a status and progress update."""
    action = db.get_or_404(Action, action_id)
    if not can_update_action(current_user, action):
        abort(403)
    form = UpdateForm()
    if not form.validate_on_submit():
        return _render_show(action, form, 422)
    try:
        services.record_progress(
            current_user, action, form.expected_version,
            status=Status(form.status.data), progress=form.progress.data,
            comment=form.comment.data or "",
        )
    except services.StaleVersion:
        db.session.rollback()
        flash(_("Someone else updated this action while you were editing it. Your changes "
                "were not saved: check the latest state below and try again."), "error")
        action = db.get_or_404(Action, action_id)
        form.version.data = action.version  # a deliberate second save applies to the latest
        return _render_show(action, form, 409)
    except services.InvalidChange as exc:
        db.session.rollback()
        form.status.errors = [*form.status.errors, str(exc)]
        return _render_show(action, form, 422)
    db.session.commit()
    flash(_("Update recorded."), "success")
    return redirect(url_for("actions.show", action_id=action.id))


@bp.route("/recommendations/<int:recommendation_id>/actions/new", methods=["GET", "POST"])
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
            form.deadline.errors = [*form.deadline.errors, str(exc)]
        else:
            db.session.commit()
            flash(_("Action created."), "success")
            return redirect(url_for("actions.show", action_id=action.id))
    status = 422 if form.errors else 200
    return render_template("actions/form.html", form=form, recommendation=recommendation,
                           action=None), status


@bp.route("/actions/<int:action_id>/edit", methods=["GET", "POST"])
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
            form.deadline.errors = [*form.deadline.errors, str(exc)]
        else:
            db.session.commit()
            flash(_("Action saved."), "success")
            return redirect(url_for("actions.show", action_id=action.id))
    status = 422 if form.errors else 200
    return render_template("actions/form.html", form=form, recommendation=action.recommendation,
                           action=action), status
