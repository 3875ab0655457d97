"""Two scheduler processes at once on PostgreSQL: every reminder arrives exactly once."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select

from tests.helpers import each_email_at_once
from tracker import clock
from tracker.extensions import db
from tracker.models import Action, MessageStatus, OutboxMessage, Role, Status

ROOT = Path(__file__).resolve().parent.parent
ACTIONS = 1000


@pytest.fixture(autouse=True)
def _each_email_at_once(app):
    each_email_at_once(app)


@pytest.fixture
def postgresql_only(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("row locks with SKIP LOCKED are a PostgreSQL feature; CI runs this there")


@pytest.mark.parametrize("daily", [False, True], ids=["each-at-once", "daily"])
def test_two_schedulers_at_once_send_each_reminder_once(
        app, postgresql_only, smtp, make_user, make_recommendation, daily):
    owner = make_user(Role.FOCAL_POINT)
    recommendation = make_recommendation()
    deadline = clock.today() + timedelta(days=7)
    db.session.execute(insert(Action), [
        {"recommendation_id": recommendation.id, "title": f"Action {i}", "description": "",
         "owner_id": owner.id, "lead_institution_id": owner.institution_id,
         "deadline": deadline, "status": Status.IN_PROGRESS, "progress": 10, "version": 1}
        for i in range(ACTIONS)])
    db.session.commit()
    env = {**os.environ, "TRACKER_ENV": "testing", "SECRET_KEY": app.config["SECRET_KEY"],
           "DATABASE_URL": str(db.engine.url.render_as_string(hide_password=False)),
           "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(smtp.port),
           "MAIL_DEFAULT_SENDER": "suivi@tracker.test",
           "TRACKER_SCHEDULE_DIGEST": "0 8 1 1 *", "TRACKER_SCHEDULE_SUMMARY": "0 8 1 1 *",
           "TRACKER_WEEKEND_DAYS": "", "TRACKER_HOLIDAY_COUNTRY": "",
           "TRACKER_DAILY_KINDS": "deadline_approaching" if daily else ""}
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "reminders", "run"]
    processes = [subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, text=True) for _ in range(2)]
    outputs = [p.communicate(timeout=300)[0] for p in processes]
    assert [p.returncode for p in processes] == [0, 0], outputs

    if daily:  # one email gathering the 1000 reminders, each in it once
        [message] = smtp.messages
        assert message.get_body(("plain",)).get_content().count("/actions/") == ACTIONS
        [row] = db.session.scalars(select(OutboxMessage).where(
            OutboxMessage.status == MessageStatus.SENT)).all()
        assert len(set(row.context["items"])) == ACTIONS
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.status == MessageStatus.BUNDLED)) == ACTIONS
        return
    assert len(smtp.messages) == ACTIONS
    assert len({m["Message-ID"] for m in smtp.messages}) == ACTIONS
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.status == MessageStatus.SENT)) == ACTIONS


def test_a_link_confirmed_twice_at_once_acts_once_and_says_already_used(
        app, postgresql_only, make_user, make_action):
    from concurrent.futures import ThreadPoolExecutor
    from threading import Barrier
    from urllib.parse import urlsplit

    from tracker.models import ActionUpdate
    from tracker.reminders import links

    owner = make_user(Role.FOCAL_POINT)
    action = make_action(owner=owner)
    path = urlsplit(links.action_link(owner.id, action.id, "complete")).path
    clients = [app.test_client(), app.test_client()]
    tokens = [client.csrf_token() for client in clients]
    start = Barrier(2)

    def confirm(n: int) -> int:
        with app.app_context():  # each thread, as each request, has a session of its own
            start.wait()
            return clients[n].post(path, data={"comment": "Fait.", "csrf_token": tokens[n]},
                                   csrf=False).status_code

    with ThreadPoolExecutor(2) as pool:
        statuses = sorted(pool.map(confirm, [0, 1]))
    assert statuses == [200, 410]
    db.session.expire_all()
    assert db.session.get(Action, action.id).status == Status.PENDING_VALIDATION
    assert db.session.scalar(select(func.count()).select_from(ActionUpdate).where(
        ActionUpdate.action_id == action.id)) == 2  # the creation and one update
