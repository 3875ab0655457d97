"""The admin page of working days: the public holidays the tracker knows, and the extra
closed days an admin adds or removes."""

from __future__ import annotations

from flask import Blueprint, render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from tracker import clock
from tracker.extensions import db
from tracker.models import ClosedDay
from tracker.permissions import admin_required
from tracker.views import attempt, done, form_status
from tracker.workdays import services
from tracker.workdays.forms import ClosedDayForm

bp = Blueprint("workdays", __name__, url_prefix="/admin/closed-days")


@bp.route("", methods=["GET", "POST"])
@admin_required
def closed_days():
    """List the closed days ahead; add one."""
    form = ClosedDayForm()
    result = None
    if form.validate_on_submit():
        result = attempt(lambda: services.add_closed_day(
            current_user, form.day.data, form.label.data.strip()), form, "day")
        if result.ok:
            return done(_("No reminder will go out on %(day)s.", day=form.day.data.isoformat()),
                        url_for("workdays.closed_days"))
    today = clock.today()
    locale = str(get_locale())
    holidays = sorted(
        (day, name) for year in (today.year, today.year + 1)
        for day, name in services.public_holidays(year, locale).items() if day >= today)
    return render_template("workdays/closed_days.html", form=form, holidays=holidays,
                           closed=services.closed_days(today)), form_status(form, result)


@bp.post("/<id:day_id>/delete")
@admin_required
def remove(day_id: int):
    """Take a day off the list of closed days."""
    closed = db.get_or_404(ClosedDay, day_id)
    day = closed.day.isoformat()
    attempt(lambda: services.remove_closed_day(current_user, closed))
    return done(_("Reminders go out on %(day)s again, if it is a working day.", day=day),
                url_for("workdays.closed_days"))
