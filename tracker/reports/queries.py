"""The data of the progress reports, each read in a fixed number of SQL queries.

- the progress report of one event (`event_report`);
- the meeting report (`meeting_report`): one event or several, or every recommendation
  under chosen GCM objectives, with what changed since a chosen date;
- the GCM review report (`gcm_report`): by objective of the Global Compact for Migration,
  across all events, for Tunisia's contribution to its regional and global reviews.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import aliased, contains_eager

from tracker.actions.queries import recommendation_progress
from tracker.args import MAX_INT, positive_int
from tracker.extensions import db
from tracker.indicators.queries import EventIndicators, event_indicators, scope_indicators
from tracker.models import (
    Action,
    ActionUpdate,
    Event,
    Evidence,
    GcmObjective,
    Institution,
    Recommendation,
    Status,
    UpdateKind,
    User,
    recommendation_gcm,
)
from tracker.numbers import plain_number

# How many events or objectives one report may cover (there are 23 objectives).
MAX_SCOPE_ITEMS = 100
GCM_OBJECTIVE_COUNT = 23


@dataclass(frozen=True)
class ActionLine:
    """One action as the report shows it: its last update, its latest comment, the reason
    it is blocked (when it is), and how much evidence backs it."""

    action: Action
    overdue: bool
    last_update_at: datetime | None
    last_update_author: str | None
    evidence_count: int
    latest_comment: str = ""
    latest_comment_at: datetime | None = None
    blocker: str = ""

    @property
    def blocked(self) -> bool:
        """Tell whether the action is blocked (`blocker` then holds the reason given)."""
        return self.action.status == Status.BLOCKED


@dataclass
class RecommendationSection:
    """A recommendation, its derived progress (None without open actions) and its actions."""

    recommendation: Recommendation
    progress: int | None
    lines: list[ActionLine] = field(default_factory=list)


@dataclass
class Figures:
    """The summary figures of a report: actions by status, overdue, lead institutions."""

    status_counts: dict[Status, int] = field(default_factory=lambda: dict.fromkeys(Status, 0))
    overdue_count: int = 0
    institutions: list[Institution] = field(default_factory=list)

    @property
    def action_count(self) -> int:
        return sum(self.status_counts.values())

    @property
    def completed_count(self) -> int:
        return self.status_counts[Status.COMPLETED]

    @property
    def countable_actions(self) -> int:
        """Return how many actions count toward completion: all but the cancelled ones."""
        return self.action_count - self.status_counts[Status.CANCELLED]

    @property
    def completed_share(self) -> int | None:
        """Return the percentage of actions not cancelled that are completed (None if none)."""
        if not self.countable_actions:
            return None
        return round(100 * self.completed_count / self.countable_actions)

    @classmethod
    def of(cls, lines: Iterable[ActionLine]) -> Figures:
        """Return the figures of `lines` (no query: their institutions are loaded)."""
        figures = cls()
        institutions: dict[int, Institution] = {}
        for line in lines:
            figures.status_counts[line.action.status] += 1
            figures.overdue_count += line.overdue
            institutions[line.action.lead_institution_id] = line.action.lead_institution
        figures.institutions = sorted(institutions.values(), key=lambda i: i.code)
        return figures


@dataclass
class EventReport:
    """Everything the progress report of one event shows, as of `today`."""

    event: Event
    today: date
    sections: list[RecommendationSection]
    figures: Figures
    indicators: EventIndicators = field(default_factory=EventIndicators)

    @property
    def recommendation_count(self) -> int:
        return len(self.sections)


def _in_tracker_zone(day: date) -> datetime:
    """Return the first instant of `day` where the tracker's users are, as UTC."""
    zone = ZoneInfo(current_app.config["TRACKER_TIMEZONE"])
    return datetime.combine(day, time(), tzinfo=zone).astimezone(UTC)


def action_lines(recommendation_ids: list[int], today: date) -> list[ActionLine]:
    """Return the report lines of the actions of some recommendations, by deadline.

    One query: the actions joined with their owner, lead institution, last update, latest
    comment, the update that blocked them and their evidence count (GROUP BY subqueries).
    """
    if not recommendation_ids:
        return []
    scope_actions = select(Action.id).where(Action.recommendation_id.in_(recommendation_ids))

    def latest(*conditions: ColumnElement[bool]):
        # The highest id is the latest row: history is append-only, and ids never tie.
        return (select(ActionUpdate.action_id, func.max(ActionUpdate.id).label("last_id"))
                .where(ActionUpdate.action_id.in_(scope_actions), *conditions)
                .group_by(ActionUpdate.action_id).subquery())

    last_ids = latest()
    comment_ids = latest(ActionUpdate.comment != "")
    blocked_ids = latest(ActionUpdate.new_status == Status.BLOCKED)
    evidence_counts = (
        select(Evidence.action_id, func.count(Evidence.id).label("n"))
        .where(Evidence.action_id.in_(scope_actions))
        .group_by(Evidence.action_id).subquery()
    )
    owner = aliased(User)
    lead = aliased(Institution)
    last_update = aliased(ActionUpdate)
    commented = aliased(ActionUpdate)
    blocked = aliased(ActionUpdate)
    author = aliased(User)
    rows = db.session.execute(
        select(Action, last_update.created_at, author.name,
               func.coalesce(evidence_counts.c.n, 0), commented.comment, commented.created_at,
               blocked.comment)
        .join(owner, Action.owner_id == owner.id)
        .join(lead, Action.lead_institution_id == lead.id)
        .outerjoin(last_ids, last_ids.c.action_id == Action.id)
        .outerjoin(last_update, last_update.id == last_ids.c.last_id)
        .outerjoin(author, author.id == last_update.author_id)
        .outerjoin(comment_ids, comment_ids.c.action_id == Action.id)
        .outerjoin(commented, commented.id == comment_ids.c.last_id)
        .outerjoin(blocked_ids, blocked_ids.c.action_id == Action.id)
        .outerjoin(blocked, blocked.id == blocked_ids.c.last_id)
        .outerjoin(evidence_counts, evidence_counts.c.action_id == Action.id)
        .where(Action.recommendation_id.in_(recommendation_ids))
        .options(contains_eager(Action.owner.of_type(owner)),
                 contains_eager(Action.lead_institution.of_type(lead)))
        .order_by(Action.deadline, Action.id)
    ).all()
    return [
        ActionLine(action, action.is_overdue(today), updated_at, author_name, evidence,
                   comment or "", commented_at,
                   (blocker or "") if action.status == Status.BLOCKED else "")
        for (action, updated_at, author_name, evidence, comment, commented_at,
             blocker) in rows
    ]


def _sections(recommendations: list[Recommendation],
              lines: list[ActionLine]) -> dict[int, RecommendationSection]:
    """Return a section per recommendation, in their order, with its lines and progress."""
    sections = {r.id: RecommendationSection(r, None) for r in recommendations}
    for line in lines:
        sections[line.action.recommendation_id].lines.append(line)
    for rec_id, value in recommendation_progress(list(sections)).items():
        sections[rec_id].progress = value
    return sections


def event_report(event: Event, today: date) -> EventReport:
    """Return the progress report of `event` as of `today`.

    Four queries whatever the size of the event: its recommendations, its actions with
    their last update, latest comment and evidence count, the recommendations' progress,
    and the indicators of its recommendations and actions with their measurements.
    """
    recommendations = db.session.scalars(
        select(Recommendation).where(Recommendation.event_id == event.id)
        .order_by(Recommendation.position, Recommendation.id)
    ).all()
    lines = action_lines([r.id for r in recommendations], today)
    sections = _sections(list(recommendations), lines)
    return EventReport(event=event, today=today, sections=list(sections.values()),
                       figures=Figures.of(lines), indicators=event_indicators(event.id, today))


# The meeting report.

def _ids(values: list[str], maximum: int) -> tuple[int, ...]:
    """Return the distinct whole numbers `values` spell, in order, ignoring the others."""
    numbers = (positive_int(v, maximum) for v in values[:MAX_SCOPE_ITEMS])
    return tuple(dict.fromkeys(n for n in numbers if n is not None))


# The earliest "since" date read: before it, the tracker's midnight may not exist in UTC.
EARLIEST_SINCE = date(1900, 1, 1)


def _day(value: str | None) -> date | None:
    try:
        day = date.fromisoformat(value) if value and len(value) == 10 else None
    except ValueError:
        return None
    return day if day is not None and day >= EARLIEST_SINCE else None


@dataclass(frozen=True)
class ReportScope:
    """What a meeting report covers: chosen events, or GCM objectives, or both (then the
    recommendations of those events under those objectives), and since when changes count.

    Read from the query string, so a report can be shared as a link; values that do not
    parse are ignored, like the action list's filters.
    """

    event_ids: tuple[int, ...] = ()
    gcm: tuple[int, ...] = ()
    since: date | None = None

    @classmethod
    def from_args(cls, args) -> ReportScope:
        """Read the scope from a query string mapping (`event`, `gcm` repeated; `since`)."""
        return cls(event_ids=_ids(args.getlist("event"), MAX_INT),
                   gcm=_ids(args.getlist("gcm"), GCM_OBJECTIVE_COUNT),
                   since=_day(args.get("since")))

    @property
    def is_empty(self) -> bool:
        """Tell whether nothing was chosen to report on."""
        return not self.event_ids and not self.gcm

    def to_args(self) -> dict[str, list[str] | str]:
        """Return the query-string form of the scope."""
        values: dict[str, list[str] | str] = {
            "event": [str(i) for i in self.event_ids], "gcm": [str(n) for n in self.gcm]}
        if self.since is not None:
            values["since"] = self.since.isoformat()
        return {k: v for k, v in values.items() if v}

    def recommendation_conditions(self) -> list[ColumnElement[bool]]:
        """Return the SQL conditions on recommendations that this scope sets."""
        conditions = []
        if self.event_ids:
            conditions.append(Recommendation.event_id.in_(self.event_ids))
        if self.gcm:
            conditions.append(Recommendation.id.in_(
                select(recommendation_gcm.c.recommendation_id)
                .where(recommendation_gcm.c.gcm_number.in_(self.gcm))))
        return conditions


@dataclass(frozen=True)
class Comment:
    """A comment written on an action's history."""

    at: datetime
    author: str | None
    text: str


@dataclass
class ActionChange:
    """What changed on an action since a date: status and progress from and to, the
    comments written and the evidence added; `created` when the action is new."""

    line: ActionLine
    recommendation: Recommendation
    created: bool = False
    status_from: Status | None = None
    progress_from: int | None = None
    comments: list[Comment] = field(default_factory=list)
    new_evidence: int = 0

    @property
    def status_to(self) -> Status:
        return self.line.action.status

    @property
    def progress_to(self) -> int:
        return self.line.action.progress

    @property
    def status_changed(self) -> bool:
        return self.status_from is not None and self.status_from != self.status_to

    @property
    def progress_changed(self) -> bool:
        return self.progress_from is not None and self.progress_from != self.progress_to

    @property
    def is_news(self) -> bool:
        """Tell whether anything worth a line in the "since" section happened."""
        return (self.created or self.status_changed or self.progress_changed
                or bool(self.comments) or self.new_evidence > 0)


@dataclass
class EventPart:
    """The recommendations of one event that a meeting report covers."""

    event: Event
    sections: list[RecommendationSection]


@dataclass
class MeetingReport:
    """Everything a follow-up meeting's report shows, as of `today`."""

    scope: ReportScope
    today: date
    parts: list[EventPart]
    objectives: list[GcmObjective]
    figures: Figures
    indicators: EventIndicators
    changes: list[ActionChange] | None = None

    @property
    def sections(self) -> list[RecommendationSection]:
        return [section for part in self.parts for section in part.sections]

    @property
    def recommendation_count(self) -> int:
        return len(self.sections)


def meeting_report(scope: ReportScope, today: date) -> MeetingReport:
    """Return the meeting report of `scope` as of `today`.

    At most eight queries whatever the size of the scope: the chosen events and
    objectives, the recommendations with their events, the actions' lines, the
    recommendations' progress, the indicators, and, with a `since` date, the history rows
    and the evidence added since then.
    """
    objectives = list(db.session.scalars(
        select(GcmObjective).where(GcmObjective.number.in_(scope.gcm))
        .order_by(GcmObjective.number))) if scope.gcm else []
    chosen_events = list(db.session.scalars(
        select(Event).where(Event.id.in_(scope.event_ids)))) if scope.event_ids else []
    recommendations: list[Recommendation] = []
    if not scope.is_empty:
        recommendations = list(db.session.scalars(
            select(Recommendation).join(Recommendation.event)
            .where(*scope.recommendation_conditions())
            .options(contains_eager(Recommendation.event))
            .order_by(Event.date, Event.id, Recommendation.position, Recommendation.id)))
    lines = action_lines([r.id for r in recommendations], today)
    sections = _sections(recommendations, lines)
    parts: dict[int, EventPart] = {}
    for event in sorted(chosen_events, key=lambda e: (e.date, e.id)):
        parts[event.id] = EventPart(event, [])
    for recommendation in recommendations:
        part = parts.setdefault(recommendation.event_id, EventPart(recommendation.event, []))
        part.sections.append(sections[recommendation.id])
    ordered = sorted(parts.values(), key=lambda p: (p.event.date, p.event.id))
    rec_ids = select(Recommendation.id).where(*scope.recommendation_conditions())
    indicators = (scope_indicators(rec_ids, today) if recommendations else EventIndicators())
    report = MeetingReport(scope=scope, today=today, parts=ordered, objectives=objectives,
                           figures=Figures.of(lines), indicators=indicators)
    if scope.since is not None:
        report.changes = changes_since(sections, lines, scope.since)
    return report


def changes_since(sections: dict[int, RecommendationSection], lines: list[ActionLine],
                  since: date) -> list[ActionChange]:
    """Return what changed on the actions of `lines` from the start of `since`, in the
    report's order (two queries: the history rows and the evidence added since then)."""
    if not lines:
        return []
    start = _in_tracker_zone(since)
    action_ids = [line.action.id for line in lines]
    changes = {line.action.id: ActionChange(
        line, sections[line.action.recommendation_id].recommendation) for line in lines}
    author = aliased(User)
    rows = db.session.execute(
        select(ActionUpdate.action_id, ActionUpdate.kind, ActionUpdate.created_at,
               ActionUpdate.old_status, ActionUpdate.old_progress, ActionUpdate.comment,
               author.name)
        .outerjoin(author, author.id == ActionUpdate.author_id)
        .where(ActionUpdate.action_id.in_(action_ids), ActionUpdate.created_at >= start)
        .order_by(ActionUpdate.id))
    for action_id, kind, created_at, old_status, old_progress, comment, name in rows:
        change = changes[action_id]
        if kind == UpdateKind.CREATED:
            change.created = True
        # The first row since the date holds the value the action had on that date.
        if change.status_from is None and old_status is not None:
            change.status_from = old_status
        if change.progress_from is None and old_progress is not None:
            change.progress_from = old_progress
        if comment:
            change.comments.append(Comment(created_at, name, comment))
    for action_id, count in db.session.execute(
            select(Evidence.action_id, func.count(Evidence.id))
            .where(Evidence.action_id.in_(action_ids), Evidence.created_at >= start)
            .group_by(Evidence.action_id)):
        changes[action_id].new_evidence = count
    order = {section.recommendation.id: i for i, section in enumerate(sections.values())}
    return sorted((c for c in changes.values() if c.is_news),
                  key=lambda c: (order[c.recommendation.id], c.line.action.deadline,
                                 c.line.action.id))


# The GCM review report.

@dataclass
class InstitutionShare:
    """One lead institution's part in the actions under an objective."""

    institution: Institution
    actions: int = 0
    completed: int = 0
    progress_total: int = 0
    counted: int = 0

    @property
    def progress(self) -> int | None:
        """Return the mean progress of its actions not cancelled (None if none)."""
        return round(self.progress_total / self.counted) if self.counted else None


@dataclass
class ObjectiveSection:
    """A GCM objective: the recommendations under it, across events, and their actions."""

    objective: GcmObjective
    sections: list[RecommendationSection] = field(default_factory=list)

    @property
    def lines(self) -> list[ActionLine]:
        return [line for section in self.sections for line in section.lines]

    @property
    def figures(self) -> Figures:
        return Figures.of(self.lines)

    @property
    def institutions(self) -> list[InstitutionShare]:
        """Return each lead institution's actions, completed ones and mean progress."""
        shares: dict[int, InstitutionShare] = {}
        for line in self.lines:
            action = line.action
            share = shares.setdefault(action.lead_institution_id,
                                      InstitutionShare(action.lead_institution))
            share.actions += 1
            share.completed += action.status == Status.COMPLETED
            if action.status != Status.CANCELLED:
                share.progress_total += action.progress
                share.counted += 1
        return sorted(shares.values(), key=lambda s: s.institution.code)


@dataclass
class GcmReport:
    """The recommendations and actions of every event by GCM objective, as of `today`."""

    today: date
    objectives: list[ObjectiveSection]
    figures: Figures
    indicators: EventIndicators
    unlinked: int = 0

    @property
    def covered(self) -> list[ObjectiveSection]:
        """Return the objectives with at least one recommendation."""
        return [o for o in self.objectives if o.sections]


def gcm_report(today: date) -> GcmReport:
    """Return the GCM review report as of `today`.

    Six queries whatever the number of events: the objectives, the links of
    recommendations to objectives (with the recommendations and their events), the
    actions' lines, the recommendations' progress, the indicators, and the count of
    recommendations linked to no objective. A recommendation under two objectives is
    shown under both; the overall figures count its actions once.
    """
    objectives = {o.number: ObjectiveSection(o) for o in db.session.scalars(
        select(GcmObjective).order_by(GcmObjective.number))}
    linked = db.session.execute(
        select(recommendation_gcm.c.gcm_number, Recommendation)
        .join(Recommendation, Recommendation.id == recommendation_gcm.c.recommendation_id)
        .join(Recommendation.event)
        .options(contains_eager(Recommendation.event))
        .order_by(recommendation_gcm.c.gcm_number, Event.date, Event.id,
                  Recommendation.position, Recommendation.id)).all()
    recommendations = list({r.id: r for _number, r in linked}.values())
    lines = action_lines([r.id for r in recommendations], today)
    sections = _sections(recommendations, lines)
    for number, recommendation in linked:
        objectives[number].sections.append(sections[recommendation.id])
    linked_ids = select(recommendation_gcm.c.recommendation_id)
    unlinked = db.session.scalar(select(func.count(Recommendation.id))
                                 .where(Recommendation.id.not_in(linked_ids)))
    return GcmReport(today=today, objectives=list(objectives.values()),
                     figures=Figures.of(lines), indicators=scope_indicators(linked_ids, today),
                     unlinked=unlinked or 0)


def indicator_summary(indicators: EventIndicators, section: RecommendationSection) -> str:
    """Return "name: latest/target unit; ..." for a recommendation's and its actions'
    indicators (no query)."""
    parts = []
    for _owner, standing in indicators.rows(section.recommendation.id,
                                            [line.action for line in section.lines]):
        value = standing.assessment.latest_value
        latest = "—" if value is None else plain_number(value)
        indicator = standing.indicator
        parts.append(f"{indicator.name}: {latest}/{plain_number(indicator.target_value)} "
                     f"{indicator.unit}".rstrip())
    return "; ".join(parts)
