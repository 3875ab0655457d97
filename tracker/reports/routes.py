"""The progress report of an event, on screen, in print and as a PDF."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import login_required
from werkzeug.utils import secure_filename

from tracker import clock
from tracker.extensions import db
from tracker.models import Event
from tracker.reports import queries

bp = Blueprint("reports", __name__)


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
    from tracker.reports.pdf import render_pdf  # loads WeasyPrint and Pango only when needed

    event, html = _render_report(event_id)
    filename = secure_filename(f"report-{event.ref or event.id}-{clock.today().isoformat()}.pdf")
    return render_pdf(html, base_url=request.url), {
        "Content-Type": "application/pdf",
        "Content-Disposition": f'attachment; filename="{filename}"',
        "Cache-Control": "private, no-store",
    }
