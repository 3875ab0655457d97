"""Forms of the public pages feature."""

from __future__ import annotations

from wtforms import HiddenField
from wtforms.validators import AnyOf, InputRequired

from tracker.forms import Form


class VisibilityForm(Form):
    """Make an event public (1) or private (0)."""

    public = HiddenField(validators=[InputRequired(), AnyOf(("0", "1"))])
