"""Turn models into the plain data the response schemas dump."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import url_for

from tracker.models import Action, ActionUpdate, Event, Indicator, Recommendation


def _web(endpoint: str, **values) -> str:
    return url_for(endpoint, _external=True, **values)


def event(event: Event, recommendations: int, actions: int) -> dict[str, Any]:
    """Return an event with its counts."""
    return {
        "id": event.id, "title": event.title, "date": event.date, "place": event.place,
        "organisers": event.organisers, "source_url": event.source_url,
        "is_public": event.is_public, "recommendation_count": recommendations,
        "action_count": actions, "description": event.description,
        "url": _web("events.show", event_id=event.id),
    }


def recommendation(rec: Recommendation, progress: float | None, actions: int,
                   overdue: int) -> dict[str, Any]:
    """Return a recommendation with its derived progress and counts."""
    return {
        "id": rec.id, "number": rec.number, "title": rec.title, "text": rec.text,
        "event": {"id": rec.event.id, "title": rec.event.title},
        "theme": ({"id": rec.theme.id, "code": rec.theme.code, "label": rec.theme.label}
                  if rec.theme is not None else None),
        "priority": rec.priority.value, "language": rec.language,
        "gcm_objectives": [o.number for o in rec.gcm_objectives],
        "progress": round(float(progress)) if progress is not None else None,
        "action_count": actions, "overdue_count": overdue or 0,
        "url": _web("events.show_recommendation", recommendation_id=rec.id),
    }


def action(action: Action, today: date) -> dict[str, Any]:
    """Return an action as the lists show it."""
    rec = action.recommendation
    return {
        "id": action.id, "title": action.title, "description": action.description,
        "recommendation": {"id": rec.id, "number": rec.number, "title": rec.title},
        "event": {"id": rec.event.id, "title": rec.event.title},
        "owner": {"id": action.owner.id, "name": action.owner.name},
        "lead_institution": _institution(action.lead_institution),
        "contributors": [_institution(i) for i in action.contributors],
        "start_date": action.start_date, "deadline": action.deadline,
        "status": action.status.value, "progress": action.progress, "version": action.version,
        "overdue": action.is_overdue(today), "days_late": action.days_late(today),
        "updated_at": action.updated_at, "url": _web("actions.show", action_id=action.id),
    }


def _institution(institution) -> dict[str, Any]:
    return {"id": institution.id, "code": institution.code, "name": institution.name}


def history_entry(entry: ActionUpdate) -> dict[str, Any]:
    """Return one history row."""
    return {
        "id": entry.id, "created_at": entry.created_at, "kind": entry.kind.value,
        "author": {"id": entry.author.id, "name": entry.author.name} if entry.author else None,
        "old_status": entry.old_status.value if entry.old_status else None,
        "new_status": entry.new_status.value if entry.new_status else None,
        "old_progress": entry.old_progress, "new_progress": entry.new_progress,
        "comment": entry.comment,
    }


def indicator(indicator: Indicator, value: float | None,
              measured_on: date | None) -> dict[str, Any]:
    """Return an indicator with its latest measurement (its value and date)."""
    return {
        "id": indicator.id, "name": indicator.name, "unit": indicator.unit,
        "baseline_value": indicator.baseline_value, "baseline_date": indicator.baseline_date,
        "target_value": indicator.target_value, "target_date": indicator.target_date,
        "data_source": indicator.data_source, "disaggregation": indicator.disaggregation,
        "latest": ({"value": value, "measured_on": measured_on}
                   if measured_on is not None else None),
    }
