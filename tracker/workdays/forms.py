"""The form of an extra closed day."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, StringField
from wtforms.validators import DataRequired, InputRequired, Length

from tracker.forms import Form


class ClosedDayForm(Form):
    """A day without reminders, and why (shown to admins only)."""

    day = DateField(_l("Day"), validators=[InputRequired()])
    label = StringField(_l("Reason"), validators=[DataRequired(), Length(max=120)])
