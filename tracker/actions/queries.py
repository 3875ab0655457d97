"""Read-side queries for actions and recommendation progress, at a fixed number of SQL queries."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, NamedTuple

from flask import current_app
from sqlalchemy import ColumnElement, Select, case, func, or_, select
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from tracker.args import positive_int
from tracker.cache import figures
from tracker.extensions import db
from tracker.models import (
    CLOSED_STATUSES,
    Action,
    ActionClock,
    ActionUpdate,
    Event,
    GcmObjective,
    Indicator,
    Institution,
    Measurement,
    Recommendation,
    Status,
    Theme,
    User,
    action_visible_clause,
    event_visible_clause,
    recommendation_gcm,
)
from tracker.models.actions import (
    awaiting_news_clause,
    overdue_clause,
    stale_clause,
)
from tracker.models.catalog import translated_name
from tracker.pagination import Page
from tracker.templating import render_options, shorten


def action_select() -> Select:
    """Return a select of actions that loads what list pages show, in a fixed number of queries."""
    return select(Action).options(
        joinedload(Action.owner),
        joinedload(Action.lead_institution),
        joinedload(Action.recommendation).joinedload(Recommendation.event),
        selectinload(Action.contributors),
    )


SORTS = {
    "deadline": (Action.deadline, Action.id),
    "-deadline": (Action.deadline.desc(), Action.id.desc()),
    "progress": (Action.progress, Action.deadline, Action.id),
    "-progress": (Action.progress.desc(), Action.deadline, Action.id),
    "title": (Action.title, Action.id),
    "status": (Action.status, Action.deadline, Action.id),
    "-updated": (Action.updated_at.desc(), Action.id.desc()),
}


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


@dataclass
class ActionFilters:
    """The filters of the action list. They live in the URL, so a filtered list can be shared.

    Values that do not parse are ignored rather than refused: a hand-edited link still
    shows a list.
    """

    status: Status | None = None
    institution_id: int | None = None
    event_id: int | None = None
    recommendation_id: int | None = None
    theme_id: int | None = None
    owner_id: int | None = None
    gcm: int | None = None
    overdue: bool = False
    awaiting_news: bool = False
    stale: bool = False
    deadline_from: date | None = None
    deadline_to: date | None = None
    q: str = ""
    sort: str = "deadline"

    @classmethod
    def from_args(cls, args) -> ActionFilters:
        """Read the filters from a query string mapping."""
        status = args.get("status", "")
        sort = args.get("sort", "deadline")
        return cls(
            status=Status(status) if status in Status._value2member_map_ else None,
            institution_id=positive_int(args.get("institution")),
            event_id=positive_int(args.get("event")),
            recommendation_id=positive_int(args.get("recommendation")),
            theme_id=positive_int(args.get("theme")),
            owner_id=positive_int(args.get("owner")),
            gcm=positive_int(args.get("gcm")),
            overdue=args.get("overdue") == "1",
            awaiting_news=args.get("awaiting_news") == "1",
            stale=args.get("stale") == "1",
            deadline_from=_date(args.get("deadline_from")),
            deadline_to=_date(args.get("deadline_to")),
            q=args.get("q", "")[:200].strip(),
            sort=sort if sort in SORTS else "deadline",
        )

    def to_args(self) -> dict[str, str]:
        """Return the query-string form of the filters that are set."""
        values = {
            "status": self.status.value if self.status else None,
            "institution": self.institution_id, "event": self.event_id,
            "recommendation": self.recommendation_id, "theme": self.theme_id,
            "owner": self.owner_id, "gcm": self.gcm, "overdue": "1" if self.overdue else None,
            "awaiting_news": "1" if self.awaiting_news else None,
            "stale": "1" if self.stale else None,
            "deadline_from": self.deadline_from.isoformat() if self.deadline_from else None,
            "deadline_to": self.deadline_to.isoformat() if self.deadline_to else None,
            "q": self.q or None, "sort": self.sort if self.sort != "deadline" else None,
        }
        return {k: str(v) for k, v in values.items() if v is not None}

    def apply(self, stmt: Select, today: date) -> Select:
        """Narrow `stmt` to the actions matching these filters (never archived ones)."""
        stmt = stmt.where(action_visible_clause())
        if self.status is not None:
            stmt = stmt.where(Action.status == self.status)
        if self.institution_id is not None:
            stmt = stmt.where(Action.lead_institution_id == self.institution_id)
        if self.owner_id is not None:
            stmt = stmt.where(Action.owner_id == self.owner_id)
        if self.recommendation_id is not None:
            stmt = stmt.where(Action.recommendation_id == self.recommendation_id)
        rec_conditions = []
        if self.event_id is not None:
            rec_conditions.append(Recommendation.event_id == self.event_id)
        if self.theme_id is not None:
            rec_conditions.append(Recommendation.theme_id == self.theme_id)
        if rec_conditions:
            stmt = stmt.where(Action.recommendation_id.in_(
                select(Recommendation.id).where(*rec_conditions)))
        if self.gcm is not None:
            stmt = stmt.where(Action.recommendation_id.in_(
                select(recommendation_gcm.c.recommendation_id)
                .where(recommendation_gcm.c.gcm_number == self.gcm)))
        if self.overdue:
            stmt = stmt.where(overdue_clause(today))
        if self.awaiting_news:
            stmt = stmt.where(awaiting_news_clause(today))
        if self.stale:
            stmt = stmt.where(stale_clause(today))
        if self.deadline_from is not None:
            stmt = stmt.where(Action.deadline >= self.deadline_from)
        if self.deadline_to is not None:
            stmt = stmt.where(Action.deadline <= self.deadline_to)
        if self.q:
            pattern = f"%{escape_like(self.q)}%"
            stmt = stmt.where(
                or_(Action.title.ilike(pattern, escape="\\"),
                    Action.description.ilike(pattern, escape="\\"))
            )
        return stmt

    def ordered(self, stmt: Select) -> Select:
        """Sort `stmt` as the filters ask."""
        return stmt.order_by(*SORTS[self.sort])


def escape_like(text: str) -> str:
    """Escape the LIKE wildcards in user text so they match literally."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


@dataclass
class ActionPage(Page):
    """A page of the action list. Its total is exact up to the count limit it was built
    with; beyond, `total` is that limit and `exact` is false ("more than N actions")."""

    exact: bool = True
    more: bool = False

    @property
    def pages(self) -> int:
        """Return the number of pages, or the pages known so far when the total is not exact.

        Never fewer than the page query itself shows (this page, and the next when rows
        follow), so a count read from the cache just before a write hides no page.
        """
        return max(super().pages, self.page + (1 if self.more else 0))

    @property
    def has_next(self) -> bool:
        """Tell whether rows follow this page (known from the page query itself)."""
        return self.more


class _Titled(NamedTuple):
    title: str


class _Named(NamedTuple):
    name: str


class _Institution(NamedTuple):
    code: str
    name: str
    name_fr: str | None
    name_en: str | None
    name_ar: str | None

    @property
    def label(self) -> str:
        """Return the name in the reader's language, as `Institution.label` does."""
        return translated_name(self, self.name)


class _Recommendation(NamedTuple):
    number: str
    title: str
    event: _Titled


@dataclass(slots=True)
class ActionRow(ActionClock):
    """What a line of the action list shows of an action, read as plain values.

    Built from one joined query instead of five ORM objects per line (with ORM objects a
    list page took 1.9 to 2.7 ms more CPU: 7.2 instead of 5.3 ms, measured 2026-12-03); it
    has the attributes the action table reads (`recommendation.event.title`, `owner.name`,
    ...) and the same deadline and cycle rules as `Action`.
    """

    id: int
    title: str
    status: Status
    progress: int
    deadline: date
    start_date: date | None
    last_news_on: date
    cycle_weeks: int | None
    recommendation_id: int
    recommendation: _Recommendation
    owner: _Named
    lead_institution: _Institution


def load_actions(ids: ColumnElement, filters: ActionFilters) -> list[Action]:
    """Return the actions whose ids `ids` selects, as ORM objects with what lists show."""
    return list(db.session.scalars(filters.ordered(action_select().where(Action.id.in_(ids))))
                .unique())


def load_rows(ids: ColumnElement, filters: ActionFilters) -> list[ActionRow]:
    """Return the actions whose ids `ids` selects as `ActionRow`s, in one query."""
    stmt = (select(Action.id, Action.title, Action.status, Action.progress, Action.deadline,
                   Action.start_date, Action.last_news_on,
                   func.coalesce(Action.report_every_weeks, Event.report_every_weeks),
                   Action.recommendation_id, Recommendation.number, Recommendation.title,
                   Event.title, User.name, Institution.code, Institution.name,
                   Institution.name_fr, Institution.name_en, Institution.name_ar)
            .join(Recommendation, Recommendation.id == Action.recommendation_id)
            .join(Event, Event.id == Recommendation.event_id)
            .join(User, User.id == Action.owner_id)
            .join(Institution, Institution.id == Action.lead_institution_id)
            .where(Action.id.in_(ids)))
    return [ActionRow(id_, title, status, progress, deadline, start, news, weeks, rec_id,
                      _Recommendation(number, rec_title, _Titled(event_title)),
                      _Named(owner), _Institution(code, *names))
            for (id_, title, status, progress, deadline, start, news, weeks, rec_id, number,
                 rec_title, event_title, owner, code, *names)
            in db.session.execute(filters.ordered(stmt))]


def list_actions(filters: ActionFilters, today: date, page: int, per_page: int,
                 count_limit: int | None = None,
                 load: Callable[[ColumnElement, ActionFilters], list] = load_actions,
                 ) -> ActionPage:
    """Return one page of actions matching `filters`, in the order they ask for.

    The page's rows are chosen on the action table alone (filters, sort, offset), then
    loaded by `load` (ORM objects by default; `load_rows` for plain rows), so the joins
    cover one page rather than every match. With `count_limit`, counting stops there: a
    national list need not be counted whole on every page.
    """
    page = max(page, 1)
    matching = filters.apply(select(Action.id), today)
    page_ids = filters.ordered(matching).limit(per_page + 1).offset((page - 1) * per_page)
    rows = load(page_ids.scalar_subquery(), filters)
    # The rows are read fresh, the count may come from the cache: never say fewer
    # actions than the page shows.
    shown = (page - 1) * per_page + len(rows) if rows else 0
    total = max(_count(filters, matching, today, count_limit), shown)
    exact = count_limit is None or total <= count_limit
    return ActionPage(items=list(rows[:per_page]), page=page, per_page=per_page,
                      total=total if exact else count_limit, exact=exact,
                      more=len(rows) > per_page)


def _count(filters: ActionFilters, matching: Select, today: date,
           count_limit: int | None) -> int:
    # Kept with the figures (stale with any write, see tracker.cache): paging through a
    # list, or a list many people open, counts its matches once.
    args = filters.to_args()
    args.pop("sort", None)
    counted = matching if count_limit is None else matching.limit(count_limit + 1)
    parts = (today, count_limit, current_app.config["STALE_AFTER_DAYS"], sorted(args.items()))
    return figures("action-count", parts, lambda: {
        "total": db.session.scalar(select(func.count()).select_from(counted.subquery()))
    })["total"]


def filtered_actions(filters: ActionFilters, today: date) -> list[Action]:
    """Return every action matching `filters` (for exports), in the list's order."""
    return list(db.session.scalars(filters.ordered(filters.apply(action_select(), today)))
                .unique())


def action_for_page(action_id: int) -> Action | None:
    """Return an action with all its page shows (history with authors and evidence,
    contributors), in a fixed number of queries however long its history is."""
    return db.session.scalar(action_select().where(Action.id == action_id).options(
        selectinload(Action.updates).options(joinedload(ActionUpdate.author),
                                             selectinload(ActionUpdate.evidence))))


def owner_names(updates: list[ActionUpdate]) -> dict[int, str]:
    """Return the names of the owners that `updates` (history rows) name, by id, in one
    query: the history says from whom to whom an action was handed over."""
    ids = {owner_id for entry in updates for owner_id in entry.changes.get("owner", [])
           if isinstance(owner_id, int)}
    if not ids:
        return {}
    return dict(db.session.execute(select(User.id, User.name).where(User.id.in_(ids))).all())


def recommendation_actions(recommendation_id: int) -> list[Action]:
    """Return a recommendation's actions, soonest deadline first, with what lists show."""
    return list(db.session.scalars(
        action_select().where(Action.recommendation_id == recommendation_id,
                              Action.archived_at.is_(None))
        .order_by(Action.deadline, Action.id)).unique())


def my_actions(user: User) -> tuple[list[Action], list[Action]]:
    """Return the user's own actions, then the other actions of their institution.

    Open actions come first, soonest deadline first.
    """
    closed_last = case((Action.status.in_(CLOSED_STATUSES), 1), else_=0)
    conditions = [Action.owner_id == user.id]
    if user.institution_id is not None:
        conditions.append(Action.lead_institution_id == user.institution_id)
    rows = db.session.scalars(
        action_select().where(or_(*conditions), action_visible_clause())
        .order_by(closed_last, Action.deadline, Action.id)
    ).unique().all()
    own = [a for a in rows if a.owner_id == user.id]
    institution = [a for a in rows if a.owner_id != user.id]
    return own, institution


def recommendation_progress(recommendation_ids: list[int]) -> dict[int, int]:
    """Return each recommendation's progress: the mean progress of its actions not cancelled."""
    if not recommendation_ids:
        return {}
    rows = db.session.execute(
        select(Action.recommendation_id, func.avg(Action.progress))
        .where(Action.recommendation_id.in_(recommendation_ids))
        .where(Action.status != Status.CANCELLED, Action.archived_at.is_(None))
        .group_by(Action.recommendation_id)
    )
    return {rec_id: round(float(avg)) for rec_id, avg in rows if avg is not None}


def news_counts(today: date, event_id: int | None = None) -> dict[str, int]:
    """Return how many actions await news and how many are stale, in one query."""
    stmt = select(func.sum(case((awaiting_news_clause(today), 1), else_=0)),
                  func.sum(case((stale_clause(today), 1), else_=0))).select_from(Action)
    stmt = ActionFilters(event_id=event_id).apply(stmt, today)
    awaiting, stale = db.session.execute(stmt).one()
    return {"awaiting_news": int(awaiting or 0), "stale": int(stale or 0)}


def status_counts(recommendation_ids: list[int] | None = None) -> dict[Status, int]:
    """Return how many actions are in each status, optionally for some recommendations only."""
    stmt = select(Action.status, func.count()).where(action_visible_clause()) \
        .group_by(Action.status)
    if recommendation_ids is not None:
        stmt = stmt.where(Action.recommendation_id.in_(recommendation_ids))
    counts = dict.fromkeys(Status, 0)
    counts.update({status: n for status, n in db.session.execute(stmt)})
    return counts


def filter_choices(filters: ActionFilters | None = None) -> dict[str, Any]:
    """Return what the filter menus offer, from the figures cache when fresh: each menu's
    options already written (`options`), the statuses and the sorts.

    Every list page offers the same menus, and they change far less often than lists
    are read; like the dashboard's figures, they go stale with any write through the
    tracker (see `tracker.cache`) and are kept per language, since theme and
    objective labels are translated.
    """
    filters = filters or ActionFilters()
    # The name changes with the shape of what is kept: workers of an earlier version may
    # share the cache for a minute during a deployment.
    return figures("filter-options", (filters.event_id, filters.institution_id, filters.owner_id),
                   lambda: _menus(filters))


def _menus(filters: ActionFilters, limit: int = 100) -> dict[str, Any]:
    # Kept short enough for national scale. Events: the latest `limit` (and the one
    # selected). Owners: those of the selected institution's actions, else the first
    # `limit` by name (and the one selected).
    events = list(db.session.scalars(
        select(Event).where(event_visible_clause())
        .order_by(Event.date.desc(), Event.id.desc()).limit(limit)))
    if filters.event_id is not None and all(e.id != filters.event_id for e in events):
        events[:0] = db.session.scalars(select(Event).where(Event.id == filters.event_id))
    owner_ids = select(Action.owner_id)
    if filters.institution_id is not None:
        owner_ids = owner_ids.where(Action.lead_institution_id == filters.institution_id)
    owners = list(db.session.scalars(
        select(User).where(User.id.in_(owner_ids)).order_by(User.name).limit(limit)))
    if filters.owner_id is not None and all(u.id != filters.owner_id for u in owners):
        owners[:0] = db.session.scalars(select(User).where(User.id == filters.owner_id))
    institutions = db.session.scalars(select(Institution).order_by(Institution.name))
    themes = db.session.scalars(select(Theme).order_by(Theme.id))
    objectives = db.session.scalars(select(GcmObjective).order_by(GcmObjective.number))
    return {
        # Written once here rather than on every page: writing the few hundred options in
        # the template cost a list page 0.7 to 1.0 ms more CPU (6.0 instead of 5.3 ms,
        # measured 2026-12-03). `selected_option` marks the chosen one.
        "options": {
            "event": render_options((e.id, shorten(e.title, 70)) for e in events),
            "theme": render_options((t.id, str(t.label)) for t in themes),
            "institution": render_options(
                (i.id, f"{i.code} · {shorten(i.label, 50)}") for i in institutions),
            "owner": render_options((u.id, u.name) for u in owners),
            "gcm": render_options((o.number, shorten(str(o.label), 60)) for o in objectives),
        },
        "statuses": list(Status),
        "sorts": list(SORTS),
    }


def indicators_with_measurements(condition) -> list[Indicator]:
    """Return the indicators matching `condition` with their measurements, in two queries.

    (A selectinload would cut the measurements' query into batches of 500 indicators.)
    """
    indicators = list(db.session.scalars(
        select(Indicator).where(condition).order_by(Indicator.id)))
    if not indicators:
        return []
    grouped: dict[int, list[Measurement]] = defaultdict(list)
    for measurement in db.session.scalars(
            select(Measurement)
            .where(Measurement.indicator_id.in_(select(Indicator.id).where(condition)))
            .order_by(Measurement.indicator_id, Measurement.measured_on, Measurement.id)):
        grouped[measurement.indicator_id].append(measurement)
    for indicator in indicators:
        set_committed_value(indicator, "measurements", grouped.get(indicator.id, []))
    return indicators


def action_indicators(action_id: int) -> list[Indicator]:
    """Return an action's indicators with their measurements (two queries)."""
    return indicators_with_measurements(Indicator.action_id == action_id)
