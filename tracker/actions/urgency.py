"""Group a person's actions by what needs doing first, for the *My actions* page."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from tracker.models import Action

# "Due soon" on My actions: two weeks, enough to plan a last piece of work.
DUE_SOON_DAYS = 14


@dataclass
class UrgencyGroups:
    """Open actions in four groups, most urgent first, and the closed ones apart."""

    overdue: list[Action] = field(default_factory=list)
    due_soon: list[Action] = field(default_factory=list)
    awaiting_news: list[Action] = field(default_factory=list)
    rest: list[Action] = field(default_factory=list)
    closed: list[Action] = field(default_factory=list)

    @property
    def open_count(self) -> int:
        """Return how many actions are open, all groups together."""
        return len(self.overdue) + len(self.due_soon) + len(self.awaiting_news) + len(self.rest)


def group_by_urgency(actions: Iterable[Action], today: date) -> UrgencyGroups:
    """Sort actions into their first matching group: overdue, due within two weeks,
    awaiting news, the rest; completed and cancelled ones go to `closed`."""
    groups = UrgencyGroups()
    for action in actions:
        if action.status.is_closed:
            groups.closed.append(action)
        elif action.is_overdue(today):
            groups.overdue.append(action)
        elif action.is_due_soon(today, DUE_SOON_DAYS):
            groups.due_soon.append(action)
        elif action.awaiting_news(today):
            groups.awaiting_news.append(action)
        else:
            groups.rest.append(action)
    return groups
