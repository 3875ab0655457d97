"""Find the earlier recommendations a draft resembles: workshops repeat themselves.

Words are compared by their stems (their first five letters, without case, accents or
Arabic hamza forms, short and common words left out); two texts resemble each other
when one holds most of the other's stems, each weighed by how rare it is among the
recommendations compared (an inverse document frequency). Only recommendations in the same
language are compared.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from sqlalchemy import select

from tracker.extensions import db
from tracker.importing.suggest import normalise
from tracker.models import Event, Recommendation

MIN_SCORE = 0.5
MAX_SIMILAR = 3
STEM = 5
_WORD = re.compile(r"\w+")
_STOP = frozenset(normalise(w) for w in (
    "les des une pour dans sur avec aux par qui que est sont ont été plus leur leurs entre "
    "the and for with from that this are was were have has their into more "
    "في من على إلى التي الذي مع عن هذه هذا ذلك كما بين").split())


@dataclass(frozen=True)
class Match:
    """An earlier recommendation a text resembles, and how closely (0 to 1)."""

    recommendation_id: int
    number: str
    title: str
    event_id: int
    event_title: str
    event_date: object
    score: float


def stems(text: str) -> frozenset[str]:
    """Return the stems of the meaningful words of `text`."""
    return frozenset(w[:STEM] for w in _WORD.findall(normalise(text))
                     if len(w) > 3 and w not in _STOP and not w.isdigit())


def resemblance(a: frozenset[str], b: frozenset[str],
                weight: dict[str, float] | None = None) -> float:
    """Return how much of the smaller set of stems the other holds, rare stems weighing more."""
    if not a or not b:
        return 0.0
    default = max(weight.values(), default=1.0) if weight else 1.0

    def mass(stems_: frozenset[str]) -> float:
        return sum(weight.get(s, default) if weight else 1.0 for s in stems_)
    return mass(a & b) / min(mass(a), mass(b))


def similar_to(texts: list[str], language: str, exclude_event_id: int | None = None,
               limit: int = MAX_SIMILAR) -> list[list[Match]]:
    """Return, for each of `texts`, the earlier recommendations of other events it resembles.

    Best first, at most `limit` each.
    """
    rows = db.session.execute(
        select(Recommendation.id, Recommendation.number, Recommendation.title,
               Recommendation.text, Event.id, Event.title, Event.date)
        .join(Event, Recommendation.event_id == Event.id)
        .where(Recommendation.language == language,
               Event.id != (exclude_event_id if exclude_event_id is not None else -1))).all()
    known = [(row, stems(f"{row[2]} {row[3][:600]}")) for row in rows]
    weight = _weights([s for _, s in known])
    index: dict[str, list[int]] = {}
    for position, (_row, found) in enumerate(known):
        for stem in found:
            index.setdefault(stem, []).append(position)
    result = []
    for text in texts:
        wanted = stems(text[:900])
        # Only the recommendations sharing a stem are scored: the index finds them.
        candidates = {p for stem in wanted for p in index.get(stem, ())}
        scored = sorted(((resemblance(wanted, known[p][1], weight), known[p][0])
                         for p in candidates), reverse=True, key=lambda pair: pair[0])
        result.append([Match(row[0], row[1], row[2], row[4], row[5], row[6], round(score, 2))
                       for score, row in scored[:limit] if score >= MIN_SCORE])
    return result


def _weights(sets: list[frozenset[str]]) -> dict[str, float]:
    """Return each stem's weight: rare stems ("indicateurs") count more than common ones."""
    counts: dict[str, int] = {}
    for found in sets:
        for stem in found:
            counts[stem] = counts.get(stem, 0) + 1
    total = len(sets) + 1
    return {stem: math.log(total / n) + 0.1 for stem, n in counts.items()}
