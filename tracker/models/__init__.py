"""The tracker's data model; importing this package registers every table."""

from tracker.models.actions import (
    AWAITING_REVIEW_STATUSES,
    CLOCK_RESTARTING_KINDS,
    CLOSED_STATUSES,
    MAX_REPORT_WEEKS,
    NEVER_OVERDUE_STATUSES,
    NEWS_KINDS,
    Action,
    ActionClock,
    ActionUpdate,
    Evidence,
    EvidenceKind,
    ExtensionRequest,
    ExtensionStatus,
    Status,
    UpdateKind,
    action_contributor,
    action_visible_clause,
    archived_clause,
)
from tracker.models.audit import AuditEntry
from tracker.models.catalog import DEFAULT_THEMES, GcmObjective, Theme
from tracker.models.events import (
    RECOMMENDATION_NUMBER_RE,
    Event,
    Priority,
    Recommendation,
    event_visible_clause,
    recommendation_gcm,
    recommendation_visible_clause,
)
from tracker.models.indicators import Indicator, Measurement
from tracker.models.jobs import Job, JobState
from tracker.models.outbox import (
    InvitationLink,
    MessageKind,
    MessageStatus,
    OutboxMessage,
    ResetLink,
    UsedToken,
)
from tracker.models.people import (
    Institution,
    Role,
    User,
    coordinator_event,
    coordinator_institution,
)
from tracker.models.replies import HoldReason, InboundReply, ReplyStatus
from tracker.models.schedule import ClosedDay, PlannedDay
from tracker.models.sources import RecommendationLink, SourceDocument
from tracker.models.tokens import ApiToken
from tracker.models.types import RECOMMENDATION_TEXT_MAX_LENGTH, TEXT_MAX_LENGTH
from tracker.models.views import SavedView

__all__ = [
    "RECOMMENDATION_TEXT_MAX_LENGTH",
    "TEXT_MAX_LENGTH",
    "RECOMMENDATION_NUMBER_RE",
    "CLOCK_RESTARTING_KINDS",
    "CLOSED_STATUSES",
    "MAX_REPORT_WEEKS",
    "NEVER_OVERDUE_STATUSES",
    "AWAITING_REVIEW_STATUSES",
    "NEWS_KINDS",
    "Evidence",
    "EvidenceKind",
    "ExtensionRequest",
    "ExtensionStatus",
    "DEFAULT_THEMES",
    "Action",
    "ClosedDay",
    "PlannedDay",
    "ActionClock",
    "ApiToken",
    "ActionUpdate",
    "AuditEntry",
    "Event",
    "GcmObjective",
    "Indicator",
    "Institution",
    "InvitationLink",
    "Job",
    "JobState",
    "Measurement",
    "MessageKind",
    "MessageStatus",
    "OutboxMessage",
    "ResetLink",
    "UsedToken",
    "HoldReason",
    "InboundReply",
    "ReplyStatus",
    "Priority",
    "Recommendation",
    "RecommendationLink",
    "SavedView",
    "SourceDocument",
    "Role",
    "Status",
    "Theme",
    "UpdateKind",
    "User",
    "action_contributor",
    "action_visible_clause",
    "archived_clause",
    "event_visible_clause",
    "recommendation_visible_clause",
    "coordinator_event",
    "coordinator_institution",
    "recommendation_gcm",
]
