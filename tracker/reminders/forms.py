"""Forms for acting from an email and for choosing which emails to receive."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectField, SelectMultipleField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from tracker.forms import Form, ModelSelectField, choices


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
    """Which emails a user receives, when the daily email comes, a pause of reminders, and
    a delegate who receives the daily email's items while the user is away."""

    kinds = MultiCheckboxField(_l("Emails I receive"))
    daily_hour = SelectField(_l("Daily email not before"), validators=[Optional()])
    paused_until = DateField(_l("Pause reminders until"), validators=[Optional()])
    delegate = ModelSelectField(_l("Delegate while I am away"), allow_blank=True)
    delegate_until = DateField(_l("Delegate until"), validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from tracker.models import MessageKind

        self.kinds.choices = choices((k.value, k.label) for k in MessageKind)
        self.daily_hour.choices = choices(
            [("", _l("As soon as it is ready")),
             *((str(hour), f"{hour:02d}:00") for hour in range(24))])
