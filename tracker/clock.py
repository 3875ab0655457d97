"""The tracker's notion of "today", in the configured time zone."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app

from tracker.models.types import utcnow


def today() -> date:
    """Return today's date where the tracker's users are (TRACKER_TIMEZONE)."""
    return now().date()


def now() -> datetime:
    """Return the current time in the tracker's time zone."""
    return utcnow().astimezone(ZoneInfo(current_app.config["TRACKER_TIMEZONE"]))
