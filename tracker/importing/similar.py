"""Find the earlier recommendations a draft resembles: workshops repeat themselves.

Words are compared by their stems (their first five letters, without case, accents or
Arabic hamza forms, short and common words left out); two texts resemble each other
when one holds most of the other's stems, each weighed by how rare it is among the
recommendations compared (an inverse document frequency). Only recommendations in the same
language are compared.

On PostgreSQL the database compares instead: pg_trgm's `similarity` of the draft's
title and each earlier title (shared trigrams over all trigrams), served by a GIN
trigram index on the titles, so a page never reads every recommendation. SQLite has
no such index: there the stems of every recommendation are read and scored in Python
(bench/similar.py times both; docs/importer.md has the figures).
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import Integer, bindparam, func, select
from sqlalchemy import text as sql
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.types import Text

from tracker.extensions import db
from tracker.importing.suggest import normalise
from tracker.models import Event, Recommendation

MIN_SCORE = 0.5
# pg_trgm's similarity of two titles: 0.45 keeps "Renforcement des capacités
# institutionnelles et du système d'information" against the same words followed by "sur
# la migration" (0.84), and leaves titles that only share the workshops' common words.
# (word_similarity against the whole draft was tried: 14 s at 20,000 recommendations,
# every title sharing some trigram with a long text.)
MIN_TRIGRAM_SIMILARITY = 0.45
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
               limit: int = MAX_SIMILAR, titles: list[str] | None = None) -> list[list[Match]]:
    """Return, for each of `texts`, the earlier recommendations of other events it resembles.

    Best first, at most `limit` each. `titles` (one per text) are what PostgreSQL
    compares; without them, the start of each text.
    """
    if not texts:
        return []
    if db.session.get_bind().dialect.name == "postgresql":
        return _similar_in_postgresql(titles or [t[:300] for t in texts], language,
                                      exclude_event_id, limit)
    index = _stem_index(language)
    exclude = exclude_event_id if exclude_event_id is not None else -1
    best: list[list[tuple[float, int]]] = []
    for text in texts:
        wanted = stems(text[:900])
        wanted_mass = sum(index.weight.get(stem, index.default) for stem in wanted)
        # Shared mass per recommendation, summed from the postings of the draft's stems.
        shared: dict[int, float] = defaultdict(float)
        for stem in wanted:
            weight = index.weight.get(stem, index.default)
            for position in index.postings.get(stem, ()):
                shared[position] += weight
        scored = sorted(((mass / min(wanted_mass, index.mass[p]), index.ids[p])
                         for p, mass in shared.items()
                         if index.events[p] != exclude), key=lambda pair: (-pair[0], pair[1]))
        best.append([(score, id_) for score, id_ in scored[:limit] if score >= MIN_SCORE])
    wanted_ids = {id_ for found in best for _, id_ in found}
    # Run even without matches, so that a page's count of queries does not depend on them.
    rows = {row[0]: row for row in db.session.execute(
        select(Recommendation.id, Recommendation.number, Recommendation.title,
               Event.id, Event.title, Event.date)
        .join(Event, Recommendation.event_id == Event.id)
        .where(Recommendation.id.in_(wanted_ids)))}
    return [[Match(*rows[id_], round(score, 2)) for score, id_ in found if id_ in rows]
            for found in best]


@dataclass
class _StemIndex:
    """The stems of a language's recommendations, as postings lists, with their weights."""

    key: tuple
    ids: list[int]
    events: list[int]
    mass: list[float]
    postings: dict[str, list[int]]
    weight: dict[str, float]
    default: float


# One index per application and language (kept in app.extensions), rebuilt when the
# recommendations change: reading and stemming 20,000 of them costs some 250 ms, the
# query that tells whether they changed a few (bench/similar.py: 300 ms, then 55).
EXTENSION = "tracker.similar"


def _stem_index(language: str) -> _StemIndex:
    """Return the stem index of `language`'s recommendations, built again if they changed."""
    indexes: dict[str, _StemIndex] = current_app.extensions.setdefault(EXTENSION, {})
    cached = indexes.get(language)
    if cached is not None:
        key = tuple(db.session.execute(
            select(func.count(), func.max(Recommendation.id),
                   func.sum(func.length(Recommendation.title)),
                   func.sum(func.length(Recommendation.text)),
                   func.max(Recommendation.created_at))
            .where(Recommendation.language == language)).one())
        if cached.key == key:
            return cached
    # Without an index yet, its key is computed from the rows read: a page then runs as
    # many queries the first time as the next ones (tests count them).
    rows = db.session.execute(
        select(Recommendation.id, Recommendation.event_id, Recommendation.title,
               Recommendation.text, Recommendation.created_at)
        .where(Recommendation.language == language).order_by(Recommendation.id)).all()
    key = (len(rows), rows[-1][0], sum(len(r[2]) for r in rows), sum(len(r[3]) for r in rows),
           max(r[4] for r in rows)) if rows else (0, None, None, None, None)
    sets = [stems(f"{title} {text[:600]}") for _, _, title, text, _ in rows]
    weight = _weights(sets)
    default = max(weight.values(), default=1.0)
    postings: dict[str, list[int]] = {}
    for position, found in enumerate(sets):
        for stem in found:
            postings.setdefault(stem, []).append(position)
    index = _StemIndex(key, [r[0] for r in rows], [r[1] for r in rows],
                       [sum(weight[s] for s in found) or 1.0 for found in sets],
                       postings, weight, default)
    indexes[language] = index
    return index


def _similar_in_postgresql(titles: list[str], language: str, exclude_event_id: int | None,
                           limit: int) -> list[list[Match]]:
    """Return `similar_to`'s answer computed by pg_trgm, in one query for all the drafts."""
    # `title % draft` is what the GIN trigram index serves; its threshold is a setting,
    # set for this transaction only.
    db.session.execute(select(func.set_config("pg_trgm.similarity_threshold",
                                              str(MIN_TRIGRAM_SIMILARITY), True)))
    # The planner prices `similarity` as cheap and scans 20,000 titles rather than use the
    # index: 630 ms a draft against 55 (bench/similar.py). This transaction only.
    db.session.execute(select(func.set_config("enable_seqscan", "off", True)))
    rows = db.session.execute(sql("""
        SELECT q.n, m.id, m.number, m.title, m.event_id, m.event_title, m.event_date, m.score
        FROM unnest(:texts) WITH ORDINALITY AS q(draft, n)
        CROSS JOIN LATERAL (
            SELECT r.id, r.number, r.title, e.id AS event_id, e.title AS event_title,
                   e.date AS event_date, similarity(r.title, q.draft) AS score
            FROM recommendation r JOIN event e ON e.id = r.event_id
            WHERE r.title % q.draft AND r.language = :language AND r.event_id <> :exclude
            ORDER BY score DESC, r.id
            LIMIT :limit) AS m
        ORDER BY q.n, m.score DESC, m.id
    """).bindparams(bindparam("texts", type_=ARRAY(Text)),
                    bindparam("limit", type_=Integer)),
        {"texts": [t[:300] for t in titles], "language": language, "limit": limit,
         "exclude": exclude_event_id if exclude_event_id is not None else -1}).all()
    result: list[list[Match]] = [[] for _ in titles]
    for n, *match, score in rows:
        result[n - 1].append(Match(*match, round(float(score), 2)))
    return result


def _weights(sets: list[frozenset[str]]) -> dict[str, float]:
    """Return each stem's weight: rare stems ("indicateurs") count more than common ones."""
    counts: dict[str, int] = {}
    for found in sets:
        for stem in found:
            counts[stem] = counts.get(stem, 0) + 1
    total = len(sets) + 1
    return {stem: math.log(total / n) + 0.1 for stem, n in counts.items()}
