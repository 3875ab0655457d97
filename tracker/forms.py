"""Form building blocks shared by the feature forms."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import Field, SelectChoice, SelectField, SelectMultipleField, StringField
from wtforms.validators import ValidationError

from tracker.numbers import parse_number, plain_number

# Language names are written in their own language, whatever the page's language.
LANGUAGE_CHOICES = [("fr", "Français"), ("en", "English"), ("ar", "العربية")]


def choices(pairs: Iterable[tuple[Any, Any]]) -> list[SelectChoice]:
    """Return select options from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


def add_error(field: Field, message: Any) -> None:
    """Show `message` under `field`, after the errors its validators found.

    WTForms keeps a field's errors as a tuple until it is validated, so they are
    rebuilt as a list rather than appended to.
    """
    field.errors = [*field.errors, message]


class ModelSelectField(SelectField):
    """A select whose choices are model objects, validated against the ids offered.

    `data` is the chosen object (or None); an unknown id is a validation error, not a 500.
    """

    def __init__(self, label=None, validators=None, allow_blank: bool = False, **kwargs: Any):
        super().__init__(label, validators, coerce=_coerce_id, validate_choice=False, **kwargs)
        self.allow_blank = allow_blank
        self.objects: dict[int, Any] = {}

    def set_objects(self, objects: Iterable[Any], label=str) -> None:
        """Offer `objects` as the choices, each shown with `label(obj)`."""
        self.objects = {obj.id: obj for obj in objects}
        blank = [("", "—")] if self.allow_blank else []
        self.choices = choices(blank + [(obj.id, label(obj)) for obj in self.objects.values()])

    def process_data(self, value: Any) -> None:
        self.data = getattr(value, "id", value)

    def pre_validate(self, form) -> None:
        if self.data is None:
            return
        if self.data not in self.objects:
            raise ValidationError(_l("Not a valid choice."))

    @property
    def selected(self) -> Any:
        """Return the chosen object, or None."""
        return self.objects.get(self.data) if self.data is not None else None


class ModelSelectMultipleField(SelectMultipleField):
    """A multiple select of model objects, validated against the ids offered."""

    def __init__(self, label=None, validators=None, key: str = "id", **kwargs: Any):
        self.key = key  # the attribute that identifies an object in the form data
        super().__init__(label, validators, coerce=_coerce_id, validate_choice=False, **kwargs)
        self.objects: dict[int, Any] = {}

    def set_objects(self, objects: Iterable[Any], label=str) -> None:
        """Offer `objects` as the choices, keyed by their `key` attribute."""
        key = self.key
        self.objects = {getattr(obj, key): obj for obj in objects}
        self.choices = choices((k, label(obj)) for k, obj in self.objects.items())

    def process_data(self, value: Any) -> None:
        self.data = [getattr(v, self.key, v) for v in (value or [])]

    def process_formdata(self, valuelist: list[str]) -> None:
        try:
            self.data = [int(v) for v in valuelist]
        except ValueError:
            self.data = None
            raise ValueError(_l("Not a valid choice.")) from None

    def pre_validate(self, form) -> None:
        if self.data is None:
            return
        if any(value not in self.objects for value in self.data):
            raise ValidationError(_l("Not a valid choice."))

    @property
    def selected(self) -> list[Any]:
        """Return the chosen objects, in the order offered."""
        chosen = set(self.data or [])
        return [obj for k, obj in self.objects.items() if k in chosen]


def _coerce_id(value: Any) -> int | None:
    if value in (None, ""):
        return None
    if hasattr(value, "id"):
        return value.id
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ValueError(_l("Not a valid choice.")) from None


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
