"""Pages that import an event's recommendations from its report, keep the report, and
link recommendations that come back."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from sqlalchemy import select

from tracker.evidence import storage
from tracker.extensions import db
from tracker.forms import add_error
from tracker.importing import readers, recurring, services
from tracker.importing.forms import ImportForm, LinkForm, ReviewForm
from tracker.models import Event, Recommendation, SourceDocument
from tracker.permissions import manager_required
from tracker.views import attempt, done

bp = Blueprint("importing", __name__)


def _review_form(**kwargs) -> ReviewForm:
    themes, objectives = services.choices()
    return ReviewForm(themes=themes, objectives=objectives, **kwargs)


def _review_page(form: ReviewForm, event: Event, status: int = 200):
    document = db.session.get(SourceDocument, form.source.data) if form.source.data else None
    if document is not None and document.event_id != event.id:
        document = None
    return render_template("importing/review.html", form=form, event=event,
                           report=services.source_text(document)), status


@bp.route("/events/<id:event_id>/import", methods=["GET", "POST"])
@manager_required
def upload(event_id: int):
    """Read a pasted or uploaded report, keep it with the event, and show its drafts."""
    event = db.get_or_404(Event, event_id)
    form = ImportForm()
    status = 200
    if form.validate_on_submit():
        try:
            drafts, text, original = services.drafts_from(
                form.text.data, form.upload,
                current_app.config["IMPORT_MAX_BYTES"])
        except (readers.ReportUnreadable, services.ImportRefused) as exc:
            field = form.file if form.upload is not None else form.text
            add_error(field, str(exc))
            status = 413 if isinstance(exc, readers.ReportTooLarge) else 422
        else:
            kept = attempt(lambda: services.keep_source(current_user, event, original),
                           form, "file")
            if kept.ok:
                values = services.review_values(event, drafts, text)
                review = _review_form(formdata=None, data={**values, "source": kept.value.id})
                return _review_page(review, event)
            status = kept.status
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
    return _review_page(form, event, 422)


@bp.post("/events/<id:event_id>/import/passage")
@manager_required
def add_passage(event_id: int):
    """Show the drafts again with one more, made of a passage the importer missed."""
    event = db.get_or_404(Event, event_id)
    form = _review_form()
    if not form.validate_on_submit() or not (form.passage.data or "").strip():
        if not (form.passage.data or "").strip():
            add_error(form.passage, _("Paste or select the passage to make a draft of."))
        return _review_page(form, event, 422)
    if len(form.drafts) >= form.drafts.max_entries:
        add_error(form.passage, _("No more drafts can be added to this page."))
        return _review_page(form, event, 422)
    draft = services.draft_from_passage(form.passage.data)
    themes, objectives = services.choices()
    theme = next((t for t in themes if t.code == draft["theme"]), None)
    entry = form.drafts.append_entry({
        "accept": True, "merge": False,
        "number": services.next_free_number(event, [e.form.number.data or "" for e in form.drafts]),
        "title": draft["title"], "text": draft["text"], "theme": theme.id if theme else None,
        "gcm_objectives": draft["gcm_objectives"], "reasons": ", ".join(draft["reasons"]),
        "excerpt": draft["text"], "cues": _("selected by hand"), "confidence": "high",
        "already": "", "similar": ""})
    entry.form.theme.set_objects(themes, label=lambda t: t.label)
    entry.form.gcm_objectives.set_objects(objectives, label=lambda o: o.label)
    form.passage.data = ""
    return _review_page(form, event)


@bp.get("/events/sources/<id:document_id>")
@login_required
def download_source(document_id: int):
    """Send the report an event's recommendations were imported from."""
    document = db.get_or_404(SourceDocument, document_id)
    path = storage.path_of(document.stored_name)
    if not path.is_file():
        abort(404)
    return send_file(path, mimetype=document.content_type, as_attachment=True,
                     download_name=document.filename, max_age=0)


@bp.post("/recommendations/<id:recommendation_id>/links")
@manager_required
def link(recommendation_id: int):
    """Record that a recommendation repeats an earlier one."""
    recommendation = db.get_or_404(Recommendation, recommendation_id)
    form = LinkForm()
    if form.validate_on_submit():
        earlier = db.session.get(Recommendation, form.earlier.data)
        if earlier is None:
            add_error(form.earlier, _("There is no recommendation with this number."))
        else:
            result = attempt(lambda: recurring.link(current_user, recommendation, earlier),
                             form, "earlier")
            if result.ok:
                return done(_("The recommendations are linked."),
                            url_for("events.show_recommendation",
                                    recommendation_id=recommendation.id))
    return render_template("importing/link.html", form=form,
                           recommendation=recommendation), 422


@bp.get("/recurring")
@login_required
def recurring_list():
    """Show the recommendations that came back, how often, and how far their actions got."""
    return render_template("importing/recurring.html", groups=recurring.recurring())


@bp.app_template_global()
def recommended_before(recommendation: Recommendation) -> list[recurring.Before]:
    """Return where a recommendation was made before, for its page."""
    return recurring.recommended_before(recommendation)


@bp.app_template_global()
def source_documents(event: Event) -> list[SourceDocument]:
    """Return the reports kept with an event, latest first, for its page."""
    return list(db.session.scalars(select(SourceDocument)
                                   .where(SourceDocument.event_id == event.id)
                                   .order_by(SourceDocument.id.desc())))


