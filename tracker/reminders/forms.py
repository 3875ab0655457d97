"""Forms for acting from an email and for choosing which emails to receive."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectMultipleField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from tracker.forms import Form, choices


class MultiCheckboxField(SelectMultipleField):
    """A multiple choice shown as checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ConfirmForm(Form):
    """Confirm what a one-click link asks (nothing changes on the GET that shows it)."""

    comment = TextAreaField(_l("Comment"), validators=[Optional(), Length(max=2000)])


class ExtendForm(Form):
    """Ask for a new deadline from an email link."""

    new_deadline = DateField(_l("New deadline"), validators=[InputRequired()])
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=2000)])


class PreferencesForm(Form):
    """Which emails a user receives, and a pause of reminders."""

    kinds = MultiCheckboxField(_l("Emails I receive"))
    paused_until = DateField(_l("Pause reminders until"), validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from tracker.models import MessageKind

        self.kinds.choices = choices((k.value, k.label) for k in MessageKind)
