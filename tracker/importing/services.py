"""Import recommendations from a report: read it, propose drafts, create the accepted ones.

Like every domain operation, these flush and never commit: the request or the command
owns the one commit.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from werkzeug.datastructures import FileStorage
from werkzeug.utils import secure_filename

from tracker import audit
from tracker.actions import rules
from tracker.domain import DomainError
from tracker.events.services import create_recommendation
from tracker.evidence import services as evidence_services
from tracker.evidence import storage
from tracker.extensions import db
from tracker.importing import readers, similar
from tracker.importing.parser import find_drafts, guess_language
from tracker.importing.prose import find_passages, make_title
from tracker.importing.suggest import normalise, suggest
from tracker.models import (
    Event,
    GcmObjective,
    Priority,
    Recommendation,
    SourceDocument,
    Theme,
    User,
)


class ImportRefused(DomainError):
    """Raised when drafts cannot be read or saved; the message is for the user."""


def drafts_from(text: str | None, upload: FileStorage | None,
                max_bytes: int = readers.MAX_BYTES) -> tuple[list[dict], str, storage.CheckedFile]:
    """Return the drafts found in an uploaded file, else in pasted `text`, that text, and
    the report as a file to keep.

    Raises `readers.ReportTooLarge`, `readers.ReportUnreadable`, or `ImportRefused` when
    there is no text or no recommendation in it.
    """
    original = None
    if upload is not None and upload.filename:
        data = upload.stream.read(max_bytes + 1)
        text = readers.read_bytes(upload.filename, data, max_bytes)
        name = secure_filename(upload.filename) or "report"
        extension = name.rsplit(".", 1)[-1].lower()
        original = storage.CheckedFile(name[-200:], SOURCE_TYPES.get(extension, "text/plain"),
                                       extension, data)
    if not (text or "").strip():
        raise ImportRefused(_l("Paste the text of the report or choose a file."))
    readers.check_length(text, _l("The pasted text") if original is None else original.filename)
    drafts = find_drafts(text)
    if not drafts:
        raise ImportRefused(_l(
            "No recommendations were found in this report: neither a list nor sentences "
            "that recommend, call for or state something to do. Enter the recommendations "
            "one by one."))
    if original is None:
        original = storage.CheckedFile("report.txt", "text/plain", "txt", text.encode("utf-8"))
    return drafts, text, original


SOURCE_TYPES = {
    "txt": "text/plain", "md": "text/markdown", "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def keep_source(actor: User, event: Event, original: storage.CheckedFile) -> SourceDocument:
    """Store the report read for `event` as its source document, with an audit entry.

    The file is written like evidence, under a generated name, and removed again if the
    transaction rolls back. Raises `EvidenceRefused` when it cannot be written.
    """
    stored_name = storage.write(original)
    db.session.info.setdefault(evidence_services.WRITTEN, []).append(stored_name)
    document = SourceDocument(event_id=event.id, filename=original.filename,
                              stored_name=stored_name, content_type=original.content_type,
                              size=len(original.data), added_by_id=actor.id)
    db.session.add(document)
    db.session.flush()
    audit.record(actor, "keep_source", event, {"source_document": document.id,
                                               "filename": original.filename})
    return document


def source_text(document: SourceDocument | None) -> str:
    """Return the text of a kept report, or "" when it is gone or unreadable."""
    if document is None:
        return ""
    try:
        data = storage.path_of(document.stored_name).read_bytes()
        return readers.read_bytes(document.filename if "." in document.filename
                                  else f"{document.filename}.txt", data, len(data))
    except (OSError, ValueError, readers.ReportUnreadable):
        return ""


def draft_from_passage(passage: str) -> dict:
    """Return a draft made of a passage the coordinator selected in the report.

    Its title drops a reporting frame when the passage has one; theme and objectives are
    suggested as for the drafts the importer found.
    """
    text = " ".join(passage.split())
    found = find_passages(text, guess_language(text))
    title = found[0].title if len(found) == 1 else make_title(text)
    suggestion = suggest(text)
    return {"title": title, "text": text, "theme": suggestion.theme,
            "gcm_objectives": suggestion.gcm_objectives, "reasons": suggestion.reasons,
            "source_excerpt": text, "cues": [], "confidence": "high"}


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


def next_free_number(event: Event, taken: list[str]) -> str:
    """Return the first number after the event's and those `taken` by drafts on the page."""
    plain = [int(n) for n in taken if n.isascii() and n.isdigit()]
    start = int(rules.next_recommendation_numbers(event.id)[0])
    return str(max([start, *(n + 1 for n in plain)]))


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
