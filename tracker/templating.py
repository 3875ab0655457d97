"""What every template can use: the text direction, languages, labels and date formats."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from functools import lru_cache

from flask import Flask, current_app, request
from flask_babel import (
    format_date,
    format_datetime,
    format_percent,
    format_timedelta,
    get_locale,
    gettext,
)
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from jinja2.filters import do_truncate
from markupsafe import Markup

from tracker.forms import LANGUAGE_CHOICES
from tracker.i18n import locale_code, text_direction
from tracker.permissions import can_administer, can_manage

LANGUAGE_NAMES = dict(LANGUAGE_CHOICES)

SORT_LABELS = {
    "deadline": _l("Deadline, soonest first"),
    "-deadline": _l("Deadline, latest first"),
    "progress": _l("Progress, lowest first"),
    "-progress": _l("Progress, highest first"),
    "title": _l("Title"),
    "status": _l("Status"),
    "-updated": _l("Last changed first"),
}

# How the fields recorded in an action's history are named to readers.
HISTORY_FIELDS = {
    "title": _l("title"),
    "description": _l("description"),
    "owner": _l("owner"),
    "lead_institution": _l("lead institution"),
    "contributors": _l("contributing institutions"),
    "start_date": _l("start date"),
    "deadline": _l("deadline"),
    "report_every_weeks": _l("reporting cycle"),
}


def init_app(app: Flask) -> None:
    """Register the context processor and filters."""

    @app.context_processor
    def inject() -> dict:
        locale = get_locale()
        return {
            "text_direction": text_direction(),
            "current_locale": locale.language if locale else "fr",
            "language_names": LANGUAGE_NAMES,
            "history_fields": HISTORY_FIELDS,
            "sort_labels": SORT_LABELS,
            "current_path": request.full_path.rstrip("?") if request else "/",
            "user_can_manage": can_manage(current_user) if current_user else False,
            "user_can_administer": can_administer(current_user) if current_user else False,
        }

    app.jinja_env.filters["date"] = medium_date
    app.jinja_env.filters["datetime"] = long_datetime
    app.jinja_env.filters["isodate"] = iso_date
    app.jinja_env.filters["percent"] = percent
    app.jinja_env.filters["text_dir"] = text_dir
    app.jinja_env.filters["days_between"] = _days_between
    app.jinja_env.filters["relative_deadline"] = relative_deadline
    app.jinja_env.filters["selected_option"] = selected_option


# Dates read the same way in the three languages: day, month name, year ("3 déc. 2026",
# "3 Dec 2026", "3 ديسمبر 2026"), never a numeric form whose day/month order depends on the
# reader ("12/3/26" reads 12 March in Tunis). Arabic keeps Latin digits, as Tunisian
# administrations write them; times use 24 hours.
DATE_PATTERN = "d MMM y"
DATETIME_PATTERN = "d MMM y HH:mm"


def medium_date(value: date | None) -> str:
    """Format a date for the reader ("24 nov. 2026"); lists format hundreds of them."""
    return _medium_date(value, locale_code()) if value else ""


@lru_cache(maxsize=8192)
def _medium_date(value: date, locale: str) -> str:
    # `locale` is the one in force (locale_code), passed only to key the cache.
    return format_date(value, DATE_PATTERN)


def long_datetime(value: datetime | None) -> str:
    """Format a moment in the tracker's time zone for the reader ("3 Dec 2026 08:38")."""
    return format_datetime(value, DATETIME_PATTERN) if value else ""


def percent(value: int | float | None) -> str:
    """Format a percentage in the reader's language ("40 %", "40%"), in one piece that a
    right-to-left line cannot split into "% 40"."""
    if value is None:
        return ""
    return _percent(value, locale_code())


@lru_cache(maxsize=4096)
def _percent(value: int | float, locale: str) -> str:
    # `locale` is the one in force (locale_code), passed only to key the cache. A list page
    # formats two percentages a row: through Babel each time, 2 ms of a 25-row page.
    return format_percent(value / 100)


def text_dir(text: str | None) -> str:
    """Return the direction of `text` by its first strong character, as `dir="auto"` does:
    `rtl` for Arabic or Hebrew, `ltr` otherwise. For the PDF, whose layout engine does not
    read `dir="auto"`."""
    for char in text or "":
        kind = unicodedata.bidirectional(char)
        if kind in ("R", "AL"):
            return "rtl"
        if kind == "L":
            return "ltr"
    return "ltr"


def iso_date(value: str | None) -> str:
    """Format an ISO date kept as text (history rows keep them so) like `medium_date`."""
    if not value:
        return ""
    try:
        return medium_date(date.fromisoformat(value))
    except (TypeError, ValueError):
        return value


def relative_deadline(deadline: date, today: date) -> str:
    """Say how far a deadline is, in the reader's language: "in 3 days", "overdue by 5 days"."""
    return _relative_deadline((deadline - today).days, locale_code())


@lru_cache(maxsize=8192)
def _relative_deadline(days: int, locale: str) -> str:
    # `locale` is the one in force (locale_code), passed only to key the cache.
    if days == 0:
        return gettext("due today")
    delta = format_timedelta(timedelta(days=abs(days)), granularity="day", threshold=1.5)
    if days < 0:
        return gettext("overdue by %(delta)s", delta=delta)
    return gettext("in %(delta)s", delta=delta)


def _days_between(start: date, end: date) -> int:
    return (end - start).days


def shorten(text: str, length: int) -> str:
    """Cut `text` to about `length` characters at a word, as Jinja's `truncate` does."""
    return do_truncate(current_app.jinja_env, text, length)


def render_options(choices: Iterable[tuple[int | str, str]]) -> Markup:
    """Return the `<option>`s of a menu, from (value, label) pairs, escaped once."""
    return Markup("").join(Markup('<option value="{}">{}</option>').format(value, label)
                           for value, label in choices)


def selected_option(options: Markup, value: int | str | None) -> Markup:
    """Return the options of `render_options` with the one of `value` selected."""
    if value is None:
        return options
    option = str(Markup('<option value="{}">').format(value))
    return Markup(str(options).replace(option, option[:-1] + " selected>", 1))
