"""The tracker's notion of "today", in the configured time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import current_app


def today() -> date:
    """Return today's date where the tracker's users are (TRACKER_TIMEZONE)."""
    return now().date()


def now() -> datetime:
    """Return the current time in the tracker's time zone."""
    return utcnow().astimezone(ZoneInfo(current_app.config["TRACKER_TIMEZONE"]))


def utcnow() -> datetime:
    """Return the current time as an aware UTC datetime."""
    return datetime.now(UTC)
