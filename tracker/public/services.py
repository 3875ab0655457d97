"""Publishing events, and what their public page may show: no personal data."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import Select, case, func, select

from tracker import audit
from tracker.actions.queries import recommendation_progress
from tracker.extensions import db
from tracker.models import (
    NEWS_KINDS,
    Action,
    ActionUpdate,
    Event,
    GcmObjective,
    Institution,
    Recommendation,
    Status,
    User,
    recommendation_gcm,
)


def set_visibility(actor: User, event: Event, public: bool) -> bool:
    """Make `event` public or private and record it; return whether anything changed."""
    changes = audit.apply_changes(event, {"is_public": public})
    if changes:
        db.session.flush()
        audit.record(actor, "publish" if public else "unpublish", event, changes)
    return bool(changes)


@dataclass(frozen=True)
class PublicAction:
    """What the public sees of an action: no owner, no comments, no evidence."""

    title: str
    institution_code: str
    institution_name: str
    status: Status
    progress: int
    deadline: date
    overdue: bool
    latest_news: date | None


@dataclass
class PublicRecommendation:
    """What the public sees of a recommendation: its words and its derived progress."""

    number: str
    title: str
    language: str
    progress: int | None
    actions: list[PublicAction] = field(default_factory=list)

    @property
    def latest_news(self) -> date | None:
        """Return the date of the latest news on any of its actions."""
        return max((a.latest_news for a in self.actions if a.latest_news), default=None)


def _news_dates(action_ids: Select) -> Select:
    """Return a subquery of the day of each action's latest news (kinds in NEWS_KINDS)."""
    return (select(ActionUpdate.action_id, func.max(ActionUpdate.created_at).label("at"))
            .where(ActionUpdate.action_id.in_(action_ids),
                   ActionUpdate.kind.in_(NEWS_KINDS))
            .group_by(ActionUpdate.action_id).subquery())


def public_recommendations(event: Event, today: date) -> list[PublicRecommendation]:
    """Return the public view of `event`'s recommendations and actions (three queries).

    Only the fields a visitor may see are copied out of the models, so a template
    cannot reach an owner, an email or a comment even by mistake.
    """
    recommendations = db.session.scalars(
        select(Recommendation).where(Recommendation.event_id == event.id)
        .order_by(Recommendation.position, Recommendation.id)
    ).all()
    progress = recommendation_progress([r.id for r in recommendations])
    result = {r.id: PublicRecommendation(number=r.number, title=r.title, language=r.language,
                                         progress=progress.get(r.id))
              for r in recommendations}
    event_actions = select(Action.id).where(Action.recommendation_id.in_(list(result)))
    news = _news_dates(event_actions)
    rows = db.session.execute(
        select(Action, Institution.code, Institution.name, news.c.at)
        .join(Institution, Institution.id == Action.lead_institution_id)
        .outerjoin(news, news.c.action_id == Action.id)
        .where(Action.recommendation_id.in_(list(result)))
        .order_by(Action.deadline, Action.id)) if result else []
    for action, code, name, news_at in rows:
        result[action.recommendation_id].actions.append(PublicAction(
            action.title, code, name, action.status, action.progress, action.deadline,
            action.is_overdue(today), _local_day(_aware(news_at))))
    return list(result.values())


def _local_day(moment: datetime | None) -> date | None:
    """Return the day `moment` fell on where the tracker's users are."""
    if moment is None:
        return None
    return moment.astimezone(ZoneInfo(current_app.config["TRACKER_TIMEZONE"])).date()


@dataclass(frozen=True)
class PublicEvent:
    """A public event as the portal lists it: its figures, no personal data."""

    id: int
    title: str
    date: date
    place: str
    organisers: str
    recommendations: int
    actions: int
    completed: int
    progress: int | None
    latest_news: date | None


def public_events() -> list[PublicEvent]:
    """Return the public events, latest first, with their figures (two queries)."""
    events = db.session.scalars(select(Event).where(Event.is_public)
                                .order_by(Event.date.desc(), Event.id.desc())).all()
    if not events:
        return []
    in_public = Recommendation.event_id.in_([e.id for e in events])
    recommendation_counts = dict(db.session.execute(
        select(Recommendation.event_id, func.count(Recommendation.id))
        .where(in_public).group_by(Recommendation.event_id)).all())
    news = _news_dates(select(Action.id).join(Action.recommendation).where(in_public))
    open_progress = case((Action.status != Status.CANCELLED, Action.progress))
    figures = {event_id: (n, done, avg, latest) for event_id, n, done, avg, latest in
               db.session.execute(
                   select(Recommendation.event_id, func.count(Action.id),
                          func.sum(case((Action.status == Status.COMPLETED, 1), else_=0)),
                          func.avg(open_progress), func.max(news.c.at))
                   .select_from(Action).join(Action.recommendation)
                   .outerjoin(news, news.c.action_id == Action.id)
                   .where(in_public).group_by(Recommendation.event_id))}
    result = []
    for event in events:
        n, done, avg, latest = figures.get(event.id, (0, 0, None, None))
        result.append(PublicEvent(
            event.id, event.title, event.date, event.place, event.organisers,
            recommendation_counts.get(event.id, 0), n, int(done or 0),
            None if avg is None else round(float(avg)), _local_day(_aware(latest))))
    return result


def _aware(moment) -> datetime | None:
    # An aggregate (MAX) is not read back through the column's type: SQLite hands a string
    # and PostgreSQL a naive datetime, both in UTC.
    if moment is None:
        return None
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass(frozen=True)
class PublicLink:
    """A public recommendation under a GCM objective."""

    event_id: int
    event_title: str
    number: str
    title: str
    language: str
    progress: int | None


@dataclass
class PublicObjective:
    """A GCM objective and the public recommendations under it."""

    objective: GcmObjective
    recommendations: list[PublicLink] = field(default_factory=list)


def public_objectives() -> list[PublicObjective]:
    """Return the GCM objectives with the recommendations of public events under them
    (three queries); objectives with none are left out."""
    objectives = {o.number: PublicObjective(o) for o in db.session.scalars(
        select(GcmObjective).order_by(GcmObjective.number))}
    rows = db.session.execute(
        select(recommendation_gcm.c.gcm_number, Recommendation.id, Recommendation.number,
               Recommendation.title, Recommendation.language, Event.id, Event.title)
        .join(Recommendation, Recommendation.id == recommendation_gcm.c.recommendation_id)
        .join(Event, Event.id == Recommendation.event_id)
        .where(Event.is_public)
        .order_by(recommendation_gcm.c.gcm_number, Event.date.desc(), Event.id,
                  Recommendation.position, Recommendation.id)).all()
    progress = recommendation_progress(list({row[1] for row in rows}))
    for number, rec_id, rec_number, title, language, event_id, event_title in rows:
        objectives[number].recommendations.append(PublicLink(
            event_id, event_title, rec_number, title, language, progress.get(rec_id)))
    return [o for o in objectives.values() if o.recommendations]
