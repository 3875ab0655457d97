"""Benchmark of the reminders: planning over many actions, delivery to a local SMTP server.

    python bench/reminders.py [--actions 100000] [--emails 5000] [--database-url URL]

Without --database-url it uses a fresh SQLite file; with a PostgreSQL URL it empties
that database's public schema first. It prints one line a measurement. Reporting cycles
are set on about a third of the actions (see `fill`).
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tracker import create_app  # noqa: E402
from tracker.extensions import attach_migrations, db  # noqa: E402
from tracker.models import (  # noqa: E402
    Action,
    Event,
    Institution,
    MessageStatus,
    OutboxMessage,
    Recommendation,
    Role,
    Status,
    User,
)


def fill(actions: int, today: date, seed: int = 7) -> None:
    """Insert `actions` actions over 3 years of deadlines, most past ones completed.

    A quarter of the events ask for news every 4 or 13 weeks and a tenth of the actions
    set a cycle of their own; the last news of each action is up to a year old.
    """
    rng = random.Random(seed)
    institutions = [{"code": f"I{i}", "name": f"Institution {i}", "active": True}
                    for i in range(60)]
    db.session.execute(sa.insert(Institution), institutions)
    inst_ids = list(db.session.scalars(sa.select(Institution.id)))
    users = [{"email": f"fp{i}@bench.example", "name": f"Focal point {i}",
              "password_hash": "x", "role": Role.FOCAL_POINT, "active": True,
              "institution_id": inst_ids[i % len(inst_ids)], "muted_kinds": [],
              "locale": rng.choice(["fr", "fr", "en", "ar"])} for i in range(1000)]
    users.append({"email": "coord@bench.example", "name": "Coordinator", "password_hash": "x",
                  "role": Role.COORDINATOR, "active": True, "muted_kinds": [], "locale": "fr"})
    db.session.execute(sa.insert(User), users)
    user_rows = db.session.execute(sa.select(User.id, User.institution_id)
                                   .where(User.role == Role.FOCAL_POINT)).all()
    db.session.execute(sa.insert(Event), [
        {"title": f"Atelier {i}", "date": today - timedelta(days=i), "place": "Tunis",
         "organisers": "ONM", "source_url": "", "description": "", "is_public": False,
         "report_every_weeks": rng.choice([4, 13]) if rng.random() < 0.25 else None}
        for i in range(2000)])
    event_ids = list(db.session.scalars(sa.select(Event.id)))
    db.session.execute(sa.insert(Recommendation), [
        {"event_id": event_ids[i % len(event_ids)], "number": str(i // len(event_ids) + 1),
         "position": i, "title": f"Recommandation {i}", "text": "", "priority": "medium",
         "language": "fr"} for i in range(20000)])
    rec_ids = list(db.session.scalars(sa.select(Recommendation.id)))
    rows = []
    for i in range(actions):
        deadline = today + timedelta(days=rng.randint(-730, 365))
        past = deadline < today
        status = (Status.COMPLETED if past and rng.random() < 0.8 else
                  rng.choice([Status.NOT_STARTED, Status.IN_PROGRESS, Status.IN_PROGRESS]))
        owner_id, institution_id = user_rows[i % len(user_rows)]
        rows.append({"recommendation_id": rec_ids[i % len(rec_ids)], "title": f"Action {i}",
                     "description": "", "owner_id": owner_id,
                     "lead_institution_id": institution_id, "deadline": deadline,
                     "status": status, "progress": 100 if status == Status.COMPLETED else 30,
                     "version": 1,
                     "report_every_weeks": rng.choice([2, 4, 13]) if rng.random() < 0.1 else None,
                     "last_news_on": today - timedelta(days=rng.randint(0, 365))})
        if len(rows) == 5000:
            db.session.execute(sa.insert(Action), rows)
            rows = []
    if rows:
        db.session.execute(sa.insert(Action), rows)
    db.session.commit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--actions", type=int, default=100_000)
    parser.add_argument("--emails", type=int, default=5000)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()

    from flask_migrate import upgrade

    workdir = Path(tempfile.mkdtemp(prefix="tracker-bench-"))
    url = args.database_url or f"sqlite:///{workdir}/bench.sqlite3"
    if url.startswith("postgres"):
        from tracker.config import normalise_database_url

        url = normalise_database_url(url)
        engine = sa.create_engine(url)
        with engine.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        engine.dispose()
    app = create_app({"TRACKER_ENV": "testing", "SECRET_KEY": "bench-secret-key-0123456789",
                      "SQLALCHEMY_DATABASE_URI": url, "UPLOAD_FOLDER": str(workdir)})
    attach_migrations(app)
    with app.app_context():
        upgrade()
        today = date.today()
        started = time.perf_counter()
        fill(args.actions, today)
        print(f"fill: {args.actions} actions in {time.perf_counter() - started:.1f} s "
              f"({db.engine.dialect.name})")
        # A deployment's database has statistics; freshly bulk-loaded tables have none yet.
        db.session.execute(sa.text("ANALYZE"))
        db.session.commit()

        from tracker.reminders import jobs
        from tracker.workdays.services import working_day

        # Two working days in a row (reminders go out on working days only, and a day
        # after a closed one also plans the closed days), the first one's figures apart:
        # the first planning after the cycles are set asks every action already a cycle
        # late at once.
        first = today
        while not (working_day(first) and working_day(first + timedelta(days=1))):
            first += timedelta(days=1)
        started = time.perf_counter()
        result = jobs.plan(first, digests=False, summaries=False)
        print(f"plan (first day with cycles, {first}): {len(result.rows)} "
              f"emails in {time.perf_counter() - started:.2f} s {result.counts()}")

        monday = first + timedelta(days=7 - first.weekday())
        while not working_day(monday):
            monday += timedelta(days=1)
        for label, day in (("a day", first + timedelta(days=1)), ("monday", monday)):
            # As if the days between had been planned: one day's planning is measured.
            jobs.record_planned(day - timedelta(days=1))
            started = time.perf_counter()
            result = jobs.plan(day, digests=label == "monday", summaries=label == "monday",
                               then_compose=False)
            elapsed = time.perf_counter() - started
            print(f"plan ({label}, {day}): {len(result.rows)} items planned over "
                  f"{args.actions} actions in {elapsed:.2f} s {result.counts()}")
            started = time.perf_counter()
            emails = jobs.compose(day)
            elapsed = time.perf_counter() - started
            items = sum(result.inserted.values())
            print(f"daily emails ({label}): {items} items gathered into {emails} emails in "
                  f"{elapsed:.2f} s: the consolidation saves {items - emails} emails that "
                  f"day ({items / max(emails, 1):.1f} items an email)")
        started = time.perf_counter()
        result = jobs.plan(monday)
        print(f"plan again (nothing new): {len(result.rows)} emails in "
              f"{time.perf_counter() - started:.2f} s")

        db.session.execute(sa.update(OutboxMessage).values(status=MessageStatus.SENT))
        planned = db.session.scalars(sa.select(OutboxMessage).limit(1)).one()
        template = {c.name: getattr(planned, c.name) for c in OutboxMessage.__table__.columns
                    if c.name not in ("id", "key", "message_uuid")}
        db.session.execute(sa.insert(OutboxMessage), [
            {**template, "key": f"bench:{i}", "status": MessageStatus.PENDING, "attempts": 0,
             "message_uuid": str(uuid.uuid4())}
            for i in range(args.emails)])
        db.session.commit()

        sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
        from smtp import SmtpServer

        server = SmtpServer()
        server.start()
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port)
        try:
            started = time.perf_counter()
            report = jobs.deliver()
            elapsed = time.perf_counter() - started
        finally:
            server.stop()
        print(f"deliver: {report.sent} emails in {elapsed:.2f} s = "
              f"{report.sent / elapsed:.0f} emails/s ({len(server.messages)} received)")


if __name__ == "__main__":
    main()
