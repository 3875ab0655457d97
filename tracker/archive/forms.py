"""The form of an archive, a restore or a deletion: a reason, always."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from tracker.forms import Form


class ReasonForm(Form):
    """Why an item is archived, restored or deleted (kept in its history or the audit)."""

    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=1000)])
