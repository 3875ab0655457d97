"""Flask extensions, created unbound and attached to the app in `create_app`."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from flask_babel import Babel
from flask_caching import Cache
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# Named constraints keep migrations portable (SQLite batch mode needs names to alter).
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base shared by every model."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
# Limits are declared on the views that need them (login); storage comes from
# RATELIMIT_STORAGE_URI so that all gunicorn workers share the counts.
limiter = Limiter(key_func=get_remote_address)
# Short-lived computed figures (the dashboard's); CACHE_TYPE and CACHE_REDIS_URL choose where.
cache = Cache()


MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def attach_migrations(app: Flask):
    """Attach Flask-Migrate to `app` (once) and return its configuration.

    Called where migrations run (the `flask db` commands, backups, the tests), never by
    `create_app`: Alembic alone takes 11 MB of each web worker, which never migrates.
    """
    if "migrate" not in app.extensions:
        from flask_migrate import Migrate

        Migrate(app, db, directory=str(MIGRATIONS), render_as_batch=True)
    return app.extensions["migrate"]
