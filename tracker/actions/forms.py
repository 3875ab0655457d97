"""Forms for planning actions, recording their progress, and the decisions on them."""

from __future__ import annotations

import re
from datetime import date
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from flask import current_app
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict
from wtforms import (
    BooleanField,
    DateField,
    Field,
    HiddenField,
    IntegerField,
    MultipleFileField,
    SelectField,
    SelectMultipleField,
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

from tracker.actions import bulk, rules
from tracker.actions.queries import ActionFilters
from tracker.actions.services import Change, Reading
from tracker.args import positive_int
from tracker.evidence import storage
from tracker.forms import (
    Form,
    ModelSelectField,
    ModelSelectMultipleField,
    NumberField,
    VersionedForm,
    add_error,
    choices,
)
from tracker.models import (
    AWAITING_REVIEW_STATUSES,
    MAX_REPORT_WEEKS,
    TEXT_MAX_LENGTH,
    Indicator,
    Status,
    User,
)


class ActionForm(VersionedForm):
    """What a coordinator plans for an action."""

    # "0" for a new action, which has no version yet; an edit without the version it
    # showed is taken as based on version 0, so it is refused as stale.
    version = HiddenField(default="0", validators=[Regexp(r"^\d{1,9}$")])

    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)])
    description = TextAreaField(_l("Description"),
                                validators=[Optional(), Length(max=TEXT_MAX_LENGTH)])
    # No owner is chosen for the coordinator; a blank lead institution is the owner's.
    owner = ModelSelectField(_l("Owner"), validators=[InputRequired()], allow_blank=True)
    lead_institution = ModelSelectField(_l("Lead institution"), validators=[Optional()],
                                        allow_blank=True)
    contributors = ModelSelectMultipleField(_l("Contributing institutions"))
    start_date = DateField(_l("Start date"), validators=[Optional()])
    deadline = DateField(_l("Deadline"), validators=[InputRequired()])
    report_every_weeks = IntegerField(
        _l("Progress update required every … weeks"),
        validators=[Optional(), NumberRange(min=1, max=MAX_REPORT_WEEKS)])

    def validate_deadline(self, field: DateField) -> None:
        problem = rules.dates_problem(self.start_date.data, field.data)
        if problem:
            raise ValidationError(problem)

    def set_choices(self, owners: list, institutions: list) -> None:
        """Offer the users who may own actions, each with their institution, and the active
        institutions."""
        self.owner.set_objects(owners, label=owner_label, attributes=lambda u: {
            "data-institution": u.institution_id or ""})
        self.owner.render_kw = {"data-proposes-lead": True}  # see static/actions.js
        self.lead_institution.set_objects(institutions)
        self.contributors.set_objects(institutions)

    def values(self) -> dict[str, Any]:
        """Return the planning fields as `create_action` and `edit_action` take them."""
        return {
            "title": self.title.data.strip(),
            "description": (self.description.data or "").strip(),
            "owner": self.owner.selected,
            "lead_institution": self.lead_institution.selected,
            "contributors": self.contributors.selected,
            "start_date": self.start_date.data,
            "deadline": self.deadline.data,
            "report_every_weeks": self.report_every_weeks.data,
        }


def owner_label(user: User) -> str:
    """Return how an owner is offered: "Name — Institution"."""
    if user.institution is None:
        return user.name
    return f"{user.name} — {user.institution.label}"


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
        # "completed" (or "cancelled") and the action then waits for a coordinator.
        self.status.choices = choices(
            (s.value, s.label) for s in Status if s not in AWAITING_REVIEW_STATUSES)

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


class MeasuredUpdateForm(UpdateForm):
    """The action's update form plus an optional value and date for each of its indicators.

    Built by `update_form`, which adds the fields `indicator_<id>_value` and
    `indicator_<id>_date`; after validation, `readings` holds the values given.
    """

    indicators: list[Indicator] = []
    today: date

    def measurement_fields(self) -> list[tuple[Indicator, Any, Any]]:
        """Return each indicator with its value and date fields, in the indicators' order."""
        return [(i, self[f"indicator_{i.id}_value"], self[f"indicator_{i.id}_date"])
                for i in self.indicators]

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        readings = []
        for indicator, value, day in self.measurement_fields():
            if value.errors or value.data is None:
                continue
            problem = rules.measurement_date_problem(indicator, day.data, self.today)
            if problem:
                if not day.errors:
                    add_error(day, problem)
                valid = False
                continue
            readings.append(Reading(indicator, value.data, day.data))
        self.readings = readings if valid else []
        return valid

    def change(self) -> Change:
        """Return the update the form asks for (files checked: raises `EvidenceRefused`)."""
        return Change(status=Status(self.status.data), progress=self.progress.data,
                      comment=self.comment.data or "", readings=self.readings,
                      files=[storage.check(upload) for upload in self.uploads],
                      links=self.link_list)


def update_form(indicators: list[Indicator], today: date, *args: Any,
                **kwargs: Any) -> MeasuredUpdateForm:
    """Return the update form of an action whose indicators are `indicators`."""
    fields: dict[str, Any] = {}
    for indicator in indicators:
        label = f"{indicator.name} ({indicator.unit})" if indicator.unit else indicator.name
        fields[f"indicator_{indicator.id}_value"] = NumberField(label, validators=[Optional()])
        fields[f"indicator_{indicator.id}_date"] = DateField(
            _l("Date of the value"), validators=[Optional()], default=today)
    # WTForms binds fields declared on a class: the indicators' fields make a subclass.
    form_class = type("ActionMeasuredUpdateForm", (MeasuredUpdateForm,), fields)
    form = form_class(*args, **kwargs)
    form.indicators = list(indicators)
    form.today = today
    form.readings = []
    return form


class QueueOrigin(Form):
    """A decision that may be taken in the review queue: `origin` then says so, and the
    queue (not the action's page) shows the form again if it is refused."""

    # "queue" when the form was sent from the review queue, which is then shown again.
    origin = HiddenField(validators=[Optional(), Regexp(r"^queue$")])

    @property
    def from_queue(self) -> bool:
        """Tell whether the decision was taken in the review queue."""
        return self.origin.data == "queue"


class ReviewForm(VersionedForm, QueueOrigin):
    """A coordinator's decision on a reported completion, with a comment."""

    decision = SelectField(_l("Decision"), validators=[DataRequired()])
    comment = TextAreaField(_l("Comment for the owner"),
                            validators=[Optional(), Length(max=TEXT_MAX_LENGTH)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.decision.choices = choices([("validate", _l("Validate: the action is completed")),
                                         ("return", _l("Return it: work remains"))])


class CancellationDecisionForm(VersionedForm, QueueOrigin):
    """A coordinator's answer to a focal point's proposal to cancel an action."""

    decision = SelectField(_l("Decision"), validators=[DataRequired()])
    comment = TextAreaField(_l("Comment for the owner"),
                            validators=[Optional(), Length(max=TEXT_MAX_LENGTH)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.decision.choices = choices([("accept", _l("Accept: the action is cancelled")),
                                         ("refuse", _l("Refuse: work goes on"))])


# A selected completion in the queue: the action's id and the version the coordinator saw.
SELECTED_ITEM = re.compile(r"^([0-9]{1,9}):([0-9]{1,9})$")


class BulkValidationForm(Form):
    """Several reported completions validated at once, with one comment."""

    selected = SelectMultipleField(_l("Completions to validate"), validate_choice=False)
    comment = TextAreaField(_l("Comment for the owners"),
                            validators=[Optional(), Length(max=TEXT_MAX_LENGTH)])

    def validate_selected(self, field: SelectMultipleField) -> None:
        if not field.data:
            raise ValidationError(_l("Select the completions to validate."))
        if len(field.data) > 500 or not all(
                isinstance(v, str) and SELECTED_ITEM.match(v) for v in field.data):
            raise ValidationError(_l("This selection cannot be read: reload the queue."))

    @property
    def items(self) -> list[tuple[int, int]]:
        """Return the (action id, version seen) pairs selected, each action once."""
        pairs = (SELECTED_ITEM.match(v).groups() for v in self.selected.data)
        return list({int(a): (int(a), int(v)) for a, v in pairs}.values())


class ExtensionRequestForm(Form):
    """A focal point's request for a later deadline."""

    new_deadline = DateField(_l("New deadline"), validators=[InputRequired()])
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=2000)])


class ExtensionDecisionForm(QueueOrigin):
    """A coordinator's answer to a deadline request."""

    decision = SelectField(_l("Decision"), validators=[DataRequired()])
    comment = TextAreaField(_l("Comment"), validators=[Optional(), Length(max=2000)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.decision.choices = choices([("accept", _l("Accept the new deadline")),
                                         ("refuse", _l("Refuse"))])


class IdListField(Field):
    """The ids of the actions ticked on the list (checkboxes sharing one name)."""

    widget = None  # the checkboxes are the list's rows, not a widget of this form

    def process_formdata(self, valuelist: list[Any]) -> None:
        ids = [positive_int(value) for value in valuelist]
        self.data = sorted({i for i in ids if i is not None})
        if None in ids:
            raise ValueError(_l("Not a valid choice."))

    def _value(self) -> str:
        return ",".join(str(i) for i in self.data or [])


class BulkStartForm(Form):
    """The first step of a change for many actions, as every coordinator's list page shows
    it: the change to make, for the actions ticked or all those matching the list's
    filters. Its value is asked on the next page (`BulkForm`, which takes the same fields):
    the list builds 2 fields instead of 13."""

    filters = HiddenField(validators=[Optional(), Length(max=2000)])
    operation = SelectField(_l("Change"), validators=[DataRequired()], id="bulk-operation")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.operation.choices = choices((op.value, op.label) for op in bulk.Operation)


class BulkForm(BulkStartForm):
    """A change for many actions: the actions (ticked, or all matching the list's
    filters) and the change, with the value it needs."""

    ids = IdListField(default=list)
    all_matching = BooleanField(_l("All the actions matching the filters"))
    owner = ModelSelectField(_l("New owner"), allow_blank=True, id="bulk-owner")
    institution = ModelSelectField(_l("New lead institution"), allow_blank=True,
                                   id="bulk-institution")
    days = IntegerField(_l("Move the deadlines by (days, negative for earlier)"),
                        validators=[Optional(),
                                    NumberRange(min=-bulk.MAX_SHIFT_DAYS, max=bulk.MAX_SHIFT_DAYS)],
                        id="bulk-days")
    deadline = DateField(_l("New deadline"), validators=[Optional()], id="bulk-deadline")
    status = SelectField(_l("New status"), validators=[Optional()], id="bulk-status")
    weeks = IntegerField(_l("Progress update required every … weeks"),
                         validators=[Optional(), NumberRange(min=1, max=MAX_REPORT_WEEKS)],
                         id="bulk-weeks")
    comment = TextAreaField(_l("Comment for the history"),
                            validators=[Optional(), Length(max=2000)], id="bulk-comment")
    # Set by the page that asks for the change's value: an empty value then means "none"
    # (no reporting cycle of its own) rather than "not chosen yet".
    chosen = HiddenField(validators=[Optional(), Length(max=1)])

    # The field holding the value each operation needs.
    VALUE_FIELDS = {bulk.Operation.OWNER: "owner", bulk.Operation.LEAD: "institution",
                    bulk.Operation.SHIFT: "days", bulk.Operation.DEADLINE: "deadline",
                    bulk.Operation.STATUS: "status", bulk.Operation.CYCLE: "weeks"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.status.choices = choices(
            [("", "—")] + [(s.value, s.label) for s in Status
                           if s not in AWAITING_REVIEW_STATUSES])

    def set_choices(self, owners: list, institutions: list) -> None:
        """Offer the users who may own actions and the active institutions."""
        self.owner.set_objects(owners, label=owner_label)
        self.institution.set_objects(institutions)

    def value_field(self):
        """Return the field of the value the chosen operation needs."""
        return self[self.VALUE_FIELDS[bulk.Operation(self.operation.data)]]

    def value_missing(self) -> bool:
        """Tell whether the change's value is still to be asked for."""
        return not self.chosen.data and self.value_field().data in (None, "")

    def validate_ids(self, field: IdListField) -> None:
        if len(field.data or []) > bulk.MAX_BATCH:
            raise ValidationError(bulk.TooMany.default_message)

    def change(self) -> bulk.BulkChange:
        """Return the change the form asks for (its value checked by `bulk.plan`)."""
        return bulk.BulkChange(
            operation=bulk.Operation(self.operation.data), owner=self.owner.selected,
            institution=self.institution.selected, days=self.days.data,
            deadline=self.deadline.data,
            status=Status(self.status.data) if self.status.data else None,
            weeks=self.weeks.data, comment=(self.comment.data or "").strip())

    def list_filters(self) -> ActionFilters:
        """Return the filters of the list the actions were chosen on."""
        return ActionFilters.from_args(MultiDict(parse_qsl(self.filters.data or "")))


# "id:version" pairs, comma-separated: what a preview showed of each action.
_VERSIONS = r"^\d{1,10}:\d{1,9}(,\d{1,10}:\d{1,9})*$"


class BulkApplyForm(BulkForm):
    """The change a preview showed, with the version of each action it was made from."""

    versions = HiddenField(validators=[DataRequired(),
                                       Length(max=bulk.MAX_BATCH * 22), Regexp(_VERSIONS)])

    def validate_versions(self, field: HiddenField) -> None:
        if len(self.version_map) > bulk.MAX_BATCH:
            raise ValidationError(bulk.TooMany.default_message)

    @property
    def version_map(self) -> dict[int, int]:
        """Return {action id: version shown} (ids past the id bound dropped)."""
        pairs = (pair.split(":") for pair in (self.versions.data or "").split(",") if pair)
        return {positive_int(i): int(v) for i, v in pairs if positive_int(i) is not None}


def versions_text(versions: dict[int, int]) -> str:
    """Return the `versions` field's value for {action id: version}."""
    return ",".join(f"{i}:{v}" for i, v in sorted(versions.items()))


class SaveViewForm(Form):
    """A name for the filtered list shown, and whether every coordinator sees it."""

    name = StringField(_l("Name of the view"), validators=[DataRequired(), Length(max=100)],
                       id="view-name")
    shared = BooleanField(_l("Share with all coordinators"), id="view-shared")
    filters = HiddenField(validators=[Optional(), Length(max=2000)])
