"""Administration: accounts, institutions and themes."""

from __future__ import annotations

from flask import Blueprint, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from tracker.admin import services
from tracker.admin.forms import InstitutionForm, ThemeForm, UserForm
from tracker.extensions import db
from tracker.models import Event, Institution, Role, Theme, User
from tracker.permissions import admin_required
from tracker.views import attempt, done

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _institution_choices(form: UserForm) -> None:
    institutions = db.session.scalars(select(Institution).order_by(Institution.name)).all()
    form.institution.set_objects(institutions)
    form.scope_institutions.set_objects(institutions)
    form.scope_events.set_objects(
        db.session.scalars(select(Event).order_by(Event.date.desc(), Event.id)),
        label=lambda event: event.title)


def _user_values(form: UserForm) -> dict:
    return {
        "email": form.email.data.strip().lower(),
        "name": form.name.data.strip(),
        "role": Role(form.role.data),
        "institution": form.institution.selected,
        "locale": form.locale.data or None,
        "active": form.active.data,
        "scope_events": form.scope_events.selected,
        "scope_institutions": form.scope_institutions.selected,
    }


def _save_or_show(form, save, field: str, message: str, listing: str, template: str,
                  **context):
    """Run `save` for a valid form and go back to `listing`, else show the form again."""
    if form.validate_on_submit() and attempt(save, form, field).ok:
        return done(message, url_for(listing))
    return _render_form(template, form, **context)


def _render_form(template: str, form, status_ok: int = 200, **context):
    return render_template(template, form=form, **context), 422 if form.errors else status_ok


@bp.get("/users")
@admin_required
def users():
    """List accounts."""
    rows = db.session.scalars(
        select(User).options(joinedload(User.institution)).order_by(User.name)
    ).all()
    return render_template("admin/users.html", users=rows)


@bp.route("/users/new", methods=["GET", "POST"])
@admin_required
def create_user():
    """Create an account and send it an invitation to choose its password."""
    form = UserForm()
    _institution_choices(form)
    if form.validate_on_submit():
        values = _user_values(form)
        values.pop("active")
        if attempt(lambda: services.create_user(current_user, password=form.password.data
                                                or None, invite=True, **values),
                   form, "password").ok:
            return done(_("Account created: the invitation to choose a password is on "
                          "its way to %(email)s.", email=values["email"]),
                        url_for("admin.users"))
    return _render_form("admin/user_form.html", form, user=None)


@bp.route("/users/<id:user_id>/edit", methods=["GET", "POST"])
@admin_required
def edit_user(user_id: int):
    """Change an account's role, institution, language, activation, escalation scope or
    password."""
    user = db.get_or_404(User, user_id)
    form = UserForm(obj=user)
    if request.method == "GET":
        form.role.data = user.role.value
        form.locale.data = user.locale or ""
        form.password.data = ""
    _institution_choices(form)
    if form.validate_on_submit():
        if attempt(lambda: services.update_user(current_user, user, _user_values(form),
                                                password=form.password.data or None),
                   form, "role").ok:
            return done(_("Account saved."), url_for("admin.users"))
    return _render_form("admin/user_form.html", form, user=user)


@bp.get("/institutions")
@admin_required
def institutions():
    """List institutions."""
    rows = db.session.scalars(select(Institution).order_by(Institution.name)).all()
    return render_template("admin/institutions.html", institutions=rows)


@bp.route("/institutions/new", methods=["GET", "POST"], defaults={"institution_id": None})
@bp.route("/institutions/<id:institution_id>/edit", methods=["GET", "POST"])
@admin_required
def edit_institution(institution_id: int | None):
    """Create or change an institution."""
    institution = db.get_or_404(Institution, institution_id) if institution_id else None
    form = InstitutionForm(obj=institution)
    return _save_or_show(form, lambda: services.save_institution(current_user, institution, {
        "code": form.code.data.strip().upper(), "name": form.name.data.strip(),
        "active": form.active.data, **form.translated_names()}), "code",
        _("Institution saved."), "admin.institutions", "admin/institution_form.html",
        institution=institution)


@bp.get("/themes")
@admin_required
def themes():
    """List themes."""
    rows = db.session.scalars(select(Theme).order_by(Theme.id)).all()
    return render_template("admin/themes.html", themes=rows)


@bp.route("/themes/new", methods=["GET", "POST"], defaults={"theme_id": None})
@bp.route("/themes/<id:theme_id>/edit", methods=["GET", "POST"])
@admin_required
def edit_theme(theme_id: int | None):
    """Create, rename or deactivate a theme."""
    theme = db.get_or_404(Theme, theme_id) if theme_id else None
    form = ThemeForm(obj=theme)
    return _save_or_show(form, lambda: services.save_theme(current_user, theme, {
        "name": form.name.data.strip(), "active": form.active.data,
        **form.translated_names()}), "name",
        _("Theme saved."), "admin.themes", "admin/theme_form.html", theme=theme)
