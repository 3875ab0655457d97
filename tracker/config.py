"""Configuration read from the environment, with safe defaults for development only."""

from __future__ import annotations

import os
from pathlib import Path

DEV_SECRET_KEY = "dev-only-insecure-key"
ENVIRONMENTS = ("development", "testing", "production")
LOCALES = ("fr", "en", "ar")


class ConfigError(RuntimeError):
    """Raised when the configuration is unsafe or incomplete for the chosen environment."""


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def from_environment(instance_path: str) -> dict:
    """Build the configuration mapping from environment variables.

    `TRACKER_ENV` selects development, testing or production (the default, so that a
    forgotten variable never runs production on development settings).
    """
    env = os.environ.get("TRACKER_ENV", "production").strip().lower()
    default_db = "sqlite:///" + str(Path(instance_path) / "tracker.sqlite3")
    return {
        "TRACKER_ENV": env,
        "SECRET_KEY": os.environ.get("SECRET_KEY", DEV_SECRET_KEY if env != "production" else ""),
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(
            os.environ.get("DATABASE_URL", default_db)
        ),
        "SESSION_COOKIE_SECURE": _bool(os.environ.get("SESSION_COOKIE_SECURE"), False),
        "TRACKER_TIMEZONE": os.environ.get("TRACKER_TIMEZONE", "Africa/Tunis"),
        "TRACKER_BASE_URL": os.environ.get("TRACKER_BASE_URL", "http://127.0.0.1:5000"),
        "BABEL_DEFAULT_LOCALE": os.environ.get("TRACKER_DEFAULT_LOCALE", "fr"),
        "DUE_SOON_DAYS": int(os.environ.get("TRACKER_DUE_SOON_DAYS", "14")),
        "STALE_AFTER_DAYS": int(os.environ.get("TRACKER_STALE_AFTER_DAYS", "30")),
        # An indicator progresses as planned with a value at most this old, and at most this many
        # percentage points behind the share of its time elapsed.
        "INDICATOR_STALE_DAYS": int(os.environ.get("TRACKER_INDICATOR_STALE_DAYS", "90")),
        "INDICATOR_TOLERANCE": int(os.environ.get("TRACKER_INDICATOR_TOLERANCE", "10")),
        "UPLOAD_FOLDER": os.environ.get("TRACKER_UPLOAD_FOLDER", ""),
        "EVIDENCE_MAX_BYTES": int(os.environ.get("TRACKER_EVIDENCE_MAX_MB", "10")) * 1024 * 1024,
        "EVIDENCE_MAX_FILES": int(os.environ.get("TRACKER_EVIDENCE_MAX_FILES", "5")),
        "MAIL_SERVER": os.environ.get("MAIL_SERVER", ""),
        "MAIL_PORT": int(os.environ.get("MAIL_PORT", "25")),
        "MAIL_USE_TLS": _bool(os.environ.get("MAIL_USE_TLS")),
        "MAIL_USE_SSL": _bool(os.environ.get("MAIL_USE_SSL")),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME", ""),
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD", ""),
        "MAIL_DEFAULT_SENDER": os.environ.get("MAIL_DEFAULT_SENDER", "suivi@tracker.local"),
        "MAIL_MAX_ATTEMPTS": int(os.environ.get("MAIL_MAX_ATTEMPTS", "8")),
        "MAIL_RETRY_BASE_SECONDS": int(os.environ.get("MAIL_RETRY_BASE_SECONDS", "60")),
        "REMINDER_OFFSETS": tuple(
            int(n) for n in os.environ.get("TRACKER_REMINDER_OFFSETS", "14,7,1").split(",")
            if n.strip()),
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        # Computed figures (the dashboard's): in Redis, shared by the workers, when
        # CACHE_REDIS_URL is set; else in each process.
        "CACHE_REDIS_URL": os.environ.get("CACHE_REDIS_URL", ""),
        "CACHE_TYPE": os.environ.get("CACHE_TYPE", "")
        or ("RedisCache" if os.environ.get("CACHE_REDIS_URL") else "SimpleCache"),
        "DASHBOARD_CACHE_SECONDS": int(os.environ.get("TRACKER_DASHBOARD_CACHE_SECONDS", "60")),
        "LOGIN_LIMIT_PER_ACCOUNT": os.environ.get("TRACKER_LOGIN_LIMIT_PER_ACCOUNT",
                                                  "5 per 15 minutes"),
        "LOGIN_LIMIT_PER_ADDRESS": os.environ.get("TRACKER_LOGIN_LIMIT_PER_ADDRESS",
                                                  "20 per 15 minutes"),
        "PROXY_FIX": _bool(os.environ.get("TRACKER_PROXY_FIX")),
        "SCHEDULE_PLAN": os.environ.get("TRACKER_SCHEDULE_PLAN", "0 7 * * *"),
        "SCHEDULE_DELIVER": os.environ.get("TRACKER_SCHEDULE_DELIVER", "*/5 * * * *"),
        "SCHEDULE_DIGEST": os.environ.get("TRACKER_SCHEDULE_DIGEST", "0 8 * * mon"),
        "SCHEDULE_SUMMARY": os.environ.get("TRACKER_SCHEDULE_SUMMARY", "30 8 * * mon"),
        # Queued jobs (large imports): how often the scheduler process looks at the queue, and
        # how long a job's worker may stay silent before the job is taken for abandoned.
        "JOBS_POLL_SECONDS": int(os.environ.get("TRACKER_JOBS_POLL_SECONDS", "3")),
        "JOBS_LEASE_SECONDS": int(os.environ.get("TRACKER_JOBS_LEASE_SECONDS", "120")),
    }


def normalise_database_url(url: str) -> str:
    """Return a SQLAlchemy URL that uses psycopg 3 for PostgreSQL.

    Hosting platforms hand out `postgres://` or `postgresql://` URLs; SQLAlchemy would
    pick psycopg2 for those, which the tracker does not install.
    """
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


DEFAULTS = {
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    "WTF_CSRF_TIME_LIMIT": None,
    "BABEL_TRANSLATION_DIRECTORIES": str(Path(__file__).parent / "translations"),
    "LANGUAGES": LOCALES,
    # Rows a list page shows: 25 keeps a page light on a phone and cheap to render.
    "PER_PAGE": 25,
    # The action list counts its matches up to this many, then says "more than".
    "ACTION_LIST_COUNT_LIMIT": 1000,
    "PASSWORD_HASH_METHOD": "scrypt",
    "MAIL_TIMEOUT": 30,
    "RATELIMIT_HEADERS_ENABLED": False,
    "RATELIMIT_SWALLOW_ERRORS": True,
    "CACHE_KEY_PREFIX": "tracker:",
    "CACHE_DEFAULT_TIMEOUT": 60,
    "EMAIL_LINK_MAX_AGE_DAYS": 14,
    "PASSWORD_RESET_MAX_AGE_SECONDS": 3600,
}


def check(config: dict) -> None:
    """Refuse to run outside development and testing with a missing or default secret."""
    env = config.get("TRACKER_ENV", "production")
    if env not in ENVIRONMENTS:
        raise ConfigError(f"TRACKER_ENV must be one of {', '.join(ENVIRONMENTS)}, not {env!r}.")
    if env == "production":
        key = config.get("SECRET_KEY") or ""
        if not key or key == DEV_SECRET_KEY or len(key) < 16:
            raise ConfigError(
                "SECRET_KEY is missing, too short or the development default: set a long "
                "random SECRET_KEY in the environment before running in production."
            )
