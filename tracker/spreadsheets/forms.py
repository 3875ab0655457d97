"""Forms of the spreadsheet import: the file to check, then the confirmation."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import HiddenField
from wtforms.validators import DataRequired, Regexp, ValidationError

from tracker.forms import Form
from tracker.spreadsheets.reader import EXTENSIONS


class UploadForm(Form):
    """The spreadsheet to check."""

    file = FileField(_l("Spreadsheet (.xlsx or .csv, 10 MB at most)"),
                     render_kw={"accept": ",".join(EXTENSIONS)})

    @property
    def upload(self):
        """Return the file sent, or None (browsers send an empty part when none is chosen)."""
        data = self.file.data
        return data if getattr(data, "filename", "") else None

    def validate_file(self, field: FileField) -> None:
        if self.upload is None:
            raise ValidationError(_l("Choose a file."))


class ConfirmForm(Form):
    """The confirmation of a checked file, which the server kept under a random token."""

    token = HiddenField(validators=[DataRequired(), Regexp(r"^[A-Za-z0-9_-]{32}$")])
