"""Forms for defining indicators and recording their values."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from tracker.actions.forms import UpdateForm
from tracker.forms import add_error
from tracker.indicators import services
from tracker.indicators.charts import plain_number
from tracker.models import TEXT_MAX_LENGTH, Indicator

# Numeric(18, 4) holds 14 digits before the decimal point.
MAX_MAGNITUDE = 10**14
NUMBER_RE = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")


def parse_number(text: str) -> float:
    """Read a number as people type it: "12", "-3.5", "12,5" or "1 234,5".

    Raises ValueError, with a message for the user, for anything else (including "nan",
    "inf" and numbers too large to store).
    """
    cleaned = re.sub(r"[\s\u00a0\u202f]", "", text)
    if "," in cleaned and "." not in cleaned and cleaned.count(",") == 1:
        cleaned = cleaned.replace(",", ".")
    if not NUMBER_RE.fullmatch(cleaned):
        raise ValueError(_l("Enter a number, such as 12 or 12.5."))
    value = float(cleaned)
    if abs(value) >= MAX_MAGNITUDE:
        raise ValueError(_l("This number is too large."))
    return value


class NumberField(StringField):
    """A decimal number typed with a dot or a comma; `data` is a float, or None when empty."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        self.data = None
        if valuelist and str(valuelist[0]).strip():
            self.data = parse_number(str(valuelist[0]))  # a ValueError becomes a field error

    def _value(self) -> str:
        if self.raw_data:
            return str(self.raw_data[0])
        return plain_number(self.data) if isinstance(self.data, int | float) else ""


class IndicatorForm(FlaskForm):
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


class MeasurementForm(FlaskForm):
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
        problem = services.date_problem(self.indicator, field.data, self.today)
        if problem:
            raise ValidationError(problem)


class MeasuredUpdateForm(UpdateForm):
    """The action's update form plus an optional value and date for each of its indicators.

    Built by `update_form`, which adds the fields `indicator_<id>_value` and
    `indicator_<id>_date`; after validation, `readings` holds the values given.
    """

    indicators: list[Indicator] = []
    today: date

    def measurement_fields(self) -> list[tuple[Indicator, Any, Any]]:
        """Return each indicator with its value and date fields, in the indicators' order."""
        return [(i, self[f"indicator_{i.id}_value"], self[f"indicator_{i.id}_date"])
                for i in self.indicators]

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        readings = []
        for indicator, value, day in self.measurement_fields():
            if value.errors or value.data is None:
                continue
            if day.data is None:
                if not day.errors:
                    add_error(day, _l("Give the date of this value."))
                valid = False
                continue
            problem = services.date_problem(indicator, day.data, self.today)
            if problem:
                add_error(day, problem)
                valid = False
                continue
            readings.append(services.Reading(indicator, value.data, day.data))
        self.readings = readings if valid else []
        return valid


def update_form(indicators: list[Indicator], today: date, *args: Any,
                **kwargs: Any) -> MeasuredUpdateForm:
    """Return the update form of an action whose indicators are `indicators`."""
    fields: dict[str, Any] = {}
    for indicator in indicators:
        label = f"{indicator.name} ({indicator.unit})" if indicator.unit else indicator.name
        fields[f"indicator_{indicator.id}_value"] = NumberField(label, validators=[Optional()])
        fields[f"indicator_{indicator.id}_date"] = DateField(
            _l("Date of the value"), validators=[Optional()], default=today)
    form_class = type("ActionMeasuredUpdateForm", (MeasuredUpdateForm,), fields)
    form = form_class(*args, **kwargs)
    form.indicators = list(indicators)
    form.today = today
    form.readings = []
    return form
