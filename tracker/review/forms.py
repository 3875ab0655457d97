"""Forms of the review: validate or return a completion, ask for and answer a new deadline."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from tracker.actions.forms import VersionedForm
from tracker.forms import choices
from tracker.models import TEXT_MAX_LENGTH


class ReviewForm(VersionedForm):
    """A coordinator's decision on a reported completion, with a comment."""

    decision = SelectField(_l("Decision"), validators=[DataRequired()])
    comment = TextAreaField(_l("Comment for the owner"),
                            validators=[Optional(), Length(max=TEXT_MAX_LENGTH)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.decision.choices = choices([("validate", _l("Validate: the action is completed")),
                                         ("return", _l("Return it: work remains"))])


class ExtensionRequestForm(FlaskForm):
    """A focal point's request for a later deadline."""

    new_deadline = DateField(_l("New deadline"), validators=[InputRequired()])
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=2000)])


class ExtensionDecisionForm(FlaskForm):
    """A coordinator's answer to a deadline request."""

    decision = SelectField(_l("Decision"), validators=[DataRequired()])
    comment = TextAreaField(_l("Comment"), validators=[Optional(), Length(max=2000)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.decision.choices = choices([("accept", _l("Accept the new deadline")),
                                         ("refuse", _l("Refuse"))])
