"""Downloading the filtered action list as CSV or Excel."""

from __future__ import annotations

from flask import Blueprint, Response, abort, request
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import select

from tracker import clock
from tracker.actions import queries
from tracker.exports import services
from tracker.indicators import queries as indicator_queries
from tracker.models import Action

bp = Blueprint("exports", __name__)

MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@bp.get("/actions/export.<fmt>")
@login_required
def actions(fmt: str):
    """Send the actions matching the list's filters as a CSV or XLSX file."""
    if fmt not in MEDIA_TYPES:
        abort(404)
    today = clock.today()
    filters = queries.ActionFilters.from_args(request.args)
    indicators = indicator_queries.action_summaries(filters.apply(select(Action.id), today))
    table = [services.header(),
             *services.rows(queries.filtered_actions(filters, today), today, indicators)]
    body = services.to_csv(table) if fmt == "csv" else services.to_xlsx(table, _("Actions"))
    filename = f"actions-{today.isoformat()}.{fmt}"
    return Response(body, mimetype=MEDIA_TYPES[fmt], headers={
        "Content-Disposition": f'attachment; filename="{filename}"'})
