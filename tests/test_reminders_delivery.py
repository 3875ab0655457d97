"""Delivery sends each email once in practice: concurrent runs with short leases share the
work without doubling it, and a run killed mid-batch repeats at most the message in flight,
with its Message-ID."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.helpers import each_email_at_once
from tracker import clock
from tracker.extensions import db
from tracker.models import MessageKind, MessageStatus, OutboxMessage, Role
from tracker.reminders import delivery
from tracker.reminders.outbox import build, insert_new

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _each_email_at_once(app):
    each_email_at_once(app)


@pytest.fixture
def queued(make_action, make_user):
    """Return a function that queues `count` deadline reminders, committed."""
    def queue(count: int) -> None:
        owner = make_user(Role.FOCAL_POINT, locale="en")
        action = make_action(owner=owner, deadline=clock.today() + timedelta(days=7))
        db.session.execute(OutboxMessage.__table__.delete())  # notifications of the setup
        insert_new([build(f"test:{n}", MessageKind.DEADLINE_APPROACHING, owner,
                          "deadline_approaching", action=action, days_left=7)
                    for n in range(count)])
        db.session.commit()
    return queue


def sent_count() -> int:
    return db.session.scalar(select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.status == MessageStatus.SENT))


def test_two_runs_at_once_with_a_tiny_lease_send_each_email_once(app, smtp, queued):
    queued(40)
    # A batch of 20 takes longer than a lease (1.2 s against 1 s): the runs must renew it.
    smtp.recorder.delay_ms = 60
    app.config["MAIL_LEASE_SECONDS"] = 1.0
    reports, errors = [], []

    def run() -> None:
        try:
            with app.app_context():
                reports.append(delivery.deliver(batch_size=20))
        except Exception as exc:  # surfaced by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    received = Counter(m["Message-ID"] for m in smtp.messages)
    assert len(received) == 40 and set(received.values()) == {1}
    assert sum(r.sent for r in reports) == 40
    assert all(r.sent for r in reports), [str(r) for r in reports]  # both did their share
    db.session.expire_all()
    assert sent_count() == 40


def test_a_run_whose_claim_was_taken_over_skips_the_rows(app, smtp, queued):
    queued(3)
    app.config["MAIL_LEASE_SECONDS"] = 0.3
    stalled = delivery.claim(10, "stalled-run")
    time.sleep(0.5)  # the stalled run's lease ends: another run takes the rows over
    assert delivery.deliver().sent == 3
    report = delivery.DeliveryReport()
    connection = delivery.SmtpConnection()
    for row_id in stalled:  # the stalled run wakes up and goes on with its batch
        delivery._send_one(connection, row_id, "stalled-run", 8, report)
    connection.close()
    assert (report.sent, report.skipped) == (0, 3)
    assert len(smtp.messages) == 3


def test_a_run_killed_mid_batch_repeats_at_most_the_message_in_flight(
        app, smtp, queued, runner):
    queued(30)
    smtp.recorder.delay_ms = 100
    env = {**os.environ, "TRACKER_ENV": "testing", "SECRET_KEY": app.config["SECRET_KEY"],
           "DATABASE_URL": db.engine.url.render_as_string(hide_password=False),
           "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(smtp.port),
           "MAIL_DEFAULT_SENDER": "suivi@tracker.test", "MAIL_LEASE_SECONDS": "1"}
    process = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "reminders",
                                "deliver"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while len(smtp.messages) < 8 and time.monotonic() < deadline:
            time.sleep(0.02)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
    finally:
        process.stdout.close()
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == -signal.SIGKILL
    received_before = len(smtp.messages)
    assert 8 <= received_before < 30
    time.sleep(1.5)  # until the lease of the killed run ends
    smtp.recorder.delay_ms = 0
    result = runner.invoke(args=["reminders", "deliver"])
    assert result.exit_code == 0, result.output

    time.sleep(0.2)  # the server may still be holding the message in flight at the kill
    received = Counter(m["Message-ID"] for m in smtp.messages)
    assert len(received) == 30
    repeated = [message_id for message_id, count in received.items() if count > 1]
    assert len(repeated) <= 1 and all(received[m] == 2 for m in repeated)
    assert sum(received.values()) <= 31
    assert sent_count() == 30
