"""An indicator's trajectory as plain data (points, segments, labels) that a template draws as SVG.

As in the dashboard's charts, positions along the time axis are percentages of the
chart's width, so the chart fills its column at any screen size while its text keeps a
readable size in pixels; values go up the vertical axis, in pixels.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from flask_babel import format_date, format_decimal
from flask_babel import gettext as _

from tracker.models import Indicator

if TYPE_CHECKING:
    from tracker.indicators.queries import Assessment

STATE_FILLS = {"on_track": "#1a7f37", "off_track": "#b42318", "no_recent_data": "#6e7781"}

# Room above the plot for the value labels, the plot, then the axis and two lines of dates.
PLOT_TOP = 30
PLOT_HEIGHT = 110
AXIS_HEIGHT = 40
LEFT = 3.0
RIGHT = 97.0


def display_number(value: float | None, unit: str = "") -> str:
    """Return a value in the reader's language, with its unit ("1 234,5 %")."""
    if value is None:
        return "—"
    text = format_decimal(value, format="#,##0.####")
    return f"{text} {unit}".rstrip()


@dataclass(frozen=True)
class Mark:
    """A point of the chart, with the value written beside it."""

    x: float
    y: float
    text: str
    anchor: str = "middle"
    text_y: float = 0.0


@dataclass(frozen=True)
class Segment:
    """A straight line between two points of the chart."""

    x1: float
    y1: float
    x2: float
    y2: float


@dataclass(frozen=True)
class Row:
    """A line of the table that repeats the chart's figures."""

    label: str
    day: date
    value: str


@dataclass(frozen=True)
class TrajectoryChart:
    """The planned path from baseline to target, the measured values, and their table."""

    slug: str
    title: str
    description: str
    height: int
    axis_y: float
    plan: Segment
    measured: tuple[Segment, ...]
    baseline: Mark
    target: Mark
    points: tuple[Mark, ...]
    latest: Mark | None
    latest_fill: str
    start_label: str
    end_label: str
    today_x: float | None
    today_label: bool
    rows: tuple[Row, ...]

    @property
    def date_y(self) -> float:
        """Return where the dates under the axis sit."""
        return self.axis_y + 16

    @property
    def today_label_y(self) -> float:
        """Return where the word "today" under the axis sits."""
        return self.axis_y + 32


def _anchor(x: float) -> str:
    """Return how to anchor a label at `x` % so that it stays inside the chart."""
    return "start" if x < 20 else "end" if x > 80 else "middle"


def trajectory_chart(indicator: Indicator, assessment: Assessment, today: date) -> TrajectoryChart:
    """Build the chart of `indicator` (its measurements loaded) as of `today`."""
    unit = indicator.unit
    measurements = list(indicator.measurements)
    days = [indicator.baseline_date, indicator.target_date, *(m.measured_on for m in measurements)]
    start, end = min(days), max(days)
    span = max((end - start).days, 1)
    values = [indicator.baseline_value, indicator.target_value,
              *(m.value for m in measurements)]
    low, high = min(values), max(values)
    if high == low:  # a flat line: centre it
        low, high = low - 1, high + 1
    pad = (high - low) * 0.08
    low, high = low - pad, high + pad

    def x(day: date) -> float:
        return round(LEFT + (RIGHT - LEFT) * (day - start).days / span, 3)

    def y(value: float) -> float:
        return round(PLOT_TOP + PLOT_HEIGHT * (high - value) / (high - low), 1)

    def mark(day: date, value: float, anchor: str | None = None) -> Mark:
        px, py = x(day), y(value)
        # Labels go above their point: the plot starts low enough to leave them room.
        return Mark(px, py, display_number(value, unit), anchor or _anchor(px), py - 9)

    baseline = mark(indicator.baseline_date, indicator.baseline_value, "start")
    target = mark(indicator.target_date, indicator.target_value, "end")
    points = tuple(mark(m.measured_on, m.value) for m in measurements)
    path = [baseline, *points]
    measured = tuple(Segment(a.x, a.y, b.x, b.y) for a, b in zip(path, path[1:], strict=False))
    axis_y = PLOT_TOP + PLOT_HEIGHT + 6
    today_x = x(today) if start <= today <= end else None

    rows = (Row(_("Baseline"), indicator.baseline_date,
                display_number(indicator.baseline_value, unit)),
            *(Row(_("Measured"), m.measured_on, display_number(m.value, unit))
              for m in measurements),
            Row(_("Target"), indicator.target_date, display_number(indicator.target_value, unit)))
    description = _(
        "From %(baseline)s on %(baseline_date)s to a target of %(target)s on %(target_date)s.",
        baseline=display_number(indicator.baseline_value, unit),
        baseline_date=format_date(indicator.baseline_date, "medium"),
        target=display_number(indicator.target_value, unit),
        target_date=format_date(indicator.target_date, "medium"))
    if assessment.latest_value is not None:
        description += " " + _(
            "Latest value: %(value)s on %(date)s, %(share)d %% of the way.",
            value=display_number(assessment.latest_value, unit),
            date=format_date(assessment.latest_date, "medium"),
            share=assessment.share_percent)
    else:
        description += " " + _("No value measured yet.")
    return TrajectoryChart(
        slug=f"indicator-{indicator.id}", title=indicator.name, description=description,
        height=PLOT_TOP + PLOT_HEIGHT + AXIS_HEIGHT, axis_y=axis_y,
        plan=Segment(baseline.x, baseline.y, target.x, target.y), measured=measured,
        baseline=baseline, target=target, points=points,
        latest=points[-1] if points else None,
        latest_fill=STATE_FILLS[assessment.state],
        start_label=format_date(start, "MMM y"), end_label=format_date(end, "MMM y"),
        # The word "today" is left out near the ends, where it would cover the dates.
        today_x=today_x, today_label=today_x is not None and 12 <= today_x <= 88,
        rows=rows,
    )
