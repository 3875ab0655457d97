import re

import pytest
from sqlalchemy import func, select

from tests.conftest import PASSWORD, Auth
from tests.helpers import field_errors, form_on_page, page_text
from tracker.extensions import db
from tracker.models import DEFAULT_THEMES, AuditEntry, Institution, Role, Theme, User

NEW_PASSWORD = "a long enough password"


def user_count():
    return db.session.scalar(select(func.count()).select_from(User))


def get_user(email):
    return db.session.scalar(select(User).where(User.email == email))


@pytest.fixture
def admin(client, auth, make_user):
    user = make_user(Role.ADMIN, email="admin@example.org", name="Amira Admin", locale="en")
    assert auth.login(user).status_code == 302
    return user


def new_account(**values):
    data = {"email": "new.person@example.org", "name": "New Person", "role": "coordinator",
            "institution": "", "locale": "fr", "password": NEW_PASSWORD}
    data.update(values)
    return data


def account_of(client, user, **changes):
    """Return the user's edit form as the admin's browser would submit it, with `changes`."""
    form = form_on_page(client.get(f"/admin/users/{user.id}/edit"))
    assert form["email"] == user.email
    assert form["password"] == ""
    form.update(changes)
    if not form.get("active"):
        form.pop("active", None)  # an unchecked box is not sent
    return form


def test_admin_creates_an_account_that_can_log_in(client, auth, admin, make_institution):
    institution = make_institution(code="ONM", name="Observatoire National de la Migration")

    response = client.post("/admin/users/new", data=new_account(
        email="leila@example.org", name="Leila Trabelsi", role="focal_point",
        institution=str(institution.id)))

    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/users"
    user = get_user("leila@example.org")
    assert user.name == "Leila Trabelsi"
    assert user.role == Role.FOCAL_POINT
    assert user.institution_id == institution.id
    assert user.locale == "fr"
    assert "Leila Trabelsi" in page_text(client.get("/admin/users"))
    auth.logout()
    assert auth.login("leila@example.org", NEW_PASSWORD).status_code == 302


def test_account_creation_is_audited_with_the_admin_as_actor(client, admin):
    client.post("/admin/users/new", data=new_account(email="audited@example.org"))

    user = get_user("audited@example.org")
    entries = db.session.scalars(select(AuditEntry).where(
        AuditEntry.object_type == "user", AuditEntry.object_id == user.id,
        AuditEntry.verb == "create")).all()
    assert len(entries) == 1
    assert entries[0].actor_id == admin.id
    assert entries[0].changes["email"] == "audited@example.org"
    assert entries[0].changes["role"] == "coordinator"


def test_creating_an_account_with_a_taken_email_is_refused(client, admin, make_user):
    make_user(Role.VIEWER, email="taken@example.org")
    before = user_count()

    response = client.post("/admin/users/new", data=new_account(email="Taken@example.org"))

    assert response.status_code == 422
    assert "An account with this email already exists." in page_text(response)
    assert user_count() == before
    assert get_user("taken@example.org").role == Role.VIEWER


def test_creating_an_account_with_a_short_password_is_refused(client, admin):
    response = client.post("/admin/users/new", data=new_account(password="short-pw9"))

    assert response.status_code == 422
    assert "The password needs at least 10 characters." in field_errors(response, "password")
    assert get_user("new.person@example.org") is None


def test_creating_a_focal_point_without_institution_is_refused(client, admin):
    response = client.post("/admin/users/new", data=new_account(role="focal_point"))

    assert response.status_code == 422
    assert "A focal point must belong to an institution." in page_text(response)
    assert get_user("new.person@example.org") is None


def test_creating_an_account_with_an_unknown_institution_is_refused(client, admin):
    response = client.post("/admin/users/new",
                           data=new_account(role="focal_point", institution="999999"))

    assert response.status_code == 422
    assert "Not a valid choice." in field_errors(response, "institution")
    assert get_user("new.person@example.org") is None


def test_creating_an_account_with_an_invalid_email_is_refused(client, admin):
    before = user_count()

    response = client.post("/admin/users/new", data=new_account(email="not-an-email"))

    assert response.status_code == 422
    assert "Invalid email address." in field_errors(response, "email")
    assert user_count() == before


def test_admin_changes_a_users_role(client, admin, make_user):
    user = make_user(Role.VIEWER, email="promoted@example.org")

    response = client.post(f"/admin/users/{user.id}/edit",
                           data=account_of(client, user, role="coordinator"))

    assert response.status_code == 302
    db.session.expire_all()
    assert get_user("promoted@example.org").role == Role.COORDINATOR
    entry = db.session.scalar(select(AuditEntry).where(
        AuditEntry.object_type == "user", AuditEntry.object_id == user.id,
        AuditEntry.verb == "update"))
    assert entry.actor_id == admin.id
    assert entry.changes == {"role": ["viewer", "coordinator"]}


def test_a_deactivated_user_can_no_longer_log_in(client, auth, admin, make_user):
    user = make_user(Role.COORDINATOR, email="leaving@example.org")

    response = client.post(f"/admin/users/{user.id}/edit",
                           data=account_of(client, user, active=""))

    assert response.status_code == 302
    db.session.expire_all()
    assert get_user("leaving@example.org").active is False
    auth.logout()
    response = auth.login("leaving@example.org", PASSWORD)
    assert response.status_code == 401
    assert client.get("/events").status_code == 302


def test_a_deactivated_user_loses_their_open_session(app, client, admin, make_user):
    user = make_user(Role.COORDINATOR, email="leaving@example.org")
    user_browser = app.test_client()
    assert Auth(user_browser).login(user).status_code == 302
    assert user_browser.get("/events").status_code == 200

    client.post(f"/admin/users/{user.id}/edit", data=account_of(client, user, active=""))

    response = user_browser.get("/events")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_admin_cannot_change_their_own_role(client, admin):
    response = client.post(f"/admin/users/{admin.id}/edit",
                           data=account_of(client, admin, role="coordinator"))

    assert response.status_code == 422
    assert ("You cannot change your own role or deactivate yourself."
            in field_errors(response, "role"))
    db.session.expire_all()
    assert db.session.get(User, admin.id).role == Role.ADMIN


def test_admin_cannot_deactivate_themselves(client, admin):
    response = client.post(f"/admin/users/{admin.id}/edit",
                           data=account_of(client, admin, active=""))

    assert response.status_code == 422
    assert "You cannot change your own role or deactivate yourself." in page_text(response)
    db.session.expire_all()
    assert db.session.get(User, admin.id).active is True
    assert client.get("/admin/users").status_code == 200


def test_admin_creates_an_institution(client, admin):
    response = client.post("/admin/institutions/new",
                           data={"code": "oit", "name": "Organisation internationale du Travail",
                                 "active": "y"})

    assert response.status_code == 302
    institution = db.session.scalar(select(Institution).where(Institution.code == "OIT"))
    assert institution.name == "Organisation internationale du Travail"
    assert institution.active is True
    assert "Organisation internationale du Travail" in page_text(
        client.get("/admin/institutions"))


def test_admin_renames_and_deactivates_an_institution(client, admin, make_institution):
    institution = make_institution(code="OIM", name="OIM")

    response = client.post(f"/admin/institutions/{institution.id}/edit",
                           data={"code": "OIM",
                                 "name": "Organisation internationale pour les migrations"})

    assert response.status_code == 302
    db.session.expire_all()
    institution = db.session.get(Institution, institution.id)
    assert institution.name == "Organisation internationale pour les migrations"
    assert institution.active is False
    entry = db.session.scalar(select(AuditEntry).where(
        AuditEntry.object_type == "institution", AuditEntry.verb == "update"))
    assert entry.actor_id == admin.id
    assert set(entry.changes) == {"name", "active"}


def test_creating_an_institution_with_a_taken_code_is_refused(client, admin, make_institution):
    make_institution(code="ONM", name="Observatoire National de la Migration")

    response = client.post("/admin/institutions/new",
                           data={"code": "onm", "name": "Another ONM", "active": "y"})

    assert response.status_code == 422
    assert "Another institution already has this code." in field_errors(response, "code")
    assert db.session.scalar(select(func.count()).select_from(Institution)) == 1


def test_giving_an_institution_a_taken_code_is_refused(client, admin, make_institution):
    make_institution(code="INS", name="Institut National de la Statistique")
    other = make_institution(code="OTE", name="Office des Tunisiens à l'Étranger")

    response = client.post(f"/admin/institutions/{other.id}/edit",
                           data={"code": "INS", "name": other.name, "active": "y"})

    assert response.status_code == 422
    assert "Another institution already has this code." in page_text(response)
    db.session.expire_all()
    assert db.session.get(Institution, other.id).code == "OTE"


def test_admin_adds_a_theme_offered_on_the_recommendation_form(client, admin, make_event):
    event = make_event()

    response = client.post("/admin/themes/new", data={"name": "Migration et santé",
                                                       "active": "y"})

    assert response.status_code == 302
    theme = db.session.scalar(select(Theme).where(Theme.name == "Migration et santé"))
    assert theme.active is True
    form = client.get(f"/events/{event.id}/recommendations/new").get_data(as_text=True)
    assert re.search(rf'<option value="{theme.id}">Migration et santé</option>', form)


def test_the_five_default_themes_exist_after_migrations(app):
    codes = set(db.session.scalars(select(Theme.code).where(Theme.active)))

    assert set(DEFAULT_THEMES) <= codes
    assert len(DEFAULT_THEMES) == 5


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.FOCAL_POINT, Role.VIEWER])
def test_only_admins_may_open_the_account_list(client, auth, make_user, role):
    auth.login(make_user(role))

    assert client.get("/admin/users").status_code == 403
    assert client.get("/admin/users/new").status_code == 403


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.FOCAL_POINT, Role.VIEWER])
def test_non_admins_cannot_create_accounts(client, auth, make_user, role):
    auth.login(make_user(role))
    before = user_count()

    response = client.post("/admin/users/new", data=new_account())

    assert response.status_code == 403
    assert user_count() == before


def test_anonymous_visitors_are_sent_to_the_login_page(client):
    response = client.get("/admin/users")

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


@pytest.fixture
def outbox_rows():
    from tracker.models import MessageKind, MessageStatus, OutboxMessage

    db.session.add_all([
        OutboxMessage(key="words-1", kind=MessageKind.OVERDUE, to_email="amel@onm.tn",
                      cc=["karim@onm.tn"], subject="Actions en retard",
                      status=MessageStatus.FAILED, attempts=3, last_error="550 No such user"),
        OutboxMessage(key="words-2", kind=MessageKind.NOTIFICATION, to_email="amel@onm.tn",
                      subject="Une action a changé", locale="ar"),
    ])
    db.session.commit()
    return db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()


ENGLISH_ADMIN_WORDS = ["Waiting to be sent", "Being sent", "Failed", "pending", "failed",
                       "Overdue actions", "Notifications of changes", "deliver", "digest",
                       "Plan the", "Send the emails", ">cc ", ">Cc<", "attempts"]


@pytest.mark.parametrize("locale, words", [
    ("fr", ["En attente d'envoi", "Échec", "Actions en retard", "Copie à", "3 tentatives",
            '<span lang="ar">العربية</span>', "Envoyer les courriels de la boîte d'envoi"]),
    ("ar", ["في انتظار الإرسال", "فشل", "نسخة إلى", "3 محاولات",
            "إرسال رسائل صندوق الصادر"]),
])
def test_the_outbox_and_schedule_speak_the_admins_language(
        client, auth, make_user, outbox_rows, locale, words):
    failed, notification = outbox_rows
    assert auth.login(make_user(Role.ADMIN, locale=locale)).status_code == 302
    text = " ".join(page_text(client.get(path)) for path in (
        "/admin/outbox", f"/admin/outbox/{failed.id}", f"/admin/outbox/{notification.id}",
        "/admin/schedule"))
    html = "".join(client.get(path).get_data(as_text=True) for path in (
        "/admin/outbox", f"/admin/outbox/{failed.id}", "/admin/schedule"))
    for word in words:
        assert word in text, word
    # Status values stay in links (?status=failed), never as words on the page.
    shown = re.sub(r'href="[^"]*"', "", html)
    assert [word for word in ENGLISH_ADMIN_WORDS if word in shown] == []


def test_every_scheduled_job_is_named_for_the_schedule_page():
    from tracker.reminders.scheduler import JOB_LABELS, JOBS

    assert set(JOB_LABELS) == set(JOBS)
