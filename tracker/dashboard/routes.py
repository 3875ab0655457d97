"""Pages of the dashboard feature."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, render_template, request
from flask_babel import format_date, format_time
from flask_login import login_required
from markupsafe import Markup

from tracker import cache, clock
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
    today = clock.today()
    # Nothing in the figures depends on who reads them: one copy serves every role.
    figures = cache.figures("dashboard", (event_id, today), lambda: _figures(today, event_id))
    computed_at = figures["figures_computed_at"]
    return render_template("dashboard/index.html", event=event,
                           events=queries.event_choices(event_id),
                           figures_html=figures["html"],
                           figures_date=format_date(computed_at, "medium"),
                           figures_time=format_time(computed_at, "short"))


def _figures(today: date, event_id: int | None) -> dict:
    """Compute every figure the dashboard shows and render them, for the cache to keep.

    Rendering is kept too: at national scale the figures make a page of some 150 kB
    whose templating costs more than reading the figures back.
    """
    data = queries.dashboard(today, event_id)
    figures = {
        "data": data,
        "news": news_counts(today, event_id),
        "charts": charts.dashboard_charts(data),
        "indicators": indicator_queries.dashboard_counts(today, event_id),
    }
    return {"html": Markup(render_template("dashboard/_figures.html", **figures))}
