"""Time the search for earlier recommendations a report's drafts resemble.

    python bench/similar.py [--recommendations 20000] [--database-url URL]

Fills a database (in-memory SQLite unless --database-url names an empty PostgreSQL
database, whose schema is then made by the migrations, trigram index included) with
generated recommendations in French (made of the phrases workshops use), then times
`similar_to` on the drafts of seed report 000: the first of five runs (SQLite builds its
stem index then) and the median of the others.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import flask_migrate  # noqa: E402
from sqlalchemy import text as sql  # noqa: E402

from tracker import create_app  # noqa: E402
from tracker.extensions import attach_migrations, db  # noqa: E402
from tracker.importing.parser import find_drafts  # noqa: E402
from tracker.importing.similar import similar_to  # noqa: E402
from tracker.models import Event, Recommendation  # noqa: E402

VERBS = ["Renforcer", "Créer", "Développer", "Mettre en place", "Former", "Évaluer", "Publier"]
OBJECTS = ["le système d'information sur la migration", "un observatoire régional",
           "les capacités des inspecteurs du travail", "des indicateurs de suivi",
           "les accords bilatéraux de sécurité sociale", "une campagne de sensibilisation",
           "les partenariats avec les universités", "un guichet unique pour les migrants"]
PLACES = ["à Tunis", "à Sfax", "dans les gouvernorats du Sud", "avec l'INS", "avec l'OIT"]


def main() -> None:
    """Print how long the drafts of seed 000 take to compare with N recommendations."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--recommendations", type=int, default=20_000)
    parser.add_argument("--database-url", default="sqlite://")
    parser.add_argument("--seed", default="/work/shared/seeds/000_0349b9e6426674fc.txt")
    args = parser.parse_args()
    app = create_app({"SQLALCHEMY_DATABASE_URI": args.database_url, "TESTING": True,
                      "SECRET_KEY": "bench-" + "x" * 40})
    attach_migrations(app)
    rng = random.Random(16)
    with app.app_context():
        if args.database_url.startswith("sqlite"):
            db.create_all()
        else:
            flask_migrate.upgrade()
        events = [Event(title=f"Atelier {i}", date=date(2015 + i % 10, 1 + i % 12, 1))
                  for i in range(args.recommendations // 10)]
        db.session.add_all(events)
        db.session.flush()
        db.session.add_all(Recommendation(
            event_id=events[i // 10].id, number=str(i % 10 + 1), language="fr",
            title=f"{rng.choice(VERBS)} {rng.choice(OBJECTS)} {rng.choice(PLACES)}",
            text="") for i in range(args.recommendations))
        db.session.commit()
        drafts = find_drafts(Path(args.seed).read_text(encoding="utf-8"))
        if not args.database_url.startswith("sqlite"):
            db.session.execute(sql("ANALYZE"))
        timings = []
        for _ in range(5):
            started = time.perf_counter()
            found = similar_to([d["text"] for d in drafts], "fr",
                               titles=[d["title"] for d in drafts])
            timings.append(time.perf_counter() - started)
            db.session.rollback()
        print(f"{db.engine.dialect.name}, {args.recommendations} recommendations, "
              f"{len(drafts)} drafts: first {timings[0] * 1000:.0f} ms, then "
              f"{statistics.median(timings[1:]) * 1000:.0f} ms (median), "
              f"{sum(map(len, found))} matches")


if __name__ == "__main__":
    main()
