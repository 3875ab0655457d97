"""Background jobs: queued by the web, run by the worker process, each exactly once."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import func, select

from tests import test_spreadsheets
from tests.test_spreadsheets import TOKEN_RE, check, many_rows, xlsx
from tracker.extensions import db
from tracker.jobs import queue, registry
from tracker.jobs.runner import run_pending
from tracker.models import Action, Job, JobState, Role
from tracker.models.types import utcnow
from tracker.reminders.scheduler import configure

RECORD = "test_record"
RUNNERS = 2
JOBS = 20
# The people, institutions and event of the spreadsheet tests, as a fixture here too.
world = test_spreadsheets.world


@pytest.fixture
def recorded():
    """Declare a kind of job that notes each run, and the list of the runs."""
    runs: list[int] = []
    lock = threading.Lock()

    def record(job: registry.JobContext) -> dict:
        if job.payload.get("fail"):
            raise KeyError("a bug in the job")
        with lock:
            runs.append(job.payload["n"])
        return {"n": job.payload["n"]}

    registry.register(registry.JobKind(RECORD, record))
    yield runs
    registry.unregister(RECORD)


def queue_import(app, client, rows: int = 45) -> str:
    app.config["SPREADSHEET_BACKGROUND_ROWS"] = 40
    preview = check(client, xlsx(many_rows(rows)))
    token = TOKEN_RE.search(preview.get_data(as_text=True)).group(1)
    response = client.post("/spreadsheets/import/confirm", data={"token": token})
    assert response.status_code == 303
    return response.headers["Location"]


def die_holding(job_id: int) -> None:
    """Claim the job as a worker that dies at once: its lease runs out unrenewed."""
    claimed = queue.claim("dead-worker")
    assert claimed is not None and claimed.id == job_id
    claimed.lease_expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()


def test_no_request_runs_a_job(app, client, world):
    location = queue_import(app, client)
    for _ in range(3):
        assert client.get(location).status_code == 200
    job = db.session.scalars(select(Job)).one()
    assert (job.state, job.attempts, job.started_at) == (JobState.QUEUED, 0, None)
    assert db.session.scalar(select(func.count()).select_from(Action)) == 0


def test_an_import_whose_worker_died_is_taken_over_and_written_once(app, client, runner,
                                                                    world):
    location = queue_import(app, client)
    job = db.session.scalars(select(Job)).one()
    die_holding(job.id)
    page = client.get(location).get_data(as_text=True)
    assert "Waiting for the worker" in page

    result = runner.invoke(args=["jobs", "run"])
    assert result.output.strip() == "Jobs: 1 done, 0 failed."
    assert (job.state, job.attempts) == (JobState.DONE, 2)
    assert job.claimed_by != "dead-worker" and not job.claimed_by.startswith("dead-worker/")
    assert db.session.scalar(select(func.count()).select_from(Action)) == 45
    # The dead worker, back to life, finds its claim gone and must roll its work back.
    assert not queue.finish(job.id, "dead-worker/00000000", {"rows": 0})


def test_an_import_whose_workers_died_twice_fails_and_says_so(app, client, runner, world):
    location = queue_import(app, client)
    job = db.session.scalars(select(Job)).one()
    die_holding(job.id)
    die_holding(job.id)

    result = runner.invoke(args=["jobs", "run"])
    assert result.output.strip() == "Jobs: 0 done, 0 failed, 1 failed as their worker died."
    assert (job.state, job.attempts) == (JobState.FAILED, 2)
    page = client.get(location).get_data(as_text=True)
    assert "The import failed" in page
    assert "as the process running it stopped: nothing of it was saved" in page
    assert db.session.scalar(select(func.count()).select_from(Action)) == 0


def test_the_scheduler_runs_the_queued_jobs(app, client, world):
    location = queue_import(app, client)
    scheduler = configure(BackgroundScheduler(), app)
    scheduled = scheduler.get_job("queue")
    assert (scheduled.max_instances, scheduled.coalesce) == (1, True)

    scheduled.func()  # as the scheduler's thread calls it, outside any request
    assert client.get(location).status_code == 302
    assert db.session.scalar(select(func.count()).select_from(Action)) == 45


def test_a_job_that_breaks_fails_with_a_message_and_the_next_one_runs(
        app, runner, recorded, make_user, caplog):
    asker = make_user(Role.COORDINATOR)
    broken = queue.enqueue(RECORD, {"fail": True}, requested_by=asker, locale="fr")
    queue.enqueue(RECORD, {"n": 1}, requested_by=asker)
    db.session.commit()

    result = runner.invoke(args=["jobs", "run"])
    assert result.output.strip() == "Jobs: 1 done, 1 failed."
    assert recorded == [1]
    assert broken.state == JobState.FAILED
    assert broken.error.startswith("Le travail a échoué")
    assert "a bug in the job" in caplog.text  # the cause is in the log, not on the page


def test_jobs_of_a_kind_no_longer_known_fail(app, runner, recorded):
    job = queue.enqueue(RECORD, {"n": 1}, locale="en")
    db.session.commit()
    registry.unregister(RECORD)

    assert runner.invoke(args=["jobs", "run"]).output.strip() == "Jobs: 0 done, 1 failed."
    assert job.state == JobState.FAILED
    assert "no longer known" in job.error


def test_a_limit_leaves_the_other_jobs_queued(app, runner, recorded):
    for n in range(3):
        queue.enqueue(RECORD, {"n": n})
    db.session.commit()

    assert runner.invoke(args=["jobs", "run", "--limit", "2"]).exit_code == 0
    assert recorded == [0, 1]
    assert runner.invoke(args=["jobs", "run", "--limit", "0"]).exit_code == 2
    assert runner.invoke(args=["jobs", "run"]).exit_code == 0
    assert recorded == [0, 1, 2]


def test_two_runners_at_once_run_each_job_exactly_once(app, recorded):
    ids = [queue.enqueue(RECORD, {"n": n}).id for n in range(JOBS)]
    db.session.commit()
    start = threading.Barrier(RUNNERS)
    reports, errors = [], []

    def work(name: str) -> None:
        with app.app_context():  # a session of its own, as in another process
            try:
                start.wait()
                reports.append(run_pending(worker=name))
            except Exception as exc:  # reported below: a thread's exception is lost
                errors.append(exc)

    threads = [threading.Thread(target=work, args=(f"runner-{i}",)) for i in range(RUNNERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sorted(recorded) == list(range(JOBS))
    assert sum(report.done for report in reports) == JOBS
    db.session.expire_all()
    jobs = db.session.scalars(select(Job).where(Job.id.in_(ids))).all()
    assert {(job.state, job.attempts) for job in jobs} == {(JobState.DONE, 1)}


def test_a_running_job_reports_its_progress_beside_its_own_transaction(app, runner):
    seen: dict[str, int] = {}

    def count(job: registry.JobContext) -> dict:
        job.report(7)
        with db.engine.connect() as page:  # what the progress page reads meanwhile
            seen["done"] = page.scalar(select(Job.progress_done).where(Job.id == job.job_id))
        return {}

    registry.register(registry.JobKind("test_count", count))
    try:
        job = queue.enqueue("test_count", {}, total=10)
        db.session.commit()
        assert runner.invoke(args=["jobs", "run"]).output.strip() == "Jobs: 1 done, 0 failed."
    finally:
        registry.unregister("test_count")
    # SQLite has a single writer, which a job's transaction holds: progress shows at the end.
    assert seen["done"] == (0 if db.engine.dialect.name == "sqlite" else 7)
    assert (job.state, job.progress_done) == (JobState.DONE, 10)
