"""Column types shared by the models."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator

from tracker.clock import utcnow  # noqa: F401  (the models' timestamps read it from here)

# How long free text may be: descriptions and comments, and a recommendation's full text
# (reports quote whole paragraphs). Text columns have no length of their own; every way
# in (forms, API, spreadsheet import) applies these.
TEXT_MAX_LENGTH = 5000
RECOMMENDATION_TEXT_MAX_LENGTH = 20000



class UTCDateTime(TypeDecorator):
    """A timestamp stored as naive UTC and always read back as aware UTC.

    SQLite has no time zones and PostgreSQL's `timestamp` neither; storing UTC and
    attaching the zone on the way out gives the same values on both.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are ambiguous; pass an aware datetime")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC)
