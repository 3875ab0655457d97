"""Marshmallow schemas: they validate the API's input and generate its OpenAPI description."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from tracker.actions.queries import SORTS as ACTION_SORTS
from tracker.args import MAX_INT
from tracker.events.queries import SORTS as RECOMMENDATION_SORTS
from tracker.models import TEXT_MAX_LENGTH, Priority, Status, UpdateKind

MAX_PER_PAGE = 100
# The statuses an update may ask for: as in the web form, "completed" is asked and the
# action then waits for validation when a focal point reports it.
UPDATE_STATUSES = [s.value for s in Status if s != Status.PENDING_VALIDATION]


class StrictInteger(fields.Integer):
    """A JSON integer: refuses strings, decimals and booleans (which Python counts as ints)."""

    def __init__(self, **kwargs):
        super().__init__(strict=True, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool):
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


def _printable(value: str) -> bool:
    # NUL and other control characters (line breaks and tabs aside) are never meant,
    # and PostgreSQL refuses NUL in text.
    return not any(ord(c) < 32 and c not in "\n\r\t" for c in value)


class Text(fields.String):
    """A string without control characters other than line breaks and tabs."""

    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs)
        if not _printable(value):
            raise ma.ValidationError("Control characters are not allowed.")
        return value


def _id(**kwargs) -> fields.Integer:
    return fields.Integer(validate=validate.Range(1, MAX_INT), **kwargs)


# --- Query parameters -----------------------------------------------------------------

class PageArgs(ma.Schema):
    """Which page of a list to return."""

    page = fields.Integer(load_default=1, validate=validate.Range(1, 100_000),
                          metadata={"description": "Page number, from 1."})
    per_page = fields.Integer(load_default=50, validate=validate.Range(1, MAX_PER_PAGE),
                              metadata={"description": f"Items per page (1 to {MAX_PER_PAGE})."})


class FilterArgs(PageArgs):
    """The filters shared by the action and recommendation lists (as on the web lists)."""

    status = fields.String(validate=validate.OneOf([s.value for s in Status]),
                           metadata={"description": "Actions in this status."})
    institution = Text(validate=validate.Length(1, 32), metadata={
        "description": "Lead institution, by id or code (e.g. `ONM`)."})
    event = _id(metadata={"description": "Event id."})
    theme = _id(metadata={"description": "Theme id."})
    owner = _id(metadata={"description": "Owner's user id."})
    gcm = fields.Integer(validate=validate.Range(1, 23),
                         metadata={"description": "GCM objective number (1 to 23)."})
    overdue = fields.Boolean(load_default=False, metadata={
        "description": "Only overdue actions: deadline passed, not completed, cancelled "
                       "or pending validation."})
    deadline_from = fields.Date(metadata={"description": "Deadline on or after (ISO date)."})
    deadline_to = fields.Date(metadata={"description": "Deadline on or before (ISO date)."})
    q = Text(validate=validate.Length(max=200), metadata={"description": "Search in titles "
                                                                          "and texts."})


class ActionArgs(FilterArgs):
    """Filters and sort of the action list."""

    recommendation = _id(metadata={"description": "Recommendation id."})
    awaiting_news = fields.Boolean(load_default=False, metadata={
        "description": "Only open actions a whole reporting cycle without news."})
    stale = fields.Boolean(load_default=False, metadata={
        "description": "Only actions in progress without news for too long."})
    sort = fields.String(load_default="deadline", validate=validate.OneOf(list(ACTION_SORTS)))


class RecommendationArgs(FilterArgs):
    """Filters and sort of the recommendation list; action filters keep recommendations
    with at least one matching action."""

    sort = fields.String(load_default="event",
                         validate=validate.OneOf(list(RECOMMENDATION_SORTS)))


# --- Request body -----------------------------------------------------------------------

class UpdateIn(ma.Schema):
    """A progress update, as the web form records it."""

    class Meta:
        unknown = ma.RAISE

    status = fields.String(required=True, validate=validate.OneOf(UPDATE_STATUSES), metadata={
        "description": "New status. A focal point's `completed` makes the action wait for "
                       "a coordinator's validation (`pending_validation`)."})
    progress = StrictInteger(required=True, validate=validate.Range(0, 100),
                             metadata={"description": "Progress in percent (0 to 100)."})
    comment = Text(load_default="", validate=validate.Length(max=TEXT_MAX_LENGTH))
    version = StrictInteger(required=True, validate=validate.Range(0, 999_999_999), metadata={
        "description": "The `version` of the action the update is based on; a stale "
                       "version is refused with 409."})


# --- Responses ---------------------------------------------------------------------------

class Ref(ma.Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)


class InstitutionRef(Ref):
    code = fields.String(required=True)


class ThemeRef(ma.Schema):
    id = fields.Integer(required=True)
    code = fields.String(required=True)
    label = fields.String(required=True)


class Latest(ma.Schema):
    value = fields.Float(required=True)
    measured_on = fields.Date(required=True)


class IndicatorOut(ma.Schema):
    """An indicator with its latest measurement (null when never measured)."""

    id = fields.Integer(required=True)
    name = fields.String(required=True)
    unit = fields.String(required=True)
    baseline_value = fields.Float(required=True)
    baseline_date = fields.Date(required=True)
    target_value = fields.Float(required=True)
    target_date = fields.Date(required=True)
    data_source = fields.String(required=True)
    disaggregation = fields.String(required=True)
    latest = fields.Nested(Latest, required=True, allow_none=True)


class EventOut(ma.Schema):
    id = fields.Integer(required=True)
    title = fields.String(required=True)
    date = fields.Date(required=True)
    place = fields.String(required=True)
    organisers = fields.String(required=True)
    source_url = fields.String(required=True)
    is_public = fields.Boolean(required=True)
    recommendation_count = fields.Integer(required=True)
    action_count = fields.Integer(required=True)
    url = fields.String(required=True, metadata={"description": "The event's web page."})


class EventDetail(EventOut):
    description = fields.String(required=True)
    recommendations = fields.List(fields.Nested(lambda: RecommendationRef()), required=True)


class RecommendationRef(ma.Schema):
    id = fields.Integer(required=True)
    number = fields.String(required=True)
    title = fields.String(required=True)


class RecommendationOut(RecommendationRef):
    event = fields.Nested(lambda: EventRef(), required=True)
    text = fields.String(required=True)
    theme = fields.Nested(ThemeRef, required=True, allow_none=True)
    priority = fields.String(required=True, validate=validate.OneOf([p.value for p in Priority]))
    language = fields.String(required=True)
    gcm_objectives = fields.List(fields.Integer(), required=True)
    progress = fields.Integer(required=True, allow_none=True, metadata={
        "description": "Mean progress of its actions not cancelled (null: no such action)."})
    action_count = fields.Integer(required=True)
    overdue_count = fields.Integer(required=True)
    url = fields.String(required=True)


class EventRef(ma.Schema):
    id = fields.Integer(required=True)
    title = fields.String(required=True)


class ActionOut(ma.Schema):
    id = fields.Integer(required=True)
    title = fields.String(required=True)
    recommendation = fields.Nested(RecommendationRef, required=True)
    event = fields.Nested(EventRef, required=True)
    owner = fields.Nested(Ref, required=True)
    lead_institution = fields.Nested(InstitutionRef, required=True)
    contributors = fields.List(fields.Nested(InstitutionRef), required=True)
    start_date = fields.Date(required=True, allow_none=True)
    deadline = fields.Date(required=True)
    status = fields.String(required=True, validate=validate.OneOf([s.value for s in Status]))
    progress = fields.Integer(required=True)
    version = fields.Integer(required=True, metadata={
        "description": "Send it back with an update (optimistic locking)."})
    overdue = fields.Boolean(required=True)
    days_late = fields.Integer(required=True)
    updated_at = fields.DateTime(required=True)
    url = fields.String(required=True, metadata={"description": "The action's web page."})


class HistoryEntry(ma.Schema):
    """One row of an action's history."""

    id = fields.Integer(required=True)
    created_at = fields.DateTime(required=True)
    kind = fields.String(required=True, validate=validate.OneOf([k.value for k in UpdateKind]))
    author = fields.Nested(Ref, required=True, allow_none=True)
    old_status = fields.String(required=True, allow_none=True)
    new_status = fields.String(required=True, allow_none=True)
    old_progress = fields.Integer(required=True, allow_none=True)
    new_progress = fields.Integer(required=True, allow_none=True)
    comment = fields.String(required=True)


class ActionDetail(ActionOut):
    description = fields.String(required=True)
    indicators = fields.List(fields.Nested(IndicatorOut), required=True)
    history = fields.List(fields.Nested(HistoryEntry), required=True, metadata={
        "description": "The latest history rows, newest first."})


class RecommendationDetail(RecommendationOut):
    indicators = fields.List(fields.Nested(IndicatorOut), required=True)
    actions = fields.List(fields.Nested(ActionOut), required=True)


class UpdateOut(ma.Schema):
    """The recorded history row and the action as it now stands."""

    update = fields.Nested(HistoryEntry, required=True)
    action = fields.Nested(ActionOut, required=True)


class Links(ma.Schema):
    self = fields.String(required=True)
    first = fields.String(required=True)
    last = fields.String(required=True)
    next = fields.String(required=True, allow_none=True)
    prev = fields.String(required=True, allow_none=True)


class PageOut(ma.Schema):
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    total = fields.Integer(required=True)
    pages = fields.Integer(required=True)
    links = fields.Nested(Links, required=True)


class EventPage(PageOut):
    items = fields.List(fields.Nested(EventOut), required=True)


class RecommendationPage(PageOut):
    items = fields.List(fields.Nested(RecommendationOut), required=True)


class ActionPage(PageOut):
    items = fields.List(fields.Nested(ActionOut), required=True)


class FieldError(ma.Schema):
    location = fields.String(required=True, metadata={"description": "json, query or path."})
    field = fields.String(required=True, metadata={"description": "Dotted name; empty for the "
                                                                  "whole body."})
    message = fields.String(required=True)


class ProblemSchema(ma.Schema):
    """An RFC 9457 problem document."""

    type = fields.String(required=True, metadata={
        "description": "`about:blank` for plain HTTP errors, else a link to the problem "
                       "type's description."})
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String(required=True)
    instance = fields.String(required=True)
    errors = fields.List(fields.Nested(FieldError), metadata={
        "description": "Validation errors, one per field."})
    current_version = fields.Integer(metadata={
        "description": "With a stale version: the action's current version."})
