"""Forms of the public pages feature."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField
from wtforms.validators import AnyOf, InputRequired


class VisibilityForm(FlaskForm):
    """Make an event public (1) or private (0)."""

    public = HiddenField(validators=[InputRequired(), AnyOf(("0", "1"))])
