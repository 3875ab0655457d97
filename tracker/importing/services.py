"""Import recommendations from a report: read it, propose drafts, create the accepted ones.

Like every domain operation, these flush and never commit: the request or the command
owns the one commit.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from tracker.actions import rules
from tracker.domain import DomainError
from tracker.events.services import create_recommendation
from tracker.extensions import db
from tracker.importing import readers, similar
from tracker.importing.parser import find_drafts, guess_language
from tracker.importing.suggest import normalise
from tracker.models import Event, GcmObjective, Priority, Recommendation, Theme, User


class ImportRefused(DomainError):
    """Raised when drafts cannot be read or saved; the message is for the user."""


def drafts_from(text: str | None, upload: FileStorage | None,
                max_bytes: int = readers.MAX_BYTES) -> tuple[list[dict], str]:
    """Return the drafts found in an uploaded file, else in pasted `text`, and that text.

    Raises `readers.ReportTooLarge`, `readers.ReportUnreadable`, or `ImportRefused` when
    there is no text or no recommendation in it.
    """
    if upload is not None and upload.filename:
        data = upload.stream.read(max_bytes + 1)
        text = readers.read_bytes(upload.filename, data, max_bytes)
    if not (text or "").strip():
        raise ImportRefused(_l("Paste the text of the report or choose a file."))
    drafts = find_drafts(text)
    if not drafts:
        raise ImportRefused(_l(
            "No recommendations were found in this report. The importer looks for a numbered "
            "or bulleted list under a heading such as “Recommendations” or “Objectives”: "
            "add one, or enter the recommendations one by one."))
    return drafts, text


def review_values(event: Event, drafts: list[dict], text: str) -> dict[str, Any]:
    """Return the values of the review form for `drafts`: numbered, accepted, themes as ids."""
    codes = {d["theme"] for d in drafts if d["theme"]}
    themes = {t.code: t.id for t in db.session.scalars(
        select(Theme).where(Theme.code.in_(codes), Theme.active))} if codes else {}
    language = guess_language(text)
    imported = already_imported(event, drafts)
    fresh = sum(1 for draft in drafts if normalise(draft["text"]) not in imported)
    numbers = iter(rules.next_recommendation_numbers(event.id, fresh))
    matches = similar.similar_to([d["text"] for d in drafts], language, exclude_event_id=event.id,
                                 titles=[d["title"] for d in drafts])
    rows = []
    for draft, found in zip(drafts, matches, strict=True):
        before = imported.get(normalise(draft["text"]))
        rows.append({
            # A draft already imported, or only stated, waits for the coordinator to accept it.
            "accept": before is None and draft.get("confidence", "high") == "high",
            "merge": False,
            "number": "" if before is not None else next(numbers),
            "title": draft["title"],
            "text": draft["text"],
            "theme": themes.get(draft["theme"]),
            "gcm_objectives": draft["gcm_objectives"],
            "reasons": ", ".join(draft["reasons"]),
            "excerpt": draft.get("source_excerpt", draft["text"]),
            "cues": ", ".join(draft.get("cues", [])),
            "confidence": draft.get("confidence", "high"),
            "already": before or "",
            "similar": " | ".join(
                f"{m.event_title} ({m.event_date}): {m.number} {m.title}" for m in found),
        })
    return {"language": language, "drafts": rows}


def already_imported(event: Event, drafts: list[dict]) -> dict[str, str]:
    """Return the numbers of the event's recommendations whose text a draft repeats."""
    wanted = {normalise(d["text"]) for d in drafts}
    existing = db.session.execute(
        select(Recommendation.number, Recommendation.text, Recommendation.title)
        .where(Recommendation.event_id == event.id)).all()
    found: dict[str, str] = {}
    for number, text, title in existing:
        for key in (normalise(text or ""), normalise(title or "")):
            if key in wanted:
                found.setdefault(key, number)
    return found


def choices() -> tuple[list[Theme], list[GcmObjective]]:
    """Return the themes and GCM objectives a draft may be classified with."""
    themes = db.session.scalars(select(Theme).where(Theme.active).order_by(Theme.id)).all()
    objectives = db.session.scalars(select(GcmObjective).order_by(GcmObjective.number)).all()
    return list(themes), list(objectives)


def merge_rows(rows: list[dict]) -> list[dict]:
    """Fold each row marked `merge` into the row before it.

    The merged row keeps the first row's number, title and acceptance; texts are joined,
    objectives combined, and the theme is the first one given.
    """
    merged: list[dict] = []
    for row in rows:
        if row.get("merge") and merged:
            head = merged[-1]
            head["text"] = "\n\n".join(t for t in (head["text"], row["text"] or row["title"]) if t)
            head["theme"] = head["theme"] or row["theme"]
            objectives = {o.number: o for o in [*head["gcm_objectives"], *row["gcm_objectives"]]}
            head["gcm_objectives"] = [objectives[n] for n in sorted(objectives)]
        else:
            merged.append(dict(row, gcm_objectives=list(row["gcm_objectives"])))
    return merged


def accept_drafts(actor: User, event: Event, rows: list[dict],
                  language: str) -> list[Recommendation]:
    """Create a recommendation of `event` for each accepted draft, after merging drafts.

    Raises `ImportRefused` when no draft is accepted or a number is used twice or is
    already taken in the event; nothing is created then.
    """
    accepted = [row for row in merge_rows(rows) if row["accept"]]
    if not accepted:
        raise ImportRefused(_l("Accept at least one draft."))
    numbers = [row["number"] for row in accepted]
    twice = sorted({n for n in numbers if numbers.count(n) > 1})
    if twice:
        raise ImportRefused(_l("These numbers are given to several drafts: %(numbers)s.",
                               numbers=", ".join(twice)))
    taken = db.session.scalars(select(Recommendation.number).where(
        Recommendation.event_id == event.id, Recommendation.number.in_(numbers))).all()
    if taken:
        raise ImportRefused(_l("The event already has recommendations numbered %(numbers)s.",
                               numbers=", ".join(sorted(taken))))
    return [
        create_recommendation(actor, event, number=row["number"], title=row["title"],
                              text=row["text"], theme=row["theme"],
                              gcm_objectives=row["gcm_objectives"], priority=Priority.MEDIUM,
                              language=language)
        for row in accepted
    ]
