"""The tracker's notion of "today", in the configured time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
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


def at_hour(day: date, hour: int) -> datetime:
    """Return `hour` o'clock on `day` in the tracker's time zone, as an aware UTC datetime."""
    zone = ZoneInfo(current_app.config["TRACKER_TIMEZONE"])
    return datetime.combine(day, time(hour), tzinfo=zone).astimezone(UTC)
