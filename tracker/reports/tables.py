"""The GCM review report as rows, for a spreadsheet: one row per action under an objective."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from tracker.reports.queries import GcmReport, indicator_summary


def gcm_rows(report: GcmReport) -> list[list[Any]]:
    """Return a header and one row per objective and action (a recommendation without
    actions gets one row of its own), with dates in ISO 8601."""
    table: list[list[Any]] = [[
        _("GCM objective"), _("Objective"), _("Event id"), _("Event"), _("Event date"),
        _("Recommendation id"), _("Recommendation number"), _("Recommendation"),
        _("Recommendation progress (%)"), _("Action id"), _("Action"), _("Lead institution"),
        _("Status"), _("Progress (%)"), _("Deadline"), _("Overdue"), _("Evidence"),
        _("Indicators"),
    ]]
    for objective in report.covered:
        for section in objective.sections:
            recommendation = section.recommendation
            head = [
                objective.objective.number, objective.objective.title, recommendation.event_id,
                recommendation.event.title, recommendation.event.date.isoformat(),
                recommendation.id, recommendation.number, recommendation.title,
                "" if section.progress is None else section.progress,
            ]
            indicators = indicator_summary(report.indicators, section)
            if not section.lines:
                table.append([*head, "", "", "", "", "", "", "", "", indicators])
            for line in section.lines:
                action = line.action
                table.append([
                    *head, action.id, action.title, action.lead_institution.code,
                    action.status.label, action.progress, action.deadline.isoformat(),
                    _("yes") if line.overdue else _("no"), line.evidence_count, indicators,
                ])
    return table
