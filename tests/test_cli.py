import re
from datetime import timedelta

from flask_babel import gettext
from sqlalchemy import func, select

from tests.conftest import PASSWORD
from tracker import clock
from tracker.extensions import db
from tracker.models import (
    CLOSED_STATUSES,
    Action,
    Event,
    Institution,
    Recommendation,
    Role,
    Status,
    User,
)

NEW_PASSWORD = "a long enough password"
ACCOUNT_LINE = re.compile(r"^\s+(\w+)\s+(\S+@\S+)\s+(\S+)\s*$", re.MULTILINE)


def users_with_email(email):
    return db.session.scalars(select(User).where(User.email == email)).all()


def row_counts():
    return {
        table.name: db.session.scalar(select(func.count()).select_from(table))
        for table in db.metadata.sorted_tables
    }


def logs_in(auth, email, password):
    response = auth.login(email, password)
    auth.logout()
    return response.status_code == 302


def test_create_user_with_institution_code_makes_an_account_that_can_log_in(
        runner, auth, make_institution):
    institution = make_institution(code="ONM", name="Observatoire National de la Migration")

    result = runner.invoke(args=[
        "create-user", "leila@example.org", "--role", "focal_point", "--institution", "ONM",
        "--name", "Leila Trabelsi", "--password", NEW_PASSWORD,
    ])

    assert result.exit_code == 0, result.output
    assert "leila@example.org" in result.output
    [user] = users_with_email("leila@example.org")
    assert user.role == Role.FOCAL_POINT
    assert user.name == "Leila Trabelsi"
    assert user.institution_id == institution.id
    response = auth.login("leila@example.org", NEW_PASSWORD)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_create_user_finds_the_institution_by_name(runner, make_institution):
    institution = make_institution(code="INS", name="Institut National de la Statistique")

    result = runner.invoke(args=[
        "create-user", "sami@example.org", "--role", "focal_point",
        "--institution", "Institut National de la Statistique",
        "--name", "Sami Gharbi", "--password", NEW_PASSWORD,
    ])

    assert result.exit_code == 0, result.output
    [user] = users_with_email("sami@example.org")
    assert user.institution_id == institution.id


def test_create_user_stores_a_scrypt_hash_not_the_password(runner):
    result = runner.invoke(args=[
        "create-user", "viewer@example.org", "--role", "viewer", "--password", NEW_PASSWORD,
    ])

    assert result.exit_code == 0, result.output
    [user] = users_with_email("viewer@example.org")
    assert user.password_hash != NEW_PASSWORD
    assert NEW_PASSWORD not in user.password_hash
    assert user.password_hash.startswith("scrypt:")
    assert user.check_password(NEW_PASSWORD)


def test_create_user_refuses_an_email_already_taken(runner, make_user):
    make_user(Role.VIEWER, email="taken@example.org")

    result = runner.invoke(args=[
        "create-user", "Taken@Example.org", "--role", "coordinator", "--password", NEW_PASSWORD,
    ])

    assert result.exit_code == 1
    assert gettext("An account with this email already exists.") in result.output
    [user] = users_with_email("taken@example.org")
    assert user.role == Role.VIEWER
    assert db.session.scalar(select(func.count()).select_from(User)) == 1


def test_create_user_without_a_password_asks_for_none_and_invites(runner, auth):
    result = runner.invoke(args=["create-user", "invited@example.org", "--role", "coordinator"])

    assert result.exit_code == 0, result.output
    assert "invitation" in result.output
    [user] = users_with_email("invited@example.org")
    assert not user.check_password("")  # none until the invitation's link sets it
    assert not logs_in(auth, "invited@example.org", "")


def test_create_user_refuses_an_unknown_institution(runner, make_institution):
    make_institution(code="ONM")

    result = runner.invoke(args=[
        "create-user", "ghost@example.org", "--role", "focal_point", "--institution", "NOPE",
        "--password", NEW_PASSWORD,
    ])

    assert result.exit_code == 1
    assert result.output.startswith("Error:")
    assert "'NOPE'" in result.output
    assert users_with_email("ghost@example.org") == []


def test_create_user_refuses_a_focal_point_without_institution(runner):
    result = runner.invoke(args=[
        "create-user", "lonely@example.org", "--role", "focal_point", "--password", NEW_PASSWORD,
    ])

    assert result.exit_code == 1
    assert gettext("A focal point must belong to an institution.") in result.output
    assert users_with_email("lonely@example.org") == []


def test_create_user_refuses_an_unknown_role(runner):
    result = runner.invoke(args=[
        "create-user", "boss@example.org", "--role", "superuser", "--password", NEW_PASSWORD,
    ])

    assert result.exit_code == 2
    assert "Invalid value for '--role'" in result.output
    assert users_with_email("boss@example.org") == []


def test_load_demo_loads_the_five_events(runner):
    result = runner.invoke(args=["load-demo"])

    assert result.exit_code == 0, result.output
    events = db.session.scalars(select(Event)).all()
    assert len(events) == 5
    assert {e.ref for e in events} == {
        "onm-10-ans", "amem-cloture-2022", "onm-icmpd-2024", "oim-points-focaux-md-2017",
        "tunis-mc2cm-2023",
    }


def test_load_demo_gives_the_onm_anniversary_workshop_its_five_recommendations(runner):
    runner.invoke(args=["load-demo"])

    event = db.session.scalar(select(Event).where(Event.ref == "onm-10-ans"))
    assert event.title == ("Atelier national à l'occasion du Xème anniversaire de l'ONM sur "
                           "la gouvernance de la migration de travail")
    recommendations = db.session.scalars(
        select(Recommendation).where(Recommendation.event_id == event.id)
        .order_by(Recommendation.position)).all()
    assert [r.number for r in recommendations] == ["1", "2", "3", "4", "5"]
    assert recommendations[0].title == (
        "Renforcement des capacités institutionnelles et du système d'information")


def test_load_demo_gives_the_city_of_tunis_workshop_three_recommendations(runner):
    runner.invoke(args=["load-demo"])

    event = db.session.scalar(select(Event).where(Event.ref == "tunis-mc2cm-2023"))
    assert "Migration Ville-à-Ville en Méditerranée" in event.title
    count = db.session.scalar(
        select(func.count()).select_from(Recommendation)
        .where(Recommendation.event_id == event.id))
    assert count == 3


def test_load_demo_creates_the_partner_institutions(runner):
    runner.invoke(args=["load-demo"])

    codes = set(db.session.scalars(select(Institution.code)))
    assert {"ONM", "INS", "OIT", "OIM", "ICMPD", "UGTT", "UTICA"} <= codes


def test_load_demo_accounts_log_in_with_the_printed_passwords(runner, auth):
    result = runner.invoke(args=["load-demo"])

    assert result.exit_code == 0, result.output
    accounts = ACCOUNT_LINE.findall(result.output)
    assert {role for role, _, _ in accounts} == {r.value for r in Role}
    for role, email, password in accounts:
        [user] = users_with_email(email)
        assert user.role == Role(role)
        assert logs_in(auth, email, password), f"{email} cannot log in"
    for role in Role:
        count = db.session.scalar(select(func.count()).select_from(User).where(User.role == role))
        assert count >= 1


def test_load_demo_accounts_refuse_a_wrong_password(runner, auth):
    runner.invoke(args=["load-demo"])

    assert auth.login("admin@demo.tracker.tn", PASSWORD).status_code == 401


def test_load_demo_shows_actions_done_in_progress_overdue_and_due_soon(runner):
    runner.invoke(args=["load-demo"])

    today = clock.today()
    actions = db.session.scalars(select(Action)).all()
    open_actions = [a for a in actions if a.status not in CLOSED_STATUSES]
    assert any(a.status == Status.COMPLETED and a.progress == 100 for a in actions)
    assert any(a.status == Status.IN_PROGRESS for a in actions)
    assert any(a.deadline < today for a in open_actions)
    assert any(today <= a.deadline <= today + timedelta(days=14) for a in open_actions)


def test_load_demo_has_actions_awaiting_news_and_stale_ones(runner, client, auth):
    runner.invoke(args=["load-demo"])
    auth.login("coordination@demo.tracker.tn", "demo-coord-2026")

    awaiting = client.get("/actions?awaiting_news=1").get_data(as_text=True)
    stale = client.get("/actions?stale=1").get_data(as_text=True)

    # The ONM workshop asks for news every four weeks; two of its actions have none
    # for 38 and 50 days. An action without a cycle has had none for 45 days.
    assert "Publier un guide terminologique" in awaiting
    assert "Signer des conventions de partenariat" in awaiting
    assert "Intégrer un module sur la migration" not in awaiting
    assert "Intégrer un module sur la migration" in stale
    assert "Signer des conventions de partenariat" in stale
    assert "Produire des statistiques désagrégées" not in stale


def test_load_demo_twice_changes_nothing(runner):
    first = runner.invoke(args=["load-demo"])
    assert first.exit_code == 0, first.output
    before = row_counts()

    second = runner.invoke(args=["load-demo"])

    assert second.exit_code == 0, second.output
    assert "(0 rows created)" in second.output
    assert row_counts() == before


def test_load_demo_refuses_to_run_in_production(app, runner):
    before = row_counts()
    app.config["TRACKER_ENV"] = "production"

    result = runner.invoke(args=["load-demo"])

    assert result.exit_code == 1
    assert "TRACKER_ENV" in result.output
    assert row_counts() == before
    assert db.session.scalar(select(func.count()).select_from(Event)) == 0
    assert db.session.scalar(select(func.count()).select_from(User)) == 0
