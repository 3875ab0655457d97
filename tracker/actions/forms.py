"""Forms for planning actions and recording their progress."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from tracker.forms import ModelSelectField, ModelSelectMultipleField, choices
from tracker.models import Status


class VersionedForm(FlaskForm):
    """A form that carries the version of the object it was rendered from."""

    version = HiddenField()

    @property
    def expected_version(self) -> int | None:
        """Return the version the user saw, or None when the form carried none."""
        try:
            return int(self.version.data)
        except (TypeError, ValueError):
            return None


class ActionForm(VersionedForm):
    """What a coordinator plans for an action."""

    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=5000)])
    owner = ModelSelectField(_l("Owner"), validators=[InputRequired()])
    lead_institution = ModelSelectField(_l("Lead institution"), validators=[InputRequired()])
    contributors = ModelSelectMultipleField(_l("Contributing institutions"))
    start_date = DateField(_l("Start date"), validators=[Optional()])
    deadline = DateField(_l("Deadline"), validators=[InputRequired()])

    def validate_deadline(self, field: DateField) -> None:
        if self.start_date.data and field.data and field.data < self.start_date.data:
            raise ValidationError(_l("The deadline cannot be before the start date."))


class UpdateForm(VersionedForm):
    """A progress report: new status, progress and a comment."""

    status = SelectField(
        _l("Status"),
        validators=[DataRequired()],
    )
    progress = IntegerField(
        _l("Progress (%)"),
        validators=[InputRequired(), NumberRange(min=0, max=100)],
    )
    comment = TextAreaField(_l("Comment"), validators=[Optional(), Length(max=5000)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Labels are resolved per request, in the reader's language.
        self.status.choices = choices((s.value, s.label) for s in Status)
