"""Pages that import an event's recommendations from its report."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, url_for
from flask_babel import ngettext
from flask_login import current_user

from tracker.extensions import db
from tracker.forms import add_error
from tracker.importing import readers, services
from tracker.importing.forms import ImportForm, ReviewForm
from tracker.models import Event
from tracker.permissions import manager_required
from tracker.views import attempt, done

bp = Blueprint("importing", __name__)


def _review_form(**kwargs) -> ReviewForm:
    themes, objectives = services.choices()
    return ReviewForm(themes=themes, objectives=objectives, **kwargs)


@bp.route("/events/<id:event_id>/import", methods=["GET", "POST"])
@manager_required
def upload(event_id: int):
    """Read a pasted or uploaded report and show the recommendation drafts found in it."""
    event = db.get_or_404(Event, event_id)
    form = ImportForm()
    status = 200
    if form.validate_on_submit():
        try:
            drafts, text = services.drafts_from(
                form.text.data, form.upload,
                current_app.config["IMPORT_MAX_BYTES"])
        except (readers.ReportUnreadable, services.ImportRefused) as exc:
            field = form.file if form.upload is not None else form.text
            add_error(field, str(exc))
            status = 413 if isinstance(exc, readers.ReportTooLarge) else 422
        else:
            review = _review_form(formdata=None,
                                  data=services.review_values(event, drafts, text))
            return render_template("importing/review.html", form=review, event=event)
    elif form.errors:
        status = 422
    return render_template("importing/upload.html", form=form, event=event), status


@bp.post("/events/<id:event_id>/import/accept")
@manager_required
def accept(event_id: int):
    """Create the accepted drafts as the event's recommendations, in one transaction."""
    event = db.get_or_404(Event, event_id)
    form = _review_form()
    if form.validate_on_submit():
        result = attempt(lambda: services.accept_drafts(current_user, event, form.rows(),
                                                        form.language.data))
        if result.ok:
            return done(ngettext("%(num)d recommendation imported.",
                                 "%(num)d recommendations imported.", len(result.value)),
                        url_for("events.show", event_id=event.id))
    return render_template("importing/review.html", form=form, event=event), 422
