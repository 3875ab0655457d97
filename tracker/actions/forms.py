"""Forms for planning actions and recording their progress."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    HiddenField,
    IntegerField,
    MultipleFileField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)

from tracker.forms import ModelSelectField, ModelSelectMultipleField, choices
from tracker.models import MAX_REPORT_WEEKS, TEXT_MAX_LENGTH, Status


class VersionedForm(FlaskForm):
    """A form that carries the version of the object it was rendered from."""

    # Required: a save that does not say which version it saw could overwrite a newer one.
    version = HiddenField(validators=[InputRequired(), Regexp(r"^\d{1,9}$")])

    @property
    def expected_version(self) -> int:
        """Return the version the user saw."""
        return int(self.version.data)


class ActionForm(VersionedForm):
    """What a coordinator plans for an action."""

    # "0" for a new action, which has no version yet; an edit without the version it
    # showed is taken as based on version 0, so it is refused as stale.
    version = HiddenField(default="0", validators=[Regexp(r"^\d{1,9}$")])

    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)])
    description = TextAreaField(_l("Description"),
                                validators=[Optional(), Length(max=TEXT_MAX_LENGTH)])
    owner = ModelSelectField(_l("Owner"), validators=[InputRequired()])
    lead_institution = ModelSelectField(_l("Lead institution"), validators=[InputRequired()])
    contributors = ModelSelectMultipleField(_l("Contributing institutions"))
    start_date = DateField(_l("Start date"), validators=[Optional()])
    deadline = DateField(_l("Deadline"), validators=[InputRequired()])
    report_every_weeks = IntegerField(
        _l("Progress update required every … weeks"),
        validators=[Optional(), NumberRange(min=1, max=MAX_REPORT_WEEKS)])

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
    comment = TextAreaField(_l("Comment"), validators=[Optional(), Length(max=TEXT_MAX_LENGTH)])
    files = MultipleFileField(_l("Evidence files"))
    links = TextAreaField(_l("Evidence links (one address per line)"),
                          validators=[Optional(), Length(max=TEXT_MAX_LENGTH)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Labels are resolved per request, in the reader's language; a focal point reports
        # "completed" and the action then waits for validation.
        self.status.choices = choices(
            (s.value, s.label) for s in Status if s != Status.PENDING_VALIDATION)

    def validate_links(self, field: TextAreaField) -> None:
        for link in self.link_list:
            parts = urlsplit(link)
            if parts.scheme not in ("http", "https") or not parts.netloc or len(link) > 500:
                raise ValidationError(_l("%(link)s is not a web address (http:// or https://).",
                                         link=link[:100]))

    def validate_files(self, field: MultipleFileField) -> None:
        uploads = self.uploads
        if len(uploads) > current_app.config["EVIDENCE_MAX_FILES"]:
            raise ValidationError(_l("Send at most %(n)d files at a time.",
                                     n=current_app.config["EVIDENCE_MAX_FILES"]))

    @property
    def link_list(self) -> list[str]:
        """Return the links given, one per non-empty line."""
        return [line.strip() for line in (self.links.data or "").splitlines() if line.strip()]

    @property
    def uploads(self) -> list:
        """Return the files actually sent (browsers send an empty part when none is chosen)."""
        return [f for f in (self.files.data or []) if getattr(f, "filename", "")]
