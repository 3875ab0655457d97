"""How indicators stand: the way covered from baseline to target, and whether on track.

Definitions (also on the dashboard and in the README):

- *Share of the way covered*: (latest value − baseline) / (target − baseline). It works
  the same for a target below the baseline (reduce a rate): both differences are then
  negative. It may fall below 0 % (moved away from the target) or exceed 100 %. When the
  target equals the baseline (keep a value), it is 100 % if the latest value equals the
  target and 0 % otherwise.
- *Share of time elapsed*: days from the baseline date to today over days from the
  baseline date to the target date, between 0 and 100 %.
- *On track*: a measurement in the last `INDICATOR_STALE_DAYS` days (90 by default) and
  a share covered at least the share of time elapsed minus `INDICATOR_TOLERANCE`
  percentage points (10 by default). *Off track*: recent, but below that. *No recent
  data*: no measurement dated within the last `INDICATOR_STALE_DAYS` days.

Indicators of cancelled actions are left out of the dashboard's counts.
Every function here runs a fixed number of SQL queries, whatever the number of rows.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import selectinload

from tracker.actions.queries import indicators_with_measurements
from tracker.extensions import db
from tracker.indicators import charts
from tracker.models import Action, Indicator, Measurement, Recommendation, Status
from tracker.numbers import plain_number

ON_TRACK = "on_track"
OFF_TRACK = "off_track"
NO_RECENT_DATA = "no_recent_data"
STATES = (ON_TRACK, OFF_TRACK, NO_RECENT_DATA)
STATE_LABELS = {ON_TRACK: _l("Progressing as planned"), OFF_TRACK: _l("Behind plan"),
                NO_RECENT_DATA: _l("No recent data")}
DEFAULT_STALE_DAYS = 90
DEFAULT_TOLERANCE = 10
ATTENTION_LIMIT = 10


@dataclass(frozen=True)
class Settings:
    """How recent a measurement must be, and how far behind schedule is still on track."""

    stale_days: int = DEFAULT_STALE_DAYS
    tolerance: float = DEFAULT_TOLERANCE / 100


def _setting(name: str) -> int:
    # Set from TRACKER_<NAME> by tracker.config.
    return max(int(current_app.config[name]), 0)


def settings() -> Settings:
    """Return the thresholds in force (INDICATOR_STALE_DAYS, INDICATOR_TOLERANCE in points)."""
    return Settings(stale_days=_setting("INDICATOR_STALE_DAYS"),
                    tolerance=_setting("INDICATOR_TOLERANCE") / 100)


@dataclass(frozen=True)
class Assessment:
    """Where an indicator stands on a day: its latest value and how far along it is."""

    latest_value: float | None
    latest_date: date | None
    share: float | None
    elapsed: float
    state: str

    @property
    def share_percent(self) -> int | None:
        """Return the share of the way covered as a whole percentage (None without a value)."""
        return None if self.share is None else round(100 * self.share)

    @property
    def elapsed_percent(self) -> int:
        """Return the share of time elapsed as a whole percentage."""
        return round(100 * self.elapsed)


def share_covered(baseline: float, target: float, value: float) -> float:
    """Return how much of the way from `baseline` to `target` `value` has covered (1.0: all).

    A target below the baseline counts downward; a target equal to the baseline is
    reached (1.0) only by the same value, else nothing is covered (0.0).
    """
    if target == baseline:
        return 1.0 if value == target else 0.0
    return (value - baseline) / (target - baseline)


def time_elapsed(baseline_date: date, target_date: date, today: date) -> float:
    """Return the share (0 to 1) of the time from baseline date to target date gone by today."""
    span = (target_date - baseline_date).days
    if span <= 0:
        return 1.0 if today >= target_date else 0.0
    return min(max((today - baseline_date).days / span, 0.0), 1.0)


def assess(baseline_value: float, baseline_date: date, target_value: float, target_date: date,
           latest_value: float | None, latest_date: date | None, today: date,
           rules: Settings) -> Assessment:
    """Tell where an indicator stands on `today` from its latest measurement (if any)."""
    elapsed = time_elapsed(baseline_date, target_date, today)
    if latest_value is None or latest_date is None:
        return Assessment(None, None, None, elapsed, NO_RECENT_DATA)
    share = share_covered(baseline_value, target_value, latest_value)
    if latest_date < today - timedelta(days=rules.stale_days):
        state = NO_RECENT_DATA
    elif share >= elapsed - rules.tolerance - 1e-9:
        state = ON_TRACK
    else:
        state = OFF_TRACK
    return Assessment(latest_value, latest_date, share, elapsed, state)


def assess_indicator(indicator: Indicator, today: date, rules: Settings) -> Assessment:
    """Assess an indicator whose measurements are loaded (ordered by date, then id)."""
    latest = indicator.measurements[-1] if indicator.measurements else None
    return assess(indicator.baseline_value, indicator.baseline_date, indicator.target_value,
                  indicator.target_date, latest.value if latest else None,
                  latest.measured_on if latest else None, today, rules)


@dataclass(frozen=True)
class Panel:
    """An indicator as a page shows it: its figures, where it stands and its chart."""

    indicator: Indicator
    assessment: Assessment
    chart: charts.TrajectoryChart


def recommendation_indicators(recommendation_id: int) -> list[Indicator]:
    """Return a recommendation's own indicators with their measurements (two queries)."""
    return indicators_with_measurements(Indicator.recommendation_id == recommendation_id)


def panels(indicators: list[Indicator], today: date) -> list[Panel]:
    """Return the panel of each indicator (no query: measurements must be loaded)."""
    rules = settings()
    result = []
    for indicator in indicators:
        assessment = assess_indicator(indicator, today, rules)
        result.append(Panel(indicator, assessment,
                            charts.trajectory_chart(indicator, assessment, today)))
    return result


def measurement_history(indicator: Indicator) -> list[Measurement]:
    """Return an indicator's measurements with their authors, latest first (two queries)."""
    return list(db.session.scalars(
        select(Measurement).where(Measurement.indicator_id == indicator.id)
        .options(selectinload(Measurement.author))
        .order_by(Measurement.measured_on.desc(), Measurement.id.desc())))


def latest_measurements():
    """Return a subquery of each indicator's latest measurement (rank 1), by date then id."""
    return select(
        Measurement.indicator_id, Measurement.value, Measurement.measured_on,
        func.row_number().over(
            partition_by=Measurement.indicator_id,
            order_by=(Measurement.measured_on.desc(), Measurement.id.desc()),
        ).label("rank"),
    ).subquery()


@dataclass(frozen=True)
class AttentionItem:
    """An indicator the dashboard lists: off track or without recent data."""

    id: int
    name: str
    action_id: int | None
    recommendation_id: int | None
    share_percent: int | None
    latest_date: date | None


@dataclass
class IndicatorCounts:
    """How many indicators are on track, off track and without recent data."""

    today: date
    rules: Settings
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STATES, 0))
    off_track: list[AttentionItem] = field(default_factory=list)
    stale: list[AttentionItem] = field(default_factory=list)

    @property
    def total(self) -> int:
        """Return the number of indicators counted."""
        return sum(self.counts.values())

    @property
    def stale_since(self) -> date:
        """Return the date before which a measurement no longer counts as recent."""
        return self.today - timedelta(days=self.rules.stale_days)

    @property
    def tolerance_points(self) -> int:
        """Return the tolerance in percentage points."""
        return round(100 * self.rules.tolerance)


def dashboard_counts(today: date, event_id: int | None = None) -> IndicatorCounts:
    """Count the indicators in scope by state, in one query, and list those needing attention.

    In scope: every indicator of a recommendation or of an action not cancelled, or only
    those of one event's recommendations and actions.
    """
    latest = latest_measurements()
    stmt = (
        select(Indicator.id, Indicator.name, Indicator.action_id, Indicator.recommendation_id,
               Indicator.baseline_value, Indicator.baseline_date, Indicator.target_value,
               Indicator.target_date, latest.c.value, latest.c.measured_on)
        .outerjoin(latest, (latest.c.indicator_id == Indicator.id) & (latest.c.rank == 1))
        .outerjoin(Action, Action.id == Indicator.action_id)
        .where(or_(Indicator.action_id.is_(None), Action.status != Status.CANCELLED))
        .order_by(Indicator.id)
    )
    if event_id is not None:
        stmt = stmt.where(func.coalesce(Indicator.recommendation_id, Action.recommendation_id)
                          .in_(select(Recommendation.id)
                               .where(Recommendation.event_id == event_id)))
    rules = settings()
    result = IndicatorCounts(today=today, rules=rules)
    for (ident, name, action_id, rec_id, base_value, base_date, target_value, target_date,
         value, measured_on) in db.session.execute(stmt):
        assessment = assess(base_value, base_date, target_value, target_date, value,
                            measured_on, today, rules)
        result.counts[assessment.state] += 1
        listing = {OFF_TRACK: result.off_track, NO_RECENT_DATA: result.stale}.get(
            assessment.state)
        if listing is not None and len(listing) < ATTENTION_LIMIT:
            listing.append(AttentionItem(ident, name, action_id, rec_id,
                                         assessment.share_percent, measured_on))
    return result


def action_summaries(action_ids: Select) -> dict[int, str]:
    """Return, per action of `action_ids` (a select of ids), "name: latest/target unit; ...".

    One query; an indicator without a measurement shows "—" as its latest value.
    """
    latest = latest_measurements()
    rows = db.session.execute(
        select(Indicator.action_id, Indicator.name, Indicator.unit, Indicator.target_value,
               latest.c.value)
        .outerjoin(latest, (latest.c.indicator_id == Indicator.id) & (latest.c.rank == 1))
        .where(Indicator.action_id.in_(action_ids))
        .order_by(Indicator.action_id, Indicator.id))
    parts: dict[int, list[str]] = defaultdict(list)
    for action_id, name, unit, target, value in rows:
        latest_text = "—" if value is None else plain_number(value)
        parts[action_id].append(
            f"{name}: {latest_text}/{plain_number(target)} {unit}".rstrip())
    return {action_id: "; ".join(texts) for action_id, texts in parts.items()}


@dataclass(frozen=True)
class Standing:
    """An indicator and where it stands, without a chart (for the meeting report)."""

    indicator: Indicator
    assessment: Assessment


@dataclass
class EventIndicators:
    """Where an event's indicators stand, by recommendation and by action."""

    by_recommendation: dict[int, list[Standing]] = field(
        default_factory=lambda: defaultdict(list))
    by_action: dict[int, list[Standing]] = field(default_factory=lambda: defaultdict(list))

    def rows(self, recommendation_id: int,
             actions: list[Action]) -> list[tuple[Action | None, Standing]]:
        """Return what a recommendation's section shows: its own (None), then its actions'."""
        own = [(None, item) for item in self.by_recommendation.get(recommendation_id, [])]
        return own + [(action, item) for action in actions
                      for item in self.by_action.get(action.id, [])]


def event_indicators(event_id: int, today: date) -> EventIndicators:
    """Return where the indicators of an event's recommendations and actions stand (one
    query: each with its latest measurement only)."""
    return scope_indicators(
        select(Recommendation.id).where(Recommendation.event_id == event_id), today)


def scope_indicators(recommendations: Select, today: date) -> EventIndicators:
    """Return where the indicators of some recommendations (a select of their ids) and of
    their actions stand (one query: each with its latest measurement only)."""
    actions = select(Action.id).where(Action.recommendation_id.in_(recommendations))
    latest = latest_measurements()
    rows = db.session.execute(
        select(Indicator, latest.c.value, latest.c.measured_on)
        .outerjoin(latest, (latest.c.indicator_id == Indicator.id) & (latest.c.rank == 1))
        .where(or_(Indicator.recommendation_id.in_(recommendations),
                   Indicator.action_id.in_(actions)))
        .order_by(Indicator.id))
    rules = settings()
    result = EventIndicators()
    for indicator, value, measured_on in rows:
        item = Standing(indicator, assess(
            indicator.baseline_value, indicator.baseline_date, indicator.target_value,
            indicator.target_date, value, measured_on, today, rules))
        if indicator.action_id is not None:
            result.by_action[indicator.action_id].append(item)
        else:
            result.by_recommendation[indicator.recommendation_id].append(item)
    return result
