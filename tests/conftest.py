"""Shared fixtures: an app on a migrated database (SQLite, or PostgreSQL when
TEST_DATABASE_URL is set), a test client that sends CSRF tokens, and factories."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from flask_migrate import upgrade

from tracker import create_app
from tracker.actions.services import create_action
from tracker.admin.services import create_user, save_institution
from tracker.config import normalise_database_url
from tracker.events.services import create_event, create_recommendation
from tracker.extensions import attach_migrations, db
from tracker.models import Institution, Role, User

PASSWORD = "correct horse battery"
REFERENCE_TABLES = ("gcm_objective", "theme")
CSRF_RE = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


def _test_config(url: str, tmp_path) -> dict:
    """Return the test app's settings; with the defaults, they are its whole configuration
    (create_app reads no environment variable when given a mapping)."""
    return {
        "TRACKER_ENV": "testing",
        "SECRET_KEY": "test-secret-key-not-for-production",
        "SQLALCHEMY_DATABASE_URI": url,
        "SERVER_NAME": None,
        "TRACKER_TIMEZONE": "Africa/Tunis",
        # A cheap scrypt keeps the suite fast; production uses werkzeug's default cost.
        "PASSWORD_HASH_METHOD": "scrypt:1024:8:1",
        # Files of the test's own, never in the checkout's instance folder, which the
        # tests running in parallel would share.
        "UPLOAD_FOLDER": str(tmp_path / "uploads"),
        "SPREADSHEET_IMPORT_FOLDER": str(tmp_path / "spreadsheet-imports"),
    }


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> Iterator[str]:
    """Return the URL of an empty database for this test session.

    With TEST_DATABASE_URL (PostgreSQL), the session creates a database of its own next to
    the one named, so that several runs on one server never share tables, and drops it
    at the end.
    """
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        yield "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.sqlite3")
        return
    base = sa.make_url(normalise_database_url(url))
    name = f"{base.database}_{os.getpid()}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    yield base.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def reference_rows(database_url, tmp_path_factory) -> dict[str, list[dict]]:
    """Migrate the database once and keep the rows the migrations load."""
    app = create_app(_test_config(database_url, tmp_path_factory.mktemp("inst")))
    attach_migrations(app)
    with app.app_context():
        upgrade()
        snapshot = {
            name: [dict(row._mapping) for row in db.session.execute(
                db.metadata.tables[name].select())]
            for name in REFERENCE_TABLES
        }
        db.session.remove()
        db.engine.dispose()
    return snapshot


@pytest.fixture
def app(database_url, reference_rows, tmp_path) -> Iterator[Flask]:
    """Return an app on the migrated database; every row a test writes is removed after it."""
    app = create_app(_test_config(database_url, tmp_path))
    app.test_client_class = Client
    app.test_cli_runner_class = Runner
    with app.app_context():
        yield app
        db.session.remove()
        with db.engine.begin() as conn:
            for table in reversed(db.metadata.sorted_tables):
                conn.execute(table.delete())
            for name, rows in reference_rows.items():
                if rows:
                    conn.execute(db.metadata.tables[name].insert(), rows)
        db.engine.dispose()


class Client(FlaskClient):
    """A test client whose `post` sends the CSRF token of the session, like a browser form.

    Each request runs in an app context of its own, as in production, so nothing cached
    in `g` or in the database session leaks from one request to the next or from the
    test's own context into the request.
    """

    def open(self, *args, **kwargs):
        # Assertions read English text; the French default has tests of its own.
        headers = dict(kwargs.pop("headers", None) or {})
        headers.setdefault("Accept-Language", "en")
        kwargs["headers"] = headers
        kwargs.setdefault("buffered", True)  # read file responses whole, closing the file
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        db.session.expire_all()  # the test's own session reads what the request wrote
        return response

    def csrf_token(self) -> str:
        """Return a valid CSRF token for this client's session."""
        page = super().get("/login", follow_redirects=True).get_data(as_text=True)
        match = CSRF_RE.search(page)
        assert match, "the page carries no CSRF token"
        return match.group(1)

    def post(self, *args, csrf: bool = True, **kwargs):
        if csrf:
            data = dict(kwargs.pop("data", None) or {})
            data.setdefault("csrf_token", self.csrf_token())
            kwargs["data"] = data
        return super().post(*args, **kwargs)


@pytest.fixture
def client(app: Flask) -> Client:
    return app.test_client()


class Runner(FlaskCliRunner):
    """A CLI runner whose commands run in an app context of their own, as from a shell."""

    def invoke(self, *args, **kwargs):
        with self.app.app_context():
            result = super().invoke(*args, **kwargs)
        db.session.expire_all()
        return result


@pytest.fixture
def runner(app: Flask) -> Runner:
    return app.test_cli_runner()


class Auth:
    """Log a test client in and out."""

    def __init__(self, client: Client) -> None:
        self.client = client

    def login(self, user_or_email: User | str, password: str = PASSWORD):
        email = user_or_email if isinstance(user_or_email, str) else user_or_email.email
        return self.client.post("/login", data={"email": email, "password": password})

    def logout(self):
        return self.client.post("/logout")


@pytest.fixture
def auth(client: Client) -> Auth:
    return Auth(client)


@pytest.fixture
def make_institution(app):
    counter = iter(range(1, 10_000))

    def make(code: str | None = None, name: str | None = None) -> Institution:
        n = next(counter)
        institution = save_institution(None, None, {
            "code": code or f"INST{n}", "name": name or f"Institution {n}", "active": True})
        db.session.commit()
        return institution

    return make


@pytest.fixture
def make_user(app, make_institution):
    counter = iter(range(1, 10_000))

    def make(role: Role | str = Role.FOCAL_POINT, institution: Institution | None = None,
             email: str | None = None, name: str | None = None, **kwargs) -> User:
        role = Role(role)
        n = next(counter)
        if institution is None and role == Role.FOCAL_POINT:
            institution = make_institution()
        user = create_user(None, email=email or f"{role.value}{n}@example.org",
                           name=name or f"{role.value.title()} {n}", role=role,
                           password=PASSWORD, institution=institution, **kwargs)
        db.session.commit()
        return user

    return make


@pytest.fixture
def coordinator(make_user) -> User:
    """Return a coordinator (not logged in); modules that want one logged in override it."""
    return make_user(Role.COORDINATOR)


@pytest.fixture
def make_event(app):
    def make(title: str = "Atelier national de l'ONM", **values):
        values.setdefault("date", date(2024, 5, 20))
        event = create_event(None, title=title, **values)
        db.session.commit()
        return event

    return make


@pytest.fixture
def make_recommendation(app, make_event):
    counter = iter(range(1, 10_000))

    def make(event=None, title: str = "Renforcer le système d'information", **values):
        event = event or make_event()
        values.setdefault("number", str(next(counter)))
        recommendation = create_recommendation(None, event, title=title, **values)
        db.session.commit()
        return recommendation

    return make


@pytest.fixture
def make_action(app, make_recommendation, make_user, make_institution):
    def make(owner: User | None = None, recommendation=None, title: str = "Créer un indicateur",
             lead_institution: Institution | None = None, deadline: date | None = None,
             **values):
        owner = owner or make_user(Role.FOCAL_POINT)
        lead = lead_institution or owner.institution or make_institution()
        action = create_action(
            owner, recommendation or make_recommendation(), title=title, owner=owner,
            lead_institution=lead, deadline=deadline or date.today() + timedelta(days=30),
            **values,
        )
        db.session.commit()
        return action

    return make


@contextmanager
def count_queries() -> Iterator[list[str]]:
    """Collect the SQL statements run inside the block."""
    statements: list[str] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", before)


@pytest.fixture
def smtp(app):
    """Start a real SMTP server and point the app's mail settings at it."""
    from tests.ports import reserved_port
    from tests.smtp import SmtpServer

    with reserved_port() as port:
        server = SmtpServer(port)
        server.start()
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_USE_TLS=False,
                          MAIL_DEFAULT_SENDER="suivi@tracker.test", MAIL_RETRY_BASE_SECONDS=60)
        yield server
        server.stop()


@pytest.fixture
def scratch_url(app, tmp_path):
    """Return the URL of an empty scratch database of the app's kind (for --database-url)."""
    if db.engine.dialect.name != "postgresql":
        yield "sqlite:///" + str(tmp_path / "scratch.sqlite3")
        return
    url = db.engine.url.set(database=f"{db.engine.url.database}_scratch")
    admin = sa.create_engine(db.engine.url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{url.database}"'))
        conn.execute(sa.text(f'CREATE DATABASE "{url.database}"'))
    yield url.render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
    admin.dispose()
