"""Server-side bar charts: plain data (labels, values, geometry) that templates draw as SVG.

Lengths along the value axis are percentages of the chart's width, so a chart fills its
column at any screen size while its text keeps a readable size in pixels.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import format_date
from flask_babel import gettext as _

from tracker.dashboard.queries import BreakdownRow, Dashboard, Overview
from tracker.models import Status

STATUS_FILLS = {
    Status.NOT_STARTED: "#6e7781",
    Status.IN_PROGRESS: "#0b5cad",
    Status.PENDING_VALIDATION: "#9a6700",
    Status.COMPLETED: "#1a7f37",
    Status.BLOCKED: "#b42318",
    Status.CANCELLED: "#afb8c1",
    Status.PENDING_CANCELLATION: "#bc4c00",
}
PROGRESS_FILL = "#0b5cad"
COMPLETIONS_FILL = "#1a7f37"
LABEL_CHARS = 42

# Horizontal bars: a line of text (label and value), then the bar under it.
ROW_HEIGHT = 44
# Columns: room above for the values, the plot, then two lines for month and year.
PLOT_TOP = 22
PLOT_HEIGHT = 140
AXIS_HEIGHT = 38


@dataclass(frozen=True)
class Bar:
    """One bar: what it stands for, its value as printed, and where it is drawn."""

    label: str
    short_label: str
    value: int | None
    text: str
    fill: str
    length: float
    x: float = 0.0
    y: float = 0.0
    thickness: float = 0.0
    center: float = 0.0
    text_y: float = 0.0
    sublabel: str = ""
    minor: bool = False


@dataclass(frozen=True)
class Chart:
    """A bar chart and the table that repeats its figures.

    `kind` is "bars" (horizontal, one row per bar) or "columns" (vertical, side by side).
    """

    slug: str
    kind: str
    title: str
    description: str
    label_heading: str
    value_heading: str
    bars: tuple[Bar, ...]
    height: int
    baseline: float = 0.0

    @property
    def axis_label_y(self) -> float:
        """Return where the first line under the columns sits."""
        return self.baseline + 16

    @property
    def axis_sublabel_y(self) -> float:
        """Return where the second line under the columns sits."""
        return self.baseline + 31

    @property
    def empty(self) -> bool:
        """Tell whether the chart has nothing to draw."""
        return not self.bars


def _short(label: str) -> str:
    """Shorten `label` to what fits on a phone's line; the table keeps it whole."""
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1].rstrip() + "…"


def _describe(title: str, bars: list[Bar]) -> str:
    """Return the chart's figures as one sentence, for screen readers."""
    return f"{title}: " + "; ".join(f"{bar.label}: {bar.text}" for bar in bars) + "."


def horizontal_chart(slug: str, title: str, label_heading: str, value_heading: str,
                     items: list[tuple[str, str, int | None, str, str]],
                     maximum: int) -> Chart:
    """Build a horizontal bar chart from (label, short label, value, text, fill) items."""
    bars = [
        Bar(label=label, short_label=_short(short), value=value, text=text, fill=fill,
            length=round(100 * (value or 0) / maximum, 2) if maximum else 0.0,
            y=i * ROW_HEIGHT + 21, text_y=i * ROW_HEIGHT + 15, thickness=14)
        for i, (label, short, value, text, fill) in enumerate(items)
    ]
    return Chart(slug=slug, kind="bars", title=title, description=_describe(title, bars),
                 label_heading=label_heading, value_heading=value_heading, bars=tuple(bars),
                 height=max(len(bars), 1) * ROW_HEIGHT)


def column_chart(slug: str, title: str, label_heading: str, value_heading: str,
                 items: list[tuple[str, str, str, int]], fill: str) -> Chart:
    """Build a column chart from (label, short label, sublabel, value) items, left to right."""
    highest = max((value for *_, value in items), default=0) or 1
    slot = 100 / max(len(items), 1)
    bars = []
    for i, (label, short, sublabel, value) in enumerate(items):
        height = round(PLOT_HEIGHT * value / highest, 1)
        bars.append(Bar(
            label=label, short_label=short, sublabel=sublabel, value=value, text=str(value),
            fill=fill, length=height, x=round(slot * (i + 0.2), 3),
            y=PLOT_TOP + PLOT_HEIGHT - height, thickness=round(slot * 0.6, 3),
            center=round(slot * (i + 0.5), 3), text_y=PLOT_TOP + PLOT_HEIGHT - height - 6,
            # Every other label, counted from the last, may be hidden where space is short.
            minor=(len(items) - 1 - i) % 2 == 1,
        ))
    return Chart(slug=slug, kind="columns", title=title, description=_describe(title, bars),
                 label_heading=label_heading, value_heading=value_heading, bars=tuple(bars),
                 height=PLOT_TOP + PLOT_HEIGHT + AXIS_HEIGHT, baseline=PLOT_TOP + PLOT_HEIGHT)


def status_chart(overview: Overview) -> Chart:
    """Build the chart of how many actions are in each status."""
    items = [(status.label, status.label, n, str(n), STATUS_FILLS[status])
             for status, n in overview.by_status.items()]
    return horizontal_chart("status", _("Actions by status"), _("Status"), _("Actions"),
                            items, max(overview.by_status.values(), default=0))


def progress_chart(slug: str, title: str, label_heading: str, rows: list[BreakdownRow],
                   short_labels: bool = False) -> Chart:
    """Build a chart of mean progress (0 to 100 %) for the rows of a breakdown."""
    items = [
        (row.label if not row.code else f"{row.code} · {row.label}",
         row.code if short_labels and row.code else row.label,
         row.progress, "—" if row.progress is None else f"{row.progress} %", PROGRESS_FILL)
        for row in rows
    ]
    return horizontal_chart(slug, title, label_heading, _("Mean progress"), items, 100)


def completions_chart(months: list[tuple[date, int]]) -> Chart:
    """Build the chart of actions completed per month, oldest month on the left.

    The year is written under January, and under the first month unless it is December
    (January's year, right next to it, would collide with it on a phone).
    """
    items = [
        (format_date(start, "MMMM y"), format_date(start, "MMM"),
         format_date(start, "y") if start.month == 1 or (i == 0 and start.month != 12) else "",
         n)
        for i, (start, n) in enumerate(months)
    ]
    return column_chart("completions", _("Actions completed per month"), _("Month"),
                        _("Completed actions"), items, COMPLETIONS_FILL)


def dashboard_charts(data: Dashboard) -> dict[str, Chart]:
    """Build every chart of the dashboard from its figures."""
    return {
        "status": status_chart(data.overview),
        "completions": completions_chart(data.completions),
        "themes": progress_chart("themes", _("Mean progress by theme"), _("Theme"),
                                 data.themes),
        "institutions": progress_chart("institutions", _("Mean progress by lead institution"),
                                       _("Lead institution"), data.institutions,
                                       short_labels=True),
    }
