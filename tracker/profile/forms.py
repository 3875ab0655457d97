"""Forms of the profile feature."""

from __future__ import annotations

from flask_wtf import FlaskForm


class CalendarLinkForm(FlaskForm):
    """Create, replace or revoke the calendar link: a button and its CSRF token."""
