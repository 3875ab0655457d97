"""Forms of the profile feature."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from tracker.forms import Form


class CalendarLinkForm(Form):
    """Create, replace or revoke the calendar link: a button and its CSRF token."""


class ApiTokenForm(Form):
    """Create a personal API token: the name says what it is for."""

    name = StringField(_l("Token name"), validators=[DataRequired(), Length(max=100)],
                       description=_l("What the token is for, e.g. \"Weekly export script\"."))


class RevokeApiTokenForm(Form):
    """Revoke a personal API token: a button and its CSRF token."""
