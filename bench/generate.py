"""Fill a database with realistic data at a chosen scale.

    python bench/generate.py --database-url URL [--scale 1.0]

Scale 1 is a national deployment after years of use: 2,000 events, 20,000
recommendations, 100,000 actions with their history, 1,000 users and 60 institutions.
The database is emptied and migrated first, and analysed at the end. Every generated
account has the password "bench-password-2026"; the coordinator is coord@bench.example.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tracker.extensions import attach_migrations, db  # noqa: E402
from tracker.models import (  # noqa: E402
    Action,
    ActionUpdate,
    Event,
    Institution,
    Recommendation,
    Role,
    Status,
    UpdateKind,
    User,
)

PASSWORD = "bench-password-2026"


def fill(actions: int = 100_000, *, events: int = 2000, recommendations: int = 20_000,
         users: int = 1000, institutions: int = 60, today: date | None = None,
         seed: int = 7) -> None:
    """Insert the data set in bulk (the database must be migrated and empty)."""
    from werkzeug.security import generate_password_hash

    rng = random.Random(seed)
    today = today or date.today()
    password_hash = generate_password_hash(PASSWORD, method="scrypt")
    db.session.execute(sa.insert(Institution), [
        {"code": f"I{i:02d}", "name": f"Institution {i}", "active": True}
        for i in range(institutions)])
    inst_ids = list(db.session.scalars(sa.select(Institution.id).order_by(Institution.id)))
    db.session.execute(sa.insert(User), [
        {"email": f"fp{i}@bench.example", "name": f"Point focal {i}",
         "password_hash": password_hash, "role": Role.FOCAL_POINT, "active": True,
         "institution_id": inst_ids[i % len(inst_ids)], "muted_kinds": [],
         "session_version": 1, "locale": rng.choice(["fr", "fr", "en", "ar"])}
        for i in range(users - 2)] + [
        {"email": "coord@bench.example", "name": "Coordination", "password_hash": password_hash,
         "role": Role.COORDINATOR, "active": True, "muted_kinds": [], "session_version": 1,
         "locale": "fr"},
        {"email": "admin@bench.example", "name": "Admin", "password_hash": password_hash,
         "role": Role.ADMIN, "active": True, "muted_kinds": [], "session_version": 1,
         "locale": "fr"}])
    owners = db.session.execute(sa.select(User.id, User.institution_id)
                                .where(User.role == Role.FOCAL_POINT)).all()
    coordinator_id = db.session.scalar(sa.select(User.id).where(
        User.email == "coord@bench.example"))
    theme_ids = [1, 2, 3, 4, 5]
    db.session.execute(sa.insert(Event), [
        {"title": f"Atelier de suivi {i}", "date": today - timedelta(days=i % 1500),
         "place": "Tunis", "organisers": "ONM", "source_url": "", "description": "",
         "is_public": False} for i in range(events)])
    event_ids = list(db.session.scalars(sa.select(Event.id).order_by(Event.id)))
    db.session.execute(sa.insert(Recommendation), [
        {"event_id": event_ids[i % len(event_ids)], "number": str(i // len(event_ids) + 1),
         "position": i // len(event_ids) + 1, "title": f"Recommandation {i}", "text": "",
         "theme_id": theme_ids[i % 5], "priority": "medium", "language": "fr"}
        for i in range(recommendations)])
    rec_ids = list(db.session.scalars(sa.select(Recommendation.id).order_by(Recommendation.id)))
    now = datetime.now(UTC)
    batch, history = [], []
    for i in range(actions):
        deadline = today + timedelta(days=rng.randint(-730, 365))
        past = deadline < today
        status = (Status.COMPLETED if past and rng.random() < 0.8 else
                  rng.choice([Status.NOT_STARTED, Status.IN_PROGRESS, Status.IN_PROGRESS,
                              Status.BLOCKED]))
        owner_id, institution_id = owners[i % len(owners)]
        batch.append({"recommendation_id": rec_ids[i % len(rec_ids)],
                      "title": f"Action {i}", "description": "", "owner_id": owner_id,
                      "lead_institution_id": institution_id, "deadline": deadline,
                      "start_date": None, "status": status,
                      "progress": 100 if status == Status.COMPLETED else rng.randint(0, 90),
                      "version": 1})
        if len(batch) == 5000 or i == actions - 1:
            first_id = (db.session.scalar(sa.select(sa.func.max(Action.id))) or 0) + 1
            db.session.execute(sa.insert(Action), batch)
            for offset, row in enumerate(batch):
                action_id = first_id + offset
                created = now - timedelta(days=rng.randint(30, 900))
                history.append({"action_id": action_id, "author_id": coordinator_id,
                                "created_at": created, "kind": UpdateKind.CREATED,
                                "new_status": Status.NOT_STARTED, "new_progress": 0,
                                "comment": "", "changes": {}})
                if row["status"] != Status.NOT_STARTED:
                    history.append({"action_id": action_id, "author_id": row["owner_id"],
                                    "created_at": created + timedelta(days=rng.randint(1, 29)),
                                    "kind": UpdateKind.PROGRESS,
                                    "old_status": Status.NOT_STARTED, "new_status": row["status"],
                                    "old_progress": 0, "new_progress": row["progress"],
                                    "comment": "Avancement", "changes": {}})
            db.session.execute(sa.insert(ActionUpdate), history)
            batch, history = [], []
    # One event in 20 archived, as a tracker in use has some: lists and counts then pay
    # for the archive rule as they would in production.
    from tracker.archive.services import sync_archived

    db.session.execute(sa.update(Event).where(Event.id % 20 == 0)
                       .values(archived_at=datetime.now(UTC)))
    sync_archived()
    db.session.commit()


def prepare(url: str):
    """Return an app on an emptied, migrated database at `url`."""
    from flask_migrate import upgrade

    from tracker import create_app
    from tracker.config import normalise_database_url

    url = normalise_database_url(url)
    if url.startswith("postgresql"):
        engine = sa.create_engine(url)
        with engine.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        engine.dispose()
    app = create_app({"TRACKER_ENV": "testing", "SECRET_KEY": "bench-secret-key-0123456789",
                      "SQLALCHEMY_DATABASE_URI": url})
    attach_migrations(app)
    with app.app_context():
        upgrade()
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args()
    app = prepare(args.database_url)
    with app.app_context():
        started = time.perf_counter()
        s = args.scale
        fill(int(100_000 * s), events=max(1, int(2000 * s)),
             recommendations=max(1, int(20_000 * s)), users=max(3, int(1000 * s)))
        print(f"generated scale {s} in {time.perf_counter() - started:.1f} s")
        # Fresh statistics, as autovacuum would give a real database, so plans are real ones.
        engine = db.engine.execution_options(isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(sa.text("VACUUM ANALYZE" if engine.dialect.name == "postgresql"
                                 else "ANALYZE"))


if __name__ == "__main__":
    main()
