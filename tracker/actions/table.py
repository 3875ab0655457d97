"""The lines of the action table (the list, a recommendation's actions), formatted once.

The table's macro (`action_table` in templates/_macros.html) asks for its lines here in one
call, instead of calling a method, a filter or `url_for` for each cell: 25 lines made some
250 template calls, each paying Jinja's call protocol, and 50 URL builds through the
router. The values are the same ones the filters give (`percent`, `medium_date`,
`relative_deadline`, `Status.label`) and the same deadline and cycle rules as the action
(`ActionClock`), so the table says what every other page says.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import cache
from operator import attrgetter
from typing import Any

from flask import current_app, url_for

from tracker.templating import medium_date, percent, relative_deadline


@dataclass(frozen=True, slots=True)
class TableLine:
    """One action as a line of the table shows it: plain values, escaped by the template."""

    id: int
    title: str
    url: str
    recommendation_url: str
    recommendation_number: str
    recommendation_title: str
    event_title: str
    owner_name: str
    institution_code: str
    institution_name: str
    status: str
    status_label: str
    overdue: bool
    awaiting_news: bool
    stale: bool
    progress: int
    progress_text: str
    deadline: str
    deadline_text: str
    due_text: str | None


def table_lines(actions: Iterable[Any], today: date) -> list[TableLine]:
    """Return the lines of `actions` (`Action`s or `ActionRow`s) as of `today`."""
    stale_days = current_app.config["STALE_AFTER_DAYS"]
    # The URL of one action, then of the others by their id: the same rule, built once.
    show_url = _url_pattern("actions.show", "action_id")
    recommendation_url = _url_pattern("events.show_recommendation", "recommendation_id")
    # Each distinct value formatted once a page: a page repeats its statuses, institutions,
    # percentages and deadlines, and each formatting looks up the reader's language.
    percent_text, date_text, due_text = cache(percent), cache(medium_date), cache(relative_deadline)
    status_label, institution_name = cache(attrgetter("label")), cache(attrgetter("label"))
    lines = []
    for action in actions:
        recommendation = action.recommendation
        status = action.status
        lines.append(TableLine(
            id=action.id,
            title=action.title,
            url=show_url(action.id),
            recommendation_url=recommendation_url(action.recommendation_id),
            recommendation_number=recommendation.number,
            recommendation_title=recommendation.title,
            event_title=recommendation.event.title,
            owner_name=action.owner.name,
            institution_code=action.lead_institution.code,
            institution_name=institution_name(action.lead_institution),
            status=status.value,
            status_label=status_label(status),
            overdue=action.is_overdue(today),
            awaiting_news=action.awaiting_news(today),
            stale=action.is_stale(today, stale_days),
            progress=action.progress,
            progress_text=percent_text(action.progress),
            deadline=action.deadline.isoformat(),
            deadline_text=date_text(action.deadline),
            due_text=None if status.is_closed else due_text(action.deadline, today),
        ))
    return lines


# An id no row can have but that every id converter accepts, to find in the built URL.
_MARKER = 987654321


def _url_pattern(endpoint: str, argument: str):
    """Return a function giving `endpoint`'s URL for an id: built once through the router
    with a marker id, then the marker replaced (a URL build costs some 6 µs)."""
    built = url_for(endpoint, **{argument: _MARKER})
    head, marker, tail = built.partition(str(_MARKER))
    if not marker or str(_MARKER) in tail:  # a rule that does not show the id once
        return lambda value: url_for(endpoint, **{argument: value})
    return lambda value: f"{head}{value}{tail}"
