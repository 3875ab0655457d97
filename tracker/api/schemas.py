"""Marshmallow schemas: they validate the API's input and generate its OpenAPI description."""

from __future__ import annotations

from datetime import date
from enum import Enum
from typing import Any

import marshmallow as ma
from flask import g
from marshmallow import fields, validate

from tracker import clock
from tracker.actions.queries import SORTS as ACTION_SORTS
from tracker.args import MAX_INT
from tracker.events.queries import SORTS as RECOMMENDATION_SORTS
from tracker.models import (
    AWAITING_REVIEW_STATUSES,
    TEXT_MAX_LENGTH,
    Priority,
    Status,
    UpdateKind,
)
from tracker.text import text_problem
from tracker.urls import external_url

MAX_PER_PAGE = 100
# The statuses an update may ask for: as in the web form, "completed" is asked and the
# action then waits for validation when a focal point reports it.
UPDATE_STATUSES = [s.value for s in Status if s not in AWAITING_REVIEW_STATUSES]


class StrictInteger(fields.Integer):
    """A JSON integer: refuses strings, decimals and booleans (which Python counts as ints)."""

    def __init__(self, **kwargs):
        super().__init__(strict=True, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool):
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


class Text(fields.String):
    """A string the text rule accepts (tracker.text): a single line unless `multiline`."""

    def __init__(self, multiline: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.multiline = multiline

    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs)
        problem = text_problem(value, self.multiline)
        if problem:
            raise ma.ValidationError(problem)
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
                       "a coordinator's validation (`pending_validation`), their "
                       "`cancelled` is a proposal a coordinator decides "
                       "(`pending_cancellation`); `blocked` and `cancelled` need a comment "
                       "saying why."})
    progress = StrictInteger(required=True, validate=validate.Range(0, 100),
                             metadata={"description": "Progress in percent (0 to 100)."})
    comment = Text(multiline=True, load_default="", validate=validate.Length(max=TEXT_MAX_LENGTH))
    version = StrictInteger(required=True, validate=validate.Range(0, 999_999_999), metadata={
        "description": "The `version` of the action the update is based on; a stale "
                       "version is refused with 409."})


# --- Responses ---------------------------------------------------------------------------
#
# The views return model objects; where a document holds more than the model (counts,
# progress, the latest measurement), they wrap the object in `Computed`. Every response
# field is `required`, so that the description tells clients it is always present.

class Computed:
    """A model object with values computed beside it, read as if they were its attributes."""

    def __init__(self, obj: Any, **values: Any) -> None:
        self._obj = obj
        self.__dict__.update(values)

    def __getattr__(self, name: str) -> Any:
        # Called only for what the computed values lack: the object's own attributes.
        return getattr(self._obj, name)


def _today() -> date:
    # One date for the whole response, even if it is dumped across midnight.
    if "api_today" not in g:
        g.api_today = clock.today()
    return g.api_today


class WebPage(fields.String):
    """The absolute URL of the object's page on the site, built from the object's id."""

    def __init__(self, endpoint: str, id_name: str, **kwargs) -> None:
        super().__init__(required=True, **kwargs)
        self.endpoint = endpoint
        self.id_name = id_name

    def get_value(self, obj, attr, accessor=None, default=ma.missing):
        return super().get_value(obj, "id", accessor, default)

    def _serialize(self, value, attr, obj, **kwargs):
        return external_url(self.endpoint, **{self.id_name: value})


class EnumValue(fields.String):
    """A member of `enum`, dumped as its value; the description lists the values."""

    def __init__(self, enum: type[Enum], **kwargs) -> None:
        super().__init__(validate=validate.OneOf([member.value for member in enum]), **kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else value.value


class RoundedInteger(fields.Integer):
    """An integer dumped from a mean, rounded (half to even) rather than truncated."""

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else round(float(value))


def _reference(name: str, *texts: str) -> type[ma.Schema]:
    """Return the schema of a reference to another object: its id and the texts naming it."""
    return ma.Schema.from_dict({"id": fields.Integer(required=True),
                          **{text: fields.String(required=True) for text in texts}}, name=name)


Ref = _reference("Ref", "name")
InstitutionRef = _reference("InstitutionRef", "name", "code")
ThemeRef = _reference("ThemeRef", "code", "label")
EventRef = _reference("EventRef", "title")
RecommendationRef = _reference("RecommendationRef", "number", "title")


class GcmNumber(ma.Schema):
    number = fields.Integer(required=True)


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
    """An event, with `recommendation_count` and `action_count` computed beside it."""

    id = fields.Integer(required=True)
    title = fields.String(required=True)
    date = fields.Date(required=True)
    place = fields.String(required=True)
    organisers = fields.String(required=True)
    source_url = fields.String(required=True)
    is_public = fields.Boolean(required=True)
    recommendation_count = fields.Integer(required=True)
    action_count = fields.Integer(required=True)
    url = WebPage("events.show", "event_id", metadata={"description": "The event's web page."})


class EventDetail(EventOut):
    description = fields.String(required=True)
    recommendations = fields.List(fields.Nested(RecommendationRef), required=True)


class RecommendationOut(RecommendationRef):
    """A recommendation, with `progress`, `action_count` and `overdue_count` computed
    beside it."""

    event = fields.Nested(EventRef, required=True)
    text = fields.String(required=True)
    theme = fields.Nested(ThemeRef, required=True, allow_none=True)
    priority = EnumValue(Priority, required=True)
    language = fields.String(required=True)
    gcm_objectives = fields.Pluck(GcmNumber, "number", many=True, required=True)
    progress = RoundedInteger(required=True, allow_none=True, metadata={
        "description": "Mean progress of its actions not cancelled (null: no such action)."})
    action_count = fields.Integer(required=True)
    overdue_count = fields.Integer(required=True)
    url = WebPage("events.show_recommendation", "recommendation_id")


class ActionOut(ma.Schema):
    id = fields.Integer(required=True)
    title = fields.String(required=True)
    recommendation = fields.Nested(RecommendationRef, required=True)
    event = fields.Nested(EventRef, attribute="recommendation.event", required=True)
    owner = fields.Nested(Ref, required=True)
    lead_institution = fields.Nested(InstitutionRef, required=True)
    contributors = fields.List(fields.Nested(InstitutionRef), required=True)
    start_date = fields.Date(required=True, allow_none=True)
    deadline = fields.Date(required=True)
    status = EnumValue(Status, required=True)
    progress = fields.Integer(required=True)
    version = fields.Integer(required=True, metadata={
        "description": "Send it back with an update (optimistic locking)."})
    overdue = fields.Method("_overdue", required=True, metadata={"type": "boolean"})
    days_late = fields.Method("_days_late", required=True, metadata={"type": "integer"})
    updated_at = fields.DateTime(required=True)
    url = WebPage("actions.show", "action_id",
                  metadata={"description": "The action's web page."})

    def _overdue(self, action) -> bool:
        return action.is_overdue(_today())

    def _days_late(self, action) -> int:
        return action.days_late(_today())


class HistoryEntry(ma.Schema):
    """One row of an action's history."""

    id = fields.Integer(required=True)
    created_at = fields.DateTime(required=True)
    kind = EnumValue(UpdateKind, required=True)
    author = fields.Nested(Ref, required=True, allow_none=True)
    old_status = EnumValue(Status, required=True, allow_none=True)
    new_status = EnumValue(Status, required=True, allow_none=True)
    old_progress = fields.Integer(required=True, allow_none=True)
    new_progress = fields.Integer(required=True, allow_none=True)
    comment = fields.String(required=True)


class ActionDetail(ActionOut):
    """An action, with `indicators` and `history` computed beside it."""

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
    """A page of a list, with its `links` computed beside it."""

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
