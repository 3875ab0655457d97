"""Demo data from the real workshop reports: events, recommendations, people and actions.

Every row is matched on a natural key before it is created, so loading twice changes
nothing. Deadlines are relative to the day of loading, so the demo always shows actions
done, in progress, overdue and due soon.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from importlib import resources
from typing import Any

from sqlalchemy import select

from tracker import clock
from tracker.actions.services import Change, Reading, create_action, record_update
from tracker.admin.services import create_user, save_institution
from tracker.events.services import create_event, create_recommendation
from tracker.extensions import db
from tracker.indicators.services import add_indicator
from tracker.models import (
    Action,
    Event,
    GcmObjective,
    Indicator,
    Institution,
    Priority,
    Recommendation,
    Role,
    Status,
    Theme,
    User,
)

DEMO_ACCOUNTS = [
    {"key": "admin", "email": "admin@demo.tracker.tn", "name": "Amira Admin",
     "role": "admin", "institution": None, "password": "demo-admin-2026"},
    {"key": "coordinator", "email": "coordination@demo.tracker.tn", "name": "Karim Ben Salah",
     "role": "coordinator", "institution": "ONM", "password": "demo-coord-2026"},
    {"key": "focal", "email": "point.focal@demo.tracker.tn", "name": "Leila Trabelsi",
     "role": "focal_point", "institution": "ONM", "password": "demo-focal-2026"},
    {"key": "focal2", "email": "ins@demo.tracker.tn", "name": "Sami Gharbi",
     "role": "focal_point", "institution": "INS", "password": "demo-focal2-2026"},
    {"key": "viewer", "email": "lecture@demo.tracker.tn", "name": "Nadia Viewer",
     "role": "viewer", "institution": None, "password": "demo-viewer-2026"},
]


def demo_data() -> dict[str, Any]:
    """Return the demo content shipped with the package."""
    return json.loads(resources.files("tracker.demo").joinpath("data.json").read_text("utf-8"))


def load_demo(today: date | None = None) -> dict[str, int]:
    """Create whatever part of the demo is missing; return counts of what the demo holds."""
    today = today or clock.today()
    data = demo_data()
    created = 0

    institutions: dict[str, Institution] = {
        i.code: i for i in db.session.scalars(select(Institution))
    }
    for item in data["institutions"]:
        if item["code"] not in institutions:
            institutions[item["code"]] = save_institution(
                None, None, {"code": item["code"], "name": item["name"], "active": True})
            created += 1

    users: dict[str, User] = {}
    for account in DEMO_ACCOUNTS:
        user = db.session.scalar(select(User).where(User.email == account["email"]))
        if user is None:
            user = create_user(
                None, email=account["email"], name=account["name"], role=Role(account["role"]),
                password=account["password"],
                institution=institutions.get(account["institution"] or ""),
            )
            created += 1
        users[account["key"]] = user

    themes = {t.code: t for t in db.session.scalars(select(Theme))}
    objectives = {o.number: o for o in db.session.scalars(select(GcmObjective))}
    coordinator = users["coordinator"]
    counts = {"events": 0, "recommendations": 0, "actions": 0}

    for item in data["events"]:
        event = db.session.scalar(select(Event).where(Event.ref == item["ref"]))
        if event is None:
            event = create_event(
                coordinator, ref=item["ref"], title=item["title"],
                date=date.fromisoformat(item["date"]), place=item.get("place", ""),
                organisers=item.get("organisers", ""), source_url=item.get("source_url", ""),
                description=item.get("description", ""),
                report_every_weeks=item.get("report_every_weeks"),
            )
            created += 1
        counts["events"] += 1
        for rec_item in item["recommendations"]:
            number = str(rec_item["number"])
            recommendation = db.session.scalar(select(Recommendation).where(
                Recommendation.event_id == event.id, Recommendation.number == number))
            if recommendation is None:
                recommendation = create_recommendation(
                    coordinator, event, number=number, title=rec_item["title"],
                    text=rec_item["text"], theme=themes.get(rec_item.get("theme", "")),
                    gcm_objectives=[objectives[n] for n in rec_item.get("gcm", [])],
                    priority=Priority(rec_item.get("priority", "medium")), language="fr",
                )
                created += 1
            counts["recommendations"] += 1
            for action_item in rec_item.get("actions", []):
                created += _load_action(action_item, recommendation, users, institutions,
                                        coordinator, today)
                created += _load_indicators(action_item, recommendation, coordinator, today)
                counts["actions"] += 1
    db.session.flush()
    return {**counts, "created": created}


def _load_action(item: dict[str, Any], recommendation: Recommendation, users: dict[str, User],
                 institutions: dict[str, Institution], coordinator: User, today: date) -> int:
    exists = db.session.scalar(select(Action.id).where(
        Action.recommendation_id == recommendation.id, Action.title == item["title"]))
    if exists is not None:
        return 0
    start_offset = item.get("start_offset_days")
    action = create_action(
        coordinator, recommendation,
        title=item["title"], description=item.get("description", ""),
        owner=users[item.get("owner", "focal")],
        lead_institution=institutions[item["lead"]],
        contributors=[institutions[c] for c in item.get("contributors", [])],
        start_date=today + timedelta(days=start_offset) if start_offset is not None else None,
        deadline=today + timedelta(days=item["deadline_offset_days"]),
    )
    status = Status(item.get("status", "not_started"))
    if status != Status.NOT_STARTED:
        # A completion or a cancellation in the demo was decided: the coordinator records
        # it as final.
        author = coordinator if status in (Status.COMPLETED, Status.CANCELLED) else action.owner
        record_update(author, action, None, Change(
            status=status, progress=item.get("progress", 0), comment=item.get("comment", "")))
    news_offset = item.get("last_news_offset_days")
    if news_offset is not None:
        # The owner's last news is that old: the history says so, and the action's
        # reporting cycle and staleness count from that day.
        last_news = today + timedelta(days=news_offset)
        for update in action.updates:
            update.created_at = datetime.combine(last_news, time(9), tzinfo=UTC)
        action.last_news_on = last_news
    return 1


def _load_indicators(item: dict[str, Any], recommendation: Recommendation, coordinator: User,
                     today: date) -> int:
    """Give a demo action its indicators, each with the values its owner recorded."""
    if not item.get("indicators"):
        return 0
    action = db.session.scalar(select(Action).where(
        Action.recommendation_id == recommendation.id, Action.title == item["title"]))
    created = 0
    for spec in item["indicators"]:
        exists = db.session.scalar(select(Indicator.id).where(
            Indicator.action_id == action.id, Indicator.name == spec["name"]))
        if exists is not None:
            continue
        indicator = add_indicator(coordinator, {
            "name": spec["name"], "unit": spec.get("unit", ""),
            "baseline_value": float(spec["baseline"]),
            "baseline_date": today + timedelta(days=spec["baseline_offset_days"]),
            "target_value": float(spec["target"]),
            "target_date": today + timedelta(days=spec["target_offset_days"]),
            "data_source": spec.get("data_source", ""),
            "disaggregation": spec.get("disaggregation", ""),
        }, action=action)
        created += 1
        for reading in spec.get("measurements", []):
            # Recorded by the owner through the update form: values only, status unchanged.
            status = (Status.COMPLETED if action.status == Status.PENDING_VALIDATION
                      else action.status)
            record_update(action.owner, action, None, Change(
                status=status, progress=action.progress, comment=reading.get("comment", ""),
                readings=[Reading(indicator, float(reading["value"]),
                                  today + timedelta(days=reading["offset_days"]))]))
            created += 1
    return created
