"""Forms of the report importer: the report to read, then the drafts to review."""

from __future__ import annotations

import wtforms
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    FieldList,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import HiddenInput

from tracker.forms import (
    LANGUAGE_CHOICES,
    Form,
    ModelSelectField,
    ModelSelectMultipleField,
    TextRulesMeta,
    choices,
)
from tracker.importing.parser import MAX_DRAFTS
from tracker.importing.readers import EXTENSIONS
from tracker.models import RECOMMENDATION_NUMBER_RE, RECOMMENDATION_TEXT_MAX_LENGTH

MAX_PASTED_CHARS = 1_000_000
MAX_ADDED = 20  # drafts a coordinator may add from passages the importer missed


class ImportForm(Form):
    """A report to look for recommendations in: pasted text or a file."""

    # No Optional(): it would stop the chain before validate_text.
    text = TextAreaField(_l("Text of the report"), validators=[Length(max=MAX_PASTED_CHARS)])
    file = FileField(_l("Or a file (.txt, .md, .docx or .pdf, 10 MB at most)"),
                     render_kw={"accept": ",".join(EXTENSIONS)})

    @property
    def upload(self):
        """Return the file sent, or None (browsers send an empty part when none is chosen)."""
        data = self.file.data
        return data if getattr(data, "filename", "") else None

    def validate_text(self, field: TextAreaField) -> None:
        if not (field.data or "").strip() and self.upload is None:
            raise ValidationError(_l("Paste the text of the report or choose a file."))


class DraftForm(wtforms.Form):
    """One draft recommendation as the reviewer corrects it."""

    class Meta(TextRulesMeta):
        pass

    accept = BooleanField(_l("Accept"))
    # Required only when accepted: checked below, so no Optional() to stop the chain.
    number = StringField(_l("Number"), validators=[Length(max=16)])
    title = StringField(_l("Title"), validators=[Length(max=300)])
    text = TextAreaField(_l("Full text"),
                         validators=[Optional(), Length(max=RECOMMENDATION_TEXT_MAX_LENGTH)])
    theme = ModelSelectField(_l("Theme"), allow_blank=True)
    gcm_objectives = ModelSelectMultipleField(_l("GCM objectives"), key="number")
    reasons = HiddenField()
    # What the reviewer judges a draft by; carried between the two steps, never saved.
    excerpt = HiddenField()
    cues = HiddenField()
    confidence = HiddenField()
    already = HiddenField()
    similar = HiddenField()
    merge = BooleanField(_l("Merge with the previous draft"))

    def validate_number(self, field: StringField) -> None:
        value = (field.data or "").strip()
        if not value:
            if self.accept.data and not self.merge.data:
                raise ValidationError(_l("An accepted draft needs a number."))
        elif not RECOMMENDATION_NUMBER_RE.match(value):
            raise ValidationError(_l("Use letters, digits, dots or dashes."))

    def validate_title(self, field: StringField) -> None:
        if self.accept.data and not self.merge.data and not (field.data or "").strip():
            raise ValidationError(_l("An accepted draft needs a title."))


class ReviewForm(Form):
    """The drafts found in a report, carried in the form itself between the two steps."""

    language = SelectField(_l("Language of the texts"), validators=[DataRequired()])
    drafts = FieldList(FormField(DraftForm), max_entries=MAX_DRAFTS + MAX_ADDED)
    # The report kept with the event (shown to select missed passages from).
    source = IntegerField(widget=HiddenInput(), validators=[Optional(), NumberRange(1, 2**31 - 1)])
    passage = TextAreaField(_l("Add a draft from this passage"),
                            validators=[Optional(), Length(max=RECOMMENDATION_TEXT_MAX_LENGTH)])

    def __init__(self, *args, themes=(), objectives=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.language.choices = choices(LANGUAGE_CHOICES)
        for entry in self.drafts:
            entry.form.theme.set_objects(themes, label=lambda t: t.label)
            entry.form.gcm_objectives.set_objects(objectives, label=lambda o: o.label)

    def rows(self) -> list[dict]:
        """Return the drafts as plain values: theme and objectives as model objects."""
        return [{
            "accept": bool(entry.form.accept.data),
            "merge": bool(entry.form.merge.data),
            "number": (entry.form.number.data or "").strip(),
            "title": (entry.form.title.data or "").strip(),
            "text": (entry.form.text.data or "").strip(),
            "theme": entry.form.theme.selected,
            "gcm_objectives": entry.form.gcm_objectives.selected,
        } for entry in self.drafts]


class LinkForm(Form):
    """The earlier recommendation that a recommendation repeats."""

    earlier = IntegerField(_l("Number of the earlier recommendation (as in its address)"),
                           validators=[DataRequired(), NumberRange(min=1, max=2**31 - 1)])
