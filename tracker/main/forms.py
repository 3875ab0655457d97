"""Forms of the pages every visitor shares."""

from __future__ import annotations

from flask import current_app
from wtforms import HiddenField, SelectField
from wtforms.validators import InputRequired

from tracker.forms import Form


class LanguageForm(Form):
    """Choose the language of the pages; `next` is where to go back to.

    The layout writes its fields by hand (templates/base.html), on every page, with
    these names.
    """

    locale = SelectField(validators=[InputRequired()])
    next = HiddenField()

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.locale.choices = list(current_app.config["LANGUAGES"])
