"""Reference lists recommendations are tagged with: themes and GCM objectives."""

from __future__ import annotations

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from tracker.extensions import db

# The five themes the workshops name; their labels are translated, admins add more.
DEFAULT_THEMES = {
    "information_systems": _l("Information systems"),
    "indicators": _l("Indicators"),
    "journalists_public_discourse": _l("Journalist training and public discourse"),
    "research_partnerships": _l("Research partnerships"),
    "gcm_agreements_followup": _l("GCM and agreements follow-up"),
}


class Theme(db.Model):
    """A subject area that groups recommendations across events."""

    __tablename__ = "theme"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    active: Mapped[bool] = mapped_column(default=True)

    @property
    def label(self) -> str:
        """Return the translated name of a built-in theme, else the name admins gave."""
        default = DEFAULT_THEMES.get(self.code)
        return str(default) if default is not None else self.name

    def __str__(self) -> str:
        return self.label


class GcmObjective(db.Model):
    """One of the 23 objectives of the Global Compact for Migration (A/RES/73/195)."""

    __tablename__ = "gcm_objective"

    number: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    short_en: Mapped[str] = mapped_column(String(120))
    short_fr: Mapped[str] = mapped_column(String(120))
    title_en: Mapped[str] = mapped_column(String(300))

    @property
    def label(self) -> str:
        """Return the short label in French for French pages, in English otherwise."""
        locale = get_locale()
        short = self.short_fr if locale is not None and locale.language == "fr" else self.short_en
        return f"{self.number}. {short}"

    def __str__(self) -> str:
        return self.label
