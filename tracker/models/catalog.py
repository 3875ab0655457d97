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
    # The name in each language, where an admin gave one; `name` is the one always given.
    name_fr: Mapped[str | None] = mapped_column(String(120))
    name_en: Mapped[str | None] = mapped_column(String(120))
    name_ar: Mapped[str | None] = mapped_column(String(120))
    active: Mapped[bool] = mapped_column(default=True)

    @property
    def label(self) -> str:
        """Return the name in the reader's language: the one an admin gave, else the
        catalog's translation of a built-in theme, else the name given."""
        default = DEFAULT_THEMES.get(self.code)
        return translated_name(self, self.name if default is None else str(default))

    def __str__(self) -> str:
        return self.label


def translated_name(row, fallback: str) -> str:
    """Return `row`'s `name_<language>` for the reader's language when set, else `fallback`."""
    locale = get_locale()
    if locale is not None and locale.language in NAME_LANGUAGES:
        name = getattr(row, f"name_{locale.language}")
        if name:
            return name
    return fallback


NAME_LANGUAGES = ("fr", "en", "ar")


class GcmObjective(db.Model):
    """One of the 23 objectives of the Global Compact for Migration (A/RES/73/195)."""

    __tablename__ = "gcm_objective"

    number: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    short_en: Mapped[str] = mapped_column(String(120))
    short_fr: Mapped[str] = mapped_column(String(120))
    title_en: Mapped[str] = mapped_column(String(300))
    # The official titles of A/RES/73/195 in French and Arabic (tracker/reference/README.md).
    title_fr: Mapped[str | None] = mapped_column(String(300))
    short_ar: Mapped[str | None] = mapped_column(String(120))
    title_ar: Mapped[str | None] = mapped_column(String(300))

    def _in_reader_language(self, kind: str) -> str | None:
        # Without a short name in the reader's language, its official title beats English;
        # Arabic pages never fall back to English (see tracker/reference/README.md).
        locale = get_locale()
        language = locale.language if locale is not None else "fr"
        if language in ("fr", "ar"):
            return getattr(self, f"{kind}_{language}") or getattr(self, f"title_{language}")
        return getattr(self, f"{kind}_en")

    @property
    def label(self) -> str:
        """Return the number and short name in the reader's language ("1. Données"), or
        "Objective 1" translated where the official text gives no name in it."""
        short = self._in_reader_language("short")
        if short is None:
            return str(_l("Objective %(number)d", number=self.number))
        return f"{self.number}. {short}"

    @property
    def title(self) -> str:
        """Return the official title in the reader's language, else its `label`."""
        return self._in_reader_language("title") or self.label

    def __str__(self) -> str:
        return self.label
