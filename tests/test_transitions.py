"""The status rules of a progress update, as a table: who may move an action from each
status to each status the update form offers, and what is then recorded.

Every update goes through POST /actions/<id>/update with a comment and 60 %, so "nothing
to record" never arises there and blocking or cancelling has its reason; the second table
covers those refusals on their own. The rules are `tracker.actions.rules.resolve_transition`
(documented in README.md, "Who may change an action's status"). Roles:
`owner` is the focal point who owns the action, `outsider` a focal point of another
institution.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tracker.extensions import db
from tracker.models import ActionUpdate, Role, Status

POSTED_PROGRESS = 60

# The progress an action has when a test puts it in each status.
STARTING_PROGRESS = {
    "not_started": 0, "in_progress": 30, "pending_validation": 100, "completed": 100,
    "blocked": 30, "cancelled": 30, "pending_cancellation": 30,
}

# (role, current status, status posted,
#  HTTP status, status afterwards, progress afterwards, history row added)
TRANSITIONS = [
    ("admin",       "not_started",          "not_started", 302, "not_started",            0, True),
    ("admin",       "not_started",          "in_progress", 302, "in_progress",           60, True),
    ("admin",       "not_started",          "completed",   302, "completed",            100, True),
    ("admin",       "not_started",          "blocked",     302, "blocked",               60, True),
    ("admin",       "not_started",          "cancelled",   302, "cancelled",             60, True),
    ("admin",       "in_progress",          "not_started", 302, "not_started",            0, True),
    ("admin",       "in_progress",          "in_progress", 302, "in_progress",           60, True),
    ("admin",       "in_progress",          "completed",   302, "completed",            100, True),
    ("admin",       "in_progress",          "blocked",     302, "blocked",               60, True),
    ("admin",       "in_progress",          "cancelled",   302, "cancelled",             60, True),
    ("admin",       "pending_validation",   "not_started", 302, "not_started",            0, True),
    ("admin",       "pending_validation",   "in_progress", 302, "in_progress",           60, True),
    ("admin",       "pending_validation",   "completed",   302, "completed",            100, True),
    ("admin",       "pending_validation",   "blocked",     302, "blocked",               60, True),
    ("admin",       "pending_validation",   "cancelled",   302, "cancelled",             60, True),
    ("admin",       "completed",            "not_started", 302, "not_started",            0, True),
    ("admin",       "completed",            "in_progress", 302, "in_progress",           60, True),
    ("admin",       "completed",            "completed",   302, "completed",            100, True),
    ("admin",       "completed",            "blocked",     302, "blocked",               60, True),
    ("admin",       "completed",            "cancelled",   302, "cancelled",             60, True),
    ("admin",       "blocked",              "not_started", 302, "not_started",            0, True),
    ("admin",       "blocked",              "in_progress", 302, "in_progress",           60, True),
    ("admin",       "blocked",              "completed",   302, "completed",            100, True),
    ("admin",       "blocked",              "blocked",     302, "blocked",               60, True),
    ("admin",       "blocked",              "cancelled",   302, "cancelled",             60, True),
    ("admin",       "cancelled",            "not_started", 302, "not_started",            0, True),
    ("admin",       "cancelled",            "in_progress", 302, "in_progress",           60, True),
    ("admin",       "cancelled",            "completed",   302, "completed",            100, True),
    ("admin",       "cancelled",            "blocked",     302, "blocked",               60, True),
    ("admin",       "cancelled",            "cancelled",   302, "cancelled",             60, True),
    ("admin",       "pending_cancellation", "not_started", 302, "not_started",            0, True),
    ("admin",       "pending_cancellation", "in_progress", 302, "in_progress",           60, True),
    ("admin",       "pending_cancellation", "completed",   302, "completed",            100, True),
    ("admin",       "pending_cancellation", "blocked",     302, "blocked",               60, True),
    ("admin",       "pending_cancellation", "cancelled",   302, "cancelled",             60, True),
    ("coordinator", "not_started",          "not_started", 302, "not_started",            0, True),
    ("coordinator", "not_started",          "in_progress", 302, "in_progress",           60, True),
    ("coordinator", "not_started",          "completed",   302, "completed",            100, True),
    ("coordinator", "not_started",          "blocked",     302, "blocked",               60, True),
    ("coordinator", "not_started",          "cancelled",   302, "cancelled",             60, True),
    ("coordinator", "in_progress",          "not_started", 302, "not_started",            0, True),
    ("coordinator", "in_progress",          "in_progress", 302, "in_progress",           60, True),
    ("coordinator", "in_progress",          "completed",   302, "completed",            100, True),
    ("coordinator", "in_progress",          "blocked",     302, "blocked",               60, True),
    ("coordinator", "in_progress",          "cancelled",   302, "cancelled",             60, True),
    ("coordinator", "pending_validation",   "not_started", 302, "not_started",            0, True),
    ("coordinator", "pending_validation",   "in_progress", 302, "in_progress",           60, True),
    ("coordinator", "pending_validation",   "completed",   302, "completed",            100, True),
    ("coordinator", "pending_validation",   "blocked",     302, "blocked",               60, True),
    ("coordinator", "pending_validation",   "cancelled",   302, "cancelled",             60, True),
    ("coordinator", "completed",            "not_started", 302, "not_started",            0, True),
    ("coordinator", "completed",            "in_progress", 302, "in_progress",           60, True),
    ("coordinator", "completed",            "completed",   302, "completed",            100, True),
    ("coordinator", "completed",            "blocked",     302, "blocked",               60, True),
    ("coordinator", "completed",            "cancelled",   302, "cancelled",             60, True),
    ("coordinator", "blocked",              "not_started", 302, "not_started",            0, True),
    ("coordinator", "blocked",              "in_progress", 302, "in_progress",           60, True),
    ("coordinator", "blocked",              "completed",   302, "completed",            100, True),
    ("coordinator", "blocked",              "blocked",     302, "blocked",               60, True),
    ("coordinator", "blocked",              "cancelled",   302, "cancelled",             60, True),
    ("coordinator", "cancelled",            "not_started", 302, "not_started",            0, True),
    ("coordinator", "cancelled",            "in_progress", 302, "in_progress",           60, True),
    ("coordinator", "cancelled",            "completed",   302, "completed",            100, True),
    ("coordinator", "cancelled",            "blocked",     302, "blocked",               60, True),
    ("coordinator", "cancelled",            "cancelled",   302, "cancelled",             60, True),
    ("coordinator", "pending_cancellation", "not_started", 302, "not_started",            0, True),
    ("coordinator", "pending_cancellation", "in_progress", 302, "in_progress",           60, True),
    ("coordinator", "pending_cancellation", "completed",   302, "completed",            100, True),
    ("coordinator", "pending_cancellation", "blocked",     302, "blocked",               60, True),
    ("coordinator", "pending_cancellation", "cancelled",   302, "cancelled",             60, True),
    ("owner",       "not_started",          "not_started", 302, "not_started",            0, True),
    ("owner",       "not_started",          "in_progress", 302, "in_progress",           60, True),
    ("owner",       "not_started",          "completed",   302, "pending_validation",   100, True),
    ("owner",       "not_started",          "blocked",     302, "blocked",               60, True),
    ("owner",       "not_started",          "cancelled",   302, "pending_cancellation",  60, True),
    ("owner",       "in_progress",          "not_started", 302, "not_started",            0, True),
    ("owner",       "in_progress",          "in_progress", 302, "in_progress",           60, True),
    ("owner",       "in_progress",          "completed",   302, "pending_validation",   100, True),
    ("owner",       "in_progress",          "blocked",     302, "blocked",               60, True),
    ("owner",       "in_progress",          "cancelled",   302, "pending_cancellation",  60, True),
    ("owner",       "pending_validation",   "not_started", 302, "not_started",            0, True),
    ("owner",       "pending_validation",   "in_progress", 302, "in_progress",           60, True),
    ("owner",       "pending_validation",   "completed",   302, "pending_validation",   100, True),
    ("owner",       "pending_validation",   "blocked",     302, "blocked",               60, True),
    ("owner",       "pending_validation",   "cancelled",   302, "pending_cancellation",  60, True),
    ("owner",       "completed",            "not_started", 422, "completed",            100, False),
    ("owner",       "completed",            "in_progress", 422, "completed",            100, False),
    ("owner",       "completed",            "completed",   422, "completed",            100, False),
    ("owner",       "completed",            "blocked",     422, "completed",            100, False),
    ("owner",       "completed",            "cancelled",   422, "completed",            100, False),
    ("owner",       "blocked",              "not_started", 302, "not_started",            0, True),
    ("owner",       "blocked",              "in_progress", 302, "in_progress",           60, True),
    ("owner",       "blocked",              "completed",   302, "pending_validation",   100, True),
    ("owner",       "blocked",              "blocked",     302, "blocked",               60, True),
    ("owner",       "blocked",              "cancelled",   302, "pending_cancellation",  60, True),
    ("owner",       "cancelled",            "not_started", 422, "cancelled",             30, False),
    ("owner",       "cancelled",            "in_progress", 422, "cancelled",             30, False),
    ("owner",       "cancelled",            "completed",   422, "cancelled",             30, False),
    ("owner",       "cancelled",            "blocked",     422, "cancelled",             30, False),
    ("owner",       "cancelled",            "cancelled",   422, "cancelled",             30, False),
    ("owner",       "pending_cancellation", "not_started", 302, "not_started",            0, True),
    ("owner",       "pending_cancellation", "in_progress", 302, "in_progress",           60, True),
    ("owner",       "pending_cancellation", "completed",   302, "pending_validation",   100, True),
    ("owner",       "pending_cancellation", "blocked",     302, "blocked",               60, True),
    ("owner",       "pending_cancellation", "cancelled",   302, "pending_cancellation",  60, True),
    ("outsider",    "not_started",          "not_started", 403, "not_started",            0, False),
    ("outsider",    "not_started",          "in_progress", 403, "not_started",            0, False),
    ("outsider",    "not_started",          "completed",   403, "not_started",            0, False),
    ("outsider",    "not_started",          "blocked",     403, "not_started",            0, False),
    ("outsider",    "not_started",          "cancelled",   403, "not_started",            0, False),
    ("outsider",    "in_progress",          "not_started", 403, "in_progress",           30, False),
    ("outsider",    "in_progress",          "in_progress", 403, "in_progress",           30, False),
    ("outsider",    "in_progress",          "completed",   403, "in_progress",           30, False),
    ("outsider",    "in_progress",          "blocked",     403, "in_progress",           30, False),
    ("outsider",    "in_progress",          "cancelled",   403, "in_progress",           30, False),
    ("outsider",    "pending_validation",   "not_started", 403, "pending_validation",   100, False),
    ("outsider",    "pending_validation",   "in_progress", 403, "pending_validation",   100, False),
    ("outsider",    "pending_validation",   "completed",   403, "pending_validation",   100, False),
    ("outsider",    "pending_validation",   "blocked",     403, "pending_validation",   100, False),
    ("outsider",    "pending_validation",   "cancelled",   403, "pending_validation",   100, False),
    ("outsider",    "completed",            "not_started", 403, "completed",            100, False),
    ("outsider",    "completed",            "in_progress", 403, "completed",            100, False),
    ("outsider",    "completed",            "completed",   403, "completed",            100, False),
    ("outsider",    "completed",            "blocked",     403, "completed",            100, False),
    ("outsider",    "completed",            "cancelled",   403, "completed",            100, False),
    ("outsider",    "blocked",              "not_started", 403, "blocked",               30, False),
    ("outsider",    "blocked",              "in_progress", 403, "blocked",               30, False),
    ("outsider",    "blocked",              "completed",   403, "blocked",               30, False),
    ("outsider",    "blocked",              "blocked",     403, "blocked",               30, False),
    ("outsider",    "blocked",              "cancelled",   403, "blocked",               30, False),
    ("outsider",    "cancelled",            "not_started", 403, "cancelled",             30, False),
    ("outsider",    "cancelled",            "in_progress", 403, "cancelled",             30, False),
    ("outsider",    "cancelled",            "completed",   403, "cancelled",             30, False),
    ("outsider",    "cancelled",            "blocked",     403, "cancelled",             30, False),
    ("outsider",    "cancelled",            "cancelled",   403, "cancelled",             30, False),
    ("outsider",    "pending_cancellation", "not_started", 403, "pending_cancellation",  30, False),
    ("outsider",    "pending_cancellation", "in_progress", 403, "pending_cancellation",  30, False),
    ("outsider",    "pending_cancellation", "completed",   403, "pending_cancellation",  30, False),
    ("outsider",    "pending_cancellation", "blocked",     403, "pending_cancellation",  30, False),
    ("outsider",    "pending_cancellation", "cancelled",   403, "pending_cancellation",  30, False),
    ("viewer",      "not_started",          "not_started", 403, "not_started",            0, False),
    ("viewer",      "not_started",          "in_progress", 403, "not_started",            0, False),
    ("viewer",      "not_started",          "completed",   403, "not_started",            0, False),
    ("viewer",      "not_started",          "blocked",     403, "not_started",            0, False),
    ("viewer",      "not_started",          "cancelled",   403, "not_started",            0, False),
    ("viewer",      "in_progress",          "not_started", 403, "in_progress",           30, False),
    ("viewer",      "in_progress",          "in_progress", 403, "in_progress",           30, False),
    ("viewer",      "in_progress",          "completed",   403, "in_progress",           30, False),
    ("viewer",      "in_progress",          "blocked",     403, "in_progress",           30, False),
    ("viewer",      "in_progress",          "cancelled",   403, "in_progress",           30, False),
    ("viewer",      "pending_validation",   "not_started", 403, "pending_validation",   100, False),
    ("viewer",      "pending_validation",   "in_progress", 403, "pending_validation",   100, False),
    ("viewer",      "pending_validation",   "completed",   403, "pending_validation",   100, False),
    ("viewer",      "pending_validation",   "blocked",     403, "pending_validation",   100, False),
    ("viewer",      "pending_validation",   "cancelled",   403, "pending_validation",   100, False),
    ("viewer",      "completed",            "not_started", 403, "completed",            100, False),
    ("viewer",      "completed",            "in_progress", 403, "completed",            100, False),
    ("viewer",      "completed",            "completed",   403, "completed",            100, False),
    ("viewer",      "completed",            "blocked",     403, "completed",            100, False),
    ("viewer",      "completed",            "cancelled",   403, "completed",            100, False),
    ("viewer",      "blocked",              "not_started", 403, "blocked",               30, False),
    ("viewer",      "blocked",              "in_progress", 403, "blocked",               30, False),
    ("viewer",      "blocked",              "completed",   403, "blocked",               30, False),
    ("viewer",      "blocked",              "blocked",     403, "blocked",               30, False),
    ("viewer",      "blocked",              "cancelled",   403, "blocked",               30, False),
    ("viewer",      "cancelled",            "not_started", 403, "cancelled",             30, False),
    ("viewer",      "cancelled",            "in_progress", 403, "cancelled",             30, False),
    ("viewer",      "cancelled",            "completed",   403, "cancelled",             30, False),
    ("viewer",      "cancelled",            "blocked",     403, "cancelled",             30, False),
    ("viewer",      "cancelled",            "cancelled",   403, "cancelled",             30, False),
    ("viewer",      "pending_cancellation", "not_started", 403, "pending_cancellation",  30, False),
    ("viewer",      "pending_cancellation", "in_progress", 403, "pending_cancellation",  30, False),
    ("viewer",      "pending_cancellation", "completed",   403, "pending_cancellation",  30, False),
    ("viewer",      "pending_cancellation", "blocked",     403, "pending_cancellation",  30, False),
    ("viewer",      "pending_cancellation", "cancelled",   403, "pending_cancellation",  30, False),
]

# Updates without a comment: refused when they change neither status nor progress, once
# the status's own progress is applied ("Nothing to record"), and when they block an
# action or propose to cancel it, which needs a reason.
# (role, current status, status posted, progress posted,
#  HTTP status, status afterwards, progress afterwards, history row added, refusal)
NOTHING = "Nothing to record"
BLOCKER = "Say what blocks the action"
REASON = "Give the reason for cancelling"
WITHOUT_COMMENT = [
    ("coordinator", "in_progress",          "in_progress",  30,
     422, "in_progress",           30, False, NOTHING),
    ("coordinator", "in_progress",          "in_progress",  45,
     302, "in_progress",           45, True,  None),
    ("admin",       "not_started",          "not_started",  50,
     422, "not_started",            0, False, NOTHING),
    ("coordinator", "completed",            "completed",    60,
     422, "completed",            100, False, NOTHING),
    ("owner",       "blocked",              "blocked",      30,
     422, "blocked",               30, False, NOTHING),
    ("owner",       "blocked",              "blocked",      45,
     302, "blocked",               45, True,  None),
    ("owner",       "blocked",              "in_progress",  30,
     302, "in_progress",           30, True,  None),
    ("owner",       "pending_validation",   "completed",   100,
     422, "pending_validation",   100, False, NOTHING),
    ("owner",       "completed",            "completed",   100,
     422, "completed",            100, False, NOTHING),
    ("owner",       "cancelled",            "cancelled",    30,
     422, "cancelled",             30, False, NOTHING),
    ("owner",       "in_progress",          "blocked",      30,
     422, "in_progress",           30, False, BLOCKER),
    ("coordinator", "in_progress",          "blocked",      30,
     422, "in_progress",           30, False, BLOCKER),
    ("admin",       "not_started",          "blocked",      30,
     422, "not_started",            0, False, BLOCKER),
    ("owner",       "in_progress",          "cancelled",    30,
     422, "in_progress",           30, False, REASON),
    ("owner",       "pending_cancellation", "cancelled",    30,
     422, "pending_cancellation",  30, False, NOTHING),
    ("coordinator", "in_progress",          "cancelled",    30,
     302, "cancelled",             30, True,  None),
]


@pytest.fixture
def situation(make_action, make_user):
    """Return a function that puts a new action in a status and logs in a user of a role."""
    def make(client, auth, role: str, current: str):
        action = make_action(title="Publier l'annuaire statistique")
        action.status = Status(current)
        action.progress = STARTING_PROGRESS[current]
        db.session.commit()
        users = {
            "admin": lambda: make_user(Role.ADMIN),
            "coordinator": lambda: make_user(Role.COORDINATOR),
            "owner": lambda: action.owner,
            "outsider": lambda: make_user(Role.FOCAL_POINT),
            "viewer": lambda: make_user(Role.VIEWER),
        }
        assert auth.login(users[role]()).status_code == 302
        return action

    return make


def history_rows(action) -> int:
    return db.session.scalar(select(func.count()).select_from(ActionUpdate)
                             .where(ActionUpdate.action_id == action.id))


def post_update(client, action, status: str, progress: int, comment: str):
    db.session.refresh(action)
    return client.post(f"/actions/{action.id}/update", data={
        "status": status, "progress": str(progress), "comment": comment,
        "version": str(action.version)})


def assert_outcome(client, auth, situation, role, current, posted, progress, comment,
                   code, status, final_progress, recorded):
    action = situation(client, auth, role, current)
    before = history_rows(action)
    response = post_update(client, action, posted, progress, comment)
    assert response.status_code == code, response.get_data(as_text=True)
    db.session.refresh(action)
    assert (action.status.value, action.progress) == (status, final_progress)
    assert history_rows(action) == before + (1 if recorded else 0)
    return response


@pytest.mark.parametrize(
    ("role", "current", "posted", "code", "status", "progress", "recorded"), TRANSITIONS,
    ids=[f"{role}-{current}-to-{posted}" for role, current, posted, *_ in TRANSITIONS])
def test_an_update_follows_the_status_rules_of_the_users_role(
        client, auth, situation, role, current, posted, code, status, progress, recorded):
    assert_outcome(client, auth, situation, role, current, posted, POSTED_PROGRESS,
                   "Point d'étape.", code, status, progress, recorded)


@pytest.mark.parametrize(
    ("role", "current", "posted", "posted_progress", "code", "status", "progress",
     "recorded", "refusal"), WITHOUT_COMMENT,
    ids=[f"{role}-{current}-to-{posted}-{p}" for role, current, posted, p, *_
         in WITHOUT_COMMENT])
def test_an_update_without_a_comment_must_change_something_and_give_its_reasons(
        client, auth, situation, role, current, posted, posted_progress, code, status,
        progress, recorded, refusal):
    response = assert_outcome(client, auth, situation, role, current, posted,
                              posted_progress, "", code, status, progress, recorded)
    page = response.get_data(as_text=True)
    for message in (NOTHING, BLOCKER, REASON):
        assert (message in page) == (message == refusal), message
