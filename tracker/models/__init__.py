"""The tracker's data model; importing this package registers every table."""

from tracker.models.actions import (
    CLOSED_STATUSES,
    Action,
    ActionUpdate,
    Status,
    UpdateKind,
    action_contributor,
)
from tracker.models.audit import AuditEntry
from tracker.models.catalog import DEFAULT_THEMES, GcmObjective, Theme
from tracker.models.events import Event, Priority, Recommendation, recommendation_gcm
from tracker.models.people import Institution, Role, User

__all__ = [
    "CLOSED_STATUSES",
    "DEFAULT_THEMES",
    "Action",
    "ActionUpdate",
    "AuditEntry",
    "Event",
    "GcmObjective",
    "Institution",
    "Priority",
    "Recommendation",
    "Role",
    "Status",
    "Theme",
    "UpdateKind",
    "User",
    "action_contributor",
    "recommendation_gcm",
]
