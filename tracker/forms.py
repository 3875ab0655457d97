"""Form building blocks shared by the feature forms."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from babel import support
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    Field,
    HiddenField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.i18n import messages_path
from wtforms.validators import InputRequired, Regexp, StopValidation, ValidationError

from tracker.i18n import locale_code
from tracker.numbers import parse_number, plain_number
from tracker.text import text_problem

# Language names are written in their own language, whatever the page's language.
LANGUAGE_CHOICES = [("fr", "Français"), ("en", "English"), ("ar", "العربية")]


def check_text(form, field: Field) -> None:
    """Refuse what the text rule refuses (tracker.text): a text area is several lines, any
    other text field (titles, names, subjects, passwords, hidden values) a single one.

    Stops the chain, so that no later validator (one that asks the database, say) sees it.
    """
    multiline = isinstance(field, TextAreaField)
    for value in field.raw_data or ():
        problem = text_problem(value, multiline) if isinstance(value, str) else None
        if problem:
            raise StopValidation(problem)


class TextRulesMeta:
    """Form options that give every text field the text rule, as its first validator."""

    def bind_field(self, form, unbound_field, options):
        field = super().bind_field(form, unbound_field, options)
        if isinstance(field, StringField):
            field.validators = [check_text, *field.validators]
        return field


@lru_cache(maxsize=8)
def _wtforms_catalog(locale: str) -> support.Translations:
    return support.Translations.load(messages_path(), [locale], domain="wtforms")


class Form(FlaskForm):
    """The base of every form of the tracker: a CSRF-protected form whose text fields keep
    to the text rule."""

    class Meta(TextRulesMeta):
        def get_translations(self, form):
            """WTForms' own messages in the page's language, its catalog read once per
            process and language (Flask-WTF reads the file again for every request)."""
            return _wtforms_catalog(locale_code() or "fr")


class VersionedForm(Form):
    """A form that carries the version of the object it was rendered from."""

    # Required: a save that does not say which version it saw could overwrite a newer one.
    version = HiddenField(validators=[InputRequired(), Regexp(r"^\d{1,9}$")])

    @property
    def expected_version(self) -> int:
        """Return the version the user saw."""
        return int(self.version.data)


class VersionField(HiddenField):
    """The version of the object a form was rendered from ("0" for a new object).

    A form submitted without it reads as based on version 0, so an edit is then refused as
    stale rather than taken as based on the version of the object it is bound to.
    """

    def process_formdata(self, valuelist: list[Any]) -> None:
        self.data = valuelist[0] if valuelist else "0"


class EditForm(VersionedForm):
    """A form that creates an object or edits one, with the version it was rendered from."""

    version = VersionField(default="0", validators=[Regexp(r"^\d{1,9}$")])


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

    def set_objects(self, objects: Iterable[Any], label=str, attributes=None) -> None:
        """Offer `objects` as the choices, each shown with `label(obj)` and, when given,
        the HTML attributes `attributes(obj)` on its option."""
        self.objects = {obj.id: obj for obj in objects}
        blank = [SelectChoice("", "—")] if self.allow_blank else []
        self.choices = blank + [
            SelectChoice(obj.id, label(obj), attributes(obj) if attributes else {})
            for obj in self.objects.values()]

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
