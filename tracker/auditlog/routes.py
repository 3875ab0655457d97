"""The audit page for admins, and its CSV export with the same filters."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, render_template, request
from flask_babel import gettext as _

from tracker import clock
from tracker.args import page_number
from tracker.auditlog import queries
from tracker.exports.services import to_csv
from tracker.permissions import admin_required

bp = Blueprint("audit", __name__, url_prefix="/admin/audit")


@bp.get("")
@admin_required
def index():
    """List audit entries and action history rows, latest first, filtered by the URL."""
    filters = queries.AuditFilters.from_args(request.args)
    page = queries.audit_page(filters, page_number(request.args.get("page")),
                              current_app.config["PER_PAGE"])
    return render_template("auditlog/index.html", pagination=page, filters=filters,
                           choices=queries.filter_choices())


@bp.get("/export.csv")
@admin_required
def export():
    """Send the lines matching the filters as CSV (cells never read as formulas)."""
    filters = queries.AuditFilters.from_args(request.args)
    table = [[_("Date"), _("Person"), _("Object"), _("Object id"), _("Title"), _("Change"),
              _("Details"), _("Comment or reason")]]
    table += [[line.created_at.isoformat(timespec="seconds"), line.person or "", line.object_type,
               line.object_id or "", line.object_label, line.change, line.details,
               line.comment] for line in queries.all_lines(filters)]
    filename = f"audit-{clock.today().isoformat()}.csv"
    return Response(to_csv(table), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{filename}"'})
