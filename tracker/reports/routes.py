"""The progress reports: one event's, a follow-up meeting's and the GCM review's, on screen,
in print, as PDF and as an editable Word document (and the GCM rows as CSV)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_login import login_required
from sqlalchemy import select
from werkzeug.utils import secure_filename

from tracker import clock
from tracker.exports.services import to_csv
from tracker.extensions import db
from tracker.models import Event, GcmObjective
from tracker.reports import queries
from tracker.reports.tables import gcm_rows

bp = Blueprint("reports", __name__)

MEDIA_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "csv": "text/csv; charset=utf-8",
}


def _language() -> str | None:
    """Return the language the report is asked in (`lang`), or None for the reader's own."""
    value = request.args.get("lang", "")
    return value if value in current_app.config["LANGUAGES"] else None


@contextmanager
def _in_language(language: str | None) -> Iterator[None]:
    if language is None:
        yield
    else:
        with force_locale(language):
            yield


def _download(body: bytes, fmt: str, stem: str):
    """Return `body` as an attachment named `stem-<today>.<fmt>`."""
    filename = secure_filename(f"{stem}-{clock.today().isoformat()}.{fmt}")
    return body, {
        "Content-Type": MEDIA_TYPES[fmt],
        "Content-Disposition": f'attachment; filename="{filename}"',
        "Cache-Control": "private, no-store",
    }


def _pdf(html: str):
    from tracker.reports.pdf import render_pdf  # loads WeasyPrint and Pango only when needed

    return render_pdf(html, base_url=request.url)


def _render_report(event_id: int) -> tuple[Event, str]:
    event = db.get_or_404(Event, event_id)
    report = queries.event_report(event, clock.today())
    return event, render_template("reports/event.html", report=report, event=event)


@bp.get("/events/<id:event_id>/report")
@login_required
def event(event_id: int):
    """Show an event's progress report, laid out to print on A4."""
    return _render_report(event_id)[1]


@bp.get("/events/<id:event_id>/report.pdf")
@login_required
def event_pdf(event_id: int):
    """Send an event's progress report as a PDF file."""
    event, html = _render_report(event_id)
    return _download(_pdf(html), "pdf", f"report-{event.ref or event.id}")


def _meeting(language: str | None) -> tuple[queries.MeetingReport, str]:
    scope = queries.ReportScope.from_args(request.args)
    with _in_language(language):
        report = queries.meeting_report(scope, clock.today())
        events = db.session.scalars(select(Event).order_by(Event.date.desc(), Event.id)).all()
        objectives = db.session.scalars(select(GcmObjective).order_by(GcmObjective.number))
        download_args = {**scope.to_args(), **({"lang": language} if language else {})}
        html = render_template("reports/meeting.html", report=report, events=events,
                               objectives=list(objectives), language=language,
                               download_args=download_args)
    return report, html


@bp.get("/reports/meeting")
@login_required
def meeting():
    """Show the report of a follow-up meeting: chosen events or GCM objectives, with what
    changed since a chosen date."""
    return _meeting(_language())[1]


@bp.get("/reports/meeting.<fmt>")
@login_required
def meeting_file(fmt: str):
    """Send the meeting report as a PDF or an editable Word document."""
    if fmt not in ("pdf", "docx"):
        abort(404)
    language = _language()
    scope = queries.ReportScope.from_args(request.args)
    if scope.is_empty:
        return redirect(url_for("reports.meeting"))
    if fmt == "pdf":
        return _download(_pdf(_meeting(language)[1]), fmt, "meeting-report")
    from tracker.reports.word import meeting_docx  # loads python-docx only when needed

    with _in_language(language):
        body = meeting_docx(queries.meeting_report(scope, clock.today()))
    return _download(body, fmt, "meeting-report")


def _gcm_html(report: queries.GcmReport, language: str | None) -> str:
    return render_template("reports/gcm.html", report=report, language=language)


@bp.get("/reports/gcm")
@login_required
def gcm():
    """Show the GCM review report: recommendations, actions, progress and indicators by
    objective of the Global Compact for Migration, across all events."""
    language = _language()
    with _in_language(language):
        return _gcm_html(queries.gcm_report(clock.today()), language)


@bp.get("/reports/gcm.<fmt>")
@login_required
def gcm_file(fmt: str):
    """Send the GCM review report as a PDF, a Word document, or its rows as CSV."""
    if fmt not in MEDIA_TYPES:
        abort(404)
    language = _language()
    with _in_language(language):
        report = queries.gcm_report(clock.today())
        if fmt == "pdf":
            body = _pdf(_gcm_html(report, language))
        elif fmt == "docx":
            from tracker.reports.word import gcm_docx  # loads python-docx only when needed

            body = gcm_docx(report)
        else:
            body = to_csv(gcm_rows(report))
    return _download(body, fmt, f"gcm-review-{language or 'report'}")
