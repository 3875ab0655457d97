"""The home page, the language switch and the health check."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, session, url_for
from flask_login import current_user, login_required
from sqlalchemy import text

from tracker.admin.services import update_user
from tracker.auth.services import safe_next
from tracker.extensions import db
from tracker.main.forms import LanguageForm
from tracker.models import Role

bp = Blueprint("main", __name__)


@bp.get("/")
@login_required
def index():
    """Send focal points to their actions and everyone else to the action list."""
    if current_user.role == Role.FOCAL_POINT:
        return redirect(url_for("actions.mine"))
    return redirect(url_for("actions.index"))


@bp.post("/language")
def set_language():
    """Remember the chosen language for this browser and go back where the user was."""
    form = LanguageForm()
    if not form.validate_on_submit():
        abort(400)
    locale = form.locale.data
    session["locale"] = locale
    if current_user.is_authenticated and current_user.locale != locale:
        update_user(current_user, current_user, {"locale": locale})
        db.session.commit()
    return redirect(safe_next(form.next.data) or url_for("main.index"))


@bp.get("/ping")
def ping():
    """Answer a fixed short text without touching the database (the stack's ceiling)."""
    return "pong", 200, {"Content-Type": "text/plain; charset=utf-8"}


@bp.get("/healthz")
def health():
    """Answer 200 when the app and its database respond."""
    db.session.execute(text("SELECT 1"))
    return {"status": "ok"}
