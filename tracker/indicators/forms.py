"""Forms for defining indicators and recording their values."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import DateField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from tracker.actions import rules
from tracker.forms import EditForm, Form, NumberField
from tracker.indicators import services
from tracker.models import TEXT_MAX_LENGTH, Indicator


class IndicatorForm(EditForm):
    """What a coordinator defines for an indicator: name, unit, baseline and target."""

    name = StringField(_l("Indicator"), validators=[DataRequired(), Length(max=300)])
    unit = StringField(_l("Unit"), validators=[Optional(), Length(max=60)])
    baseline_value = NumberField(_l("Baseline value"), validators=[InputRequired()])
    baseline_date = DateField(_l("Baseline date"), validators=[InputRequired()])
    target_value = NumberField(_l("Target value"), validators=[InputRequired()])
    target_date = DateField(_l("Target date"), validators=[InputRequired()])
    data_source = StringField(_l("Data source"), validators=[Optional(), Length(max=300)])
    disaggregation = StringField(_l("Disaggregation"), validators=[Optional(), Length(max=300)])

    def validate_target_date(self, field: DateField) -> None:
        if self.baseline_date.data and field.data and field.data <= self.baseline_date.data:
            raise ValidationError(_l("The target date must be after the baseline date."))

    def values(self) -> dict[str, Any]:
        """Return the indicator's fields as the services take them."""
        return {name: (value.strip() if isinstance(value, str) else value)
                for name, value in self.data.items()
                if name in services.INDICATOR_FIELDS}


class MeasurementForm(Form):
    """A value of a recommendation's indicator, on a date, with a comment."""

    value = NumberField(_l("Value"), validators=[InputRequired()])
    measured_on = DateField(_l("Date of the value"), validators=[InputRequired()])
    comment = TextAreaField(_l("Comment"), validators=[Optional(), Length(max=TEXT_MAX_LENGTH)])

    def __init__(self, indicator: Indicator, today: date, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.indicator = indicator
        self.today = today
        if self.measured_on.data is None and not self.is_submitted():
            self.measured_on.data = today

    def validate_measured_on(self, field: DateField) -> None:
        problem = rules.measurement_date_problem(self.indicator, field.data, self.today)
        if problem:
            raise ValidationError(problem)
