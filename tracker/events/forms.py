"""Forms for events and their recommendations."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, IntegerField, SelectField, StringField, TextAreaField, URLField
from wtforms.validators import (
    URL,
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
)

from tracker.forms import (
    LANGUAGE_CHOICES,
    EditForm,
    ModelSelectField,
    ModelSelectMultipleField,
    choices,
)
from tracker.models import (
    MAX_REPORT_WEEKS,
    RECOMMENDATION_NUMBER_RE,
    RECOMMENDATION_TEXT_MAX_LENGTH,
    TEXT_MAX_LENGTH,
    Priority,
)


class EventForm(EditForm):
    """A workshop and where its report can be read."""

    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)])
    date = DateField(_l("Date"), validators=[InputRequired()])
    place = StringField(_l("Place"), validators=[Optional(), Length(max=200)])
    organisers = StringField(_l("Organisers"), validators=[Optional(), Length(max=300)])
    source_url = URLField(_l("Source document link"),
                          validators=[Optional(), URL(require_tld=False), Length(max=500)])
    description = TextAreaField(_l("Description"),
                                validators=[Optional(), Length(max=TEXT_MAX_LENGTH)])
    report_every_weeks = IntegerField(
        _l("Progress update required every … weeks"),
        validators=[Optional(), NumberRange(min=1, max=MAX_REPORT_WEEKS)])


class RecommendationForm(EditForm):
    """A recommendation as the report words it, with how it is classified."""

    number = StringField(
        _l("Number"),
        validators=[DataRequired(), Length(max=16),
                    Regexp(RECOMMENDATION_NUMBER_RE,
                           message=_l("Use letters, digits, dots or dashes."))],
    )
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)])
    text = TextAreaField(_l("Full text"),
                         validators=[Optional(), Length(max=RECOMMENDATION_TEXT_MAX_LENGTH)])
    theme = ModelSelectField(_l("Theme"), allow_blank=True)
    gcm_objectives = ModelSelectMultipleField(_l("GCM objectives"), key="number")
    priority = SelectField(_l("Priority"), validators=[DataRequired()])
    language = SelectField(_l("Language of the text"), validators=[DataRequired()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.priority.choices = choices((p.value, p.label) for p in Priority)
        self.language.choices = choices(LANGUAGE_CHOICES)
