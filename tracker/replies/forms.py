"""The forms of the held replies' page."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import IntegerField
from wtforms.validators import InputRequired, NumberRange

from tracker.args import MAX_INT
from tracker.forms import Form


class AssignForm(Form):
    """A coordinator's choice of the action a held reply is about."""

    action_id = IntegerField(_l("Action number"), description=_l(
        "The number at the end of the action page's address, as in /actions/12."), validators=[
        InputRequired(), NumberRange(min=1, max=MAX_INT)])


class RefuseForm(Form):
    """A coordinator's decision to set a held reply aside."""
