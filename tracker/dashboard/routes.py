"""Pages of the dashboard feature."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import login_required

from tracker import clock
from tracker.actions.queries import ActionFilters, news_counts
from tracker.dashboard import charts, queries
from tracker.extensions import db
from tracker.indicators import queries as indicator_queries
from tracker.models import Event

bp = Blueprint("dashboard", __name__)


@bp.get("/dashboard")
@login_required
def index():
    """Show where the follow-up stands, for all events or the one in ?event=."""
    event_id = ActionFilters.from_args(request.args).event_id
    event = db.get_or_404(Event, event_id) if event_id is not None else None
    data = queries.dashboard(clock.today(), event_id)
    return render_template("dashboard/index.html", data=data, event=event,
                           news=news_counts(data.today, event_id),
                           events=queries.event_choices(event_id),
                           charts=charts.dashboard_charts(data),
                           indicators=indicator_queries.dashboard_counts(data.today, event_id))
