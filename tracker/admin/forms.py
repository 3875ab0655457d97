"""Forms for accounts, institutions and themes."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length, Optional, Regexp

from tracker.forms import (
    LANGUAGE_CHOICES,
    Form,
    ModelSelectField,
    ModelSelectMultipleField,
    choices,
)
from tracker.models import Role


class UserForm(Form):
    """An account: who, which role, which institution."""

    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    role = SelectField(_l("Role"), validators=[DataRequired()])
    institution = ModelSelectField(_l("Institution"), allow_blank=True)
    locale = SelectField(_l("Language"), validators=[Optional()])
    active = BooleanField(_l("Active"), default=True)
    password = PasswordField(_l("Password"), validators=[Optional(), Length(max=200)])
    # A coordinator's escalation scope (tracker.scopes): none of either follows every action.
    scope_events = ModelSelectMultipleField(_l("Events followed"), render_kw={"size": 6})
    scope_institutions = ModelSelectMultipleField(_l("Institutions followed"),
                                                  render_kw={"size": 6})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = choices((r.value, r.label) for r in Role)
        self.locale.choices = choices([("", "—"), *LANGUAGE_CHOICES])


class TranslatedNames:
    """Optional names in French, English and Arabic; pages fall back to `name` without one."""

    name_fr = StringField(_l("Name in French"), validators=[Optional(), Length(max=120)])
    name_en = StringField(_l("Name in English"), validators=[Optional(), Length(max=120)])
    name_ar = StringField(_l("Name in Arabic"), validators=[Optional(), Length(max=120)],
                          render_kw={"dir": "rtl", "lang": "ar"})

    def translated_names(self) -> dict[str, str | None]:
        """Return the three names, blank ones as None."""
        return {f"name_{lang}": (getattr(self, f"name_{lang}").data or "").strip() or None
                for lang in ("fr", "en", "ar")}


class InstitutionForm(TranslatedNames, Form):
    """An institution's short code and full name."""

    code = StringField(
        _l("Code"),
        validators=[DataRequired(), Length(max=32),
                    Regexp(r"^[A-Za-z0-9_\-/]+$",
                           message=_l("Use letters, digits, dashes or slashes."))],
    )
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    active = BooleanField(_l("Active"), default=True)


class ThemeForm(TranslatedNames, Form):
    """A theme's name."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    active = BooleanField(_l("Active"), default=True)
