"""Configuration read from the environment, with safe defaults for development only."""

from __future__ import annotations

import os
from collections.abc import Mapping
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


def from_environment(instance_path: str, environ: Mapping[str, str] = os.environ) -> dict:
    """Build the configuration mapping from environment variables (`environ`).

    `TRACKER_ENV` selects development, testing or production (the default, so that a
    forgotten variable never runs production on development settings). With an empty
    `environ`, return every setting at its default.
    """
    env = environ.get("TRACKER_ENV", "production").strip().lower()
    default_db = "sqlite:///" + str(Path(instance_path) / "tracker.sqlite3")
    return {
        "TRACKER_ENV": env,
        # Empty unless set: `derive` puts the development key in outside production.
        "SECRET_KEY": environ.get("SECRET_KEY", ""),
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(
            environ.get("DATABASE_URL", default_db)
        ),
        "SESSION_COOKIE_SECURE": _bool(environ.get("SESSION_COOKIE_SECURE"), False),
        "TRACKER_TIMEZONE": environ.get("TRACKER_TIMEZONE", "Africa/Tunis"),
        "TRACKER_BASE_URL": environ.get("TRACKER_BASE_URL", "http://127.0.0.1:5000"),
        "BABEL_DEFAULT_LOCALE": environ.get("TRACKER_DEFAULT_LOCALE", "fr"),
        # The weekly digest's "due soon": open actions due within this many days. (The
        # dashboard's panel is another figure, its headings' "next 30 days".)
        "DIGEST_DUE_SOON_DAYS": int(environ.get("TRACKER_DIGEST_DUE_SOON_DAYS", "14")),
        "STALE_AFTER_DAYS": int(environ.get("TRACKER_STALE_AFTER_DAYS", "30")),
        # An indicator progresses as planned with a value at most this old, and at most this many
        # percentage points behind the share of its time elapsed.
        "INDICATOR_STALE_DAYS": int(environ.get("TRACKER_INDICATOR_STALE_DAYS", "90")),
        "INDICATOR_TOLERANCE": int(environ.get("TRACKER_INDICATOR_TOLERANCE", "10")),
        "UPLOAD_FOLDER": environ.get("TRACKER_UPLOAD_FOLDER", ""),
        # Uploaded spreadsheets wait here between preview and import (else in the instance).
        "SPREADSHEET_IMPORT_FOLDER": environ.get("TRACKER_SPREADSHEET_IMPORT_FOLDER", ""),
        "EVIDENCE_MAX_BYTES": int(environ.get("TRACKER_EVIDENCE_MAX_MB", "10")) * 1024 * 1024,
        "EVIDENCE_MAX_FILES": int(environ.get("TRACKER_EVIDENCE_MAX_FILES", "5")),
        # An account invitation's link sets the first password for this many days.
        "INVITATION_MAX_AGE_DAYS": int(environ.get("TRACKER_INVITATION_MAX_AGE_DAYS", "7")),
        "MAIL_SERVER": environ.get("MAIL_SERVER", ""),
        "MAIL_PORT": int(environ.get("MAIL_PORT", "25")),
        "MAIL_USE_TLS": _bool(environ.get("MAIL_USE_TLS")),
        "MAIL_USE_SSL": _bool(environ.get("MAIL_USE_SSL")),
        "MAIL_USERNAME": environ.get("MAIL_USERNAME", ""),
        "MAIL_PASSWORD": environ.get("MAIL_PASSWORD", ""),
        "MAIL_DEFAULT_SENDER": environ.get("MAIL_DEFAULT_SENDER", "suivi@tracker.local"),
        # Replies to the tracker's emails. MAIL_REPLY_ADDRESS (e.g. replies@tracker.example)
        # makes emails answer to replies+<signed reference>@ that domain; the mailbox the
        # replies land in is read over IMAP when MAIL_IMAP_HOST is set (tracker/replies).
        "MAIL_REPLY_ADDRESS": environ.get("MAIL_REPLY_ADDRESS", ""),
        "MAIL_IMAP_HOST": environ.get("MAIL_IMAP_HOST", ""),
        "MAIL_IMAP_PORT": int(environ.get("MAIL_IMAP_PORT", "993")),
        "MAIL_IMAP_USER": environ.get("MAIL_IMAP_USER", ""),
        "MAIL_IMAP_PASSWORD": environ.get("MAIL_IMAP_PASSWORD", ""),
        "MAIL_IMAP_FOLDER": environ.get("MAIL_IMAP_FOLDER", "INBOX"),
        "MAIL_IMAP_SSL": _bool(environ.get("MAIL_IMAP_SSL"), True),
        "MAIL_MAX_ATTEMPTS": int(environ.get("MAIL_MAX_ATTEMPTS", "8")),
        "MAIL_RETRY_BASE_SECONDS": int(environ.get("MAIL_RETRY_BASE_SECONDS", "60")),
        # A delivery run's hold on the emails it claimed, renewed while it works: after a
        # crash, its emails wait this long before another run takes them over.
        "MAIL_LEASE_SECONDS": float(environ.get("MAIL_LEASE_SECONDS", "60")),
        # The kinds of email gathered into each person's one daily email (the others go
        # at once); a password reset always goes at once.
        "MAIL_DAILY_KINDS": tuple(
            k.strip() for k in environ.get(
                "TRACKER_DAILY_KINDS",
                "deadline_approaching,overdue,awaiting_news,notification,weekly_digest,"
                "coordinator_summary").split(",")
            if k.strip()),
        # Days reminders never go out on (0 = Monday ... 6 = Sunday); a reminder due then
        # goes on the next working day.
        "WEEKEND_DAYS": tuple(
            int(n) for n in environ.get("TRACKER_WEEKEND_DAYS", "5,6").split(",")
            if n.strip()),
        # Public holidays, as the `holidays` library knows them for this country (ISO
        # 3166 code; empty for none): no reminder goes out on them either. Tunisia's
        # Islamic holidays are the library's estimates, a day off at times.
        "HOLIDAY_COUNTRY": environ.get("TRACKER_HOLIDAY_COUNTRY", "TN").strip().upper(),
        "REMINDER_OFFSETS": tuple(
            int(n) for n in environ.get("TRACKER_REMINDER_OFFSETS", "14,7,1").split(",")
            if n.strip()),
        "API_RATE_LIMIT": environ.get("TRACKER_API_RATE_LIMIT", "600 per minute"),
        "RATELIMIT_STORAGE_URI": environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        # Computed figures (the dashboard's): in Redis, shared by the workers, when
        # CACHE_REDIS_URL is set; else in each process.
        "CACHE_REDIS_URL": environ.get("CACHE_REDIS_URL", ""),
        # Empty unless set: `derive` picks Redis when CACHE_REDIS_URL is set.
        "CACHE_TYPE": environ.get("CACHE_TYPE", ""),
        "DASHBOARD_CACHE_SECONDS": int(environ.get("TRACKER_DASHBOARD_CACHE_SECONDS", "60")),
        # Failed sign-ins for one account from one address, then from one address for any
        # account, before that address is refused for a while (tracker/auth/throttle.py).
        "LOGIN_LIMIT_PER_ACCOUNT": environ.get("TRACKER_LOGIN_LIMIT_PER_ACCOUNT",
                                                  "5 per 15 minutes"),
        "LOGIN_LIMIT_PER_ADDRESS": environ.get("TRACKER_LOGIN_LIMIT_PER_ADDRESS",
                                                  "20 per 15 minutes"),
        # How long "Keep me signed in" lasts, in seconds (Flask-Login's unit); logout and a
        # new password end it sooner.
        "REMEMBER_COOKIE_DURATION": int(environ.get("TRACKER_REMEMBER_DAYS", "30")) * 86400,
        "PROXY_FIX": _bool(environ.get("TRACKER_PROXY_FIX")),
        "SCHEDULE_PLAN": environ.get("TRACKER_SCHEDULE_PLAN", "0 7 * * *"),
        "SCHEDULE_DELIVER": environ.get("TRACKER_SCHEDULE_DELIVER", "*/5 * * * *"),
        "SCHEDULE_DIGEST": environ.get("TRACKER_SCHEDULE_DIGEST", "0 8 * * mon"),
        "SCHEDULE_SUMMARY": environ.get("TRACKER_SCHEDULE_SUMMARY", "30 8 * * mon"),
        "SCHEDULE_REPLIES": environ.get("TRACKER_SCHEDULE_REPLIES", "*/5 * * * *"),
        # Queued jobs (large imports): how often the scheduler process looks at the queue, and
        # how long a job's worker may stay silent before the job is taken for abandoned.
        "JOBS_POLL_SECONDS": int(environ.get("TRACKER_JOBS_POLL_SECONDS", "3")),
        "JOBS_LEASE_SECONDS": int(environ.get("TRACKER_JOBS_LEASE_SECONDS", "120")),
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
    # The largest report (pasted or uploaded) and spreadsheet read for an import.
    "IMPORT_MAX_BYTES": 10 * 1024 * 1024,
    "SPREADSHEET_MAX_BYTES": 10 * 1024 * 1024,
    # A spreadsheet of this many rows or more is checked in the background.
    "SPREADSHEET_BACKGROUND_ROWS": 200,
}


def derive(config: dict) -> None:
    """Fill in the settings that follow from others, once every source is merged."""
    if not config.get("SECRET_KEY") and config.get("TRACKER_ENV") in ("development", "testing"):
        config["SECRET_KEY"] = DEV_SECRET_KEY
    config["TESTING"] = config.get("TRACKER_ENV") == "testing" or bool(config.get("TESTING"))
    # The remember-me cookie opens a session too: HTTPS-only whenever the session cookie is.
    config.setdefault("REMEMBER_COOKIE_SECURE", bool(config.get("SESSION_COOKIE_SECURE")))
    if not config.get("CACHE_TYPE"):
        config["CACHE_TYPE"] = "RedisCache" if config.get("CACHE_REDIS_URL") else "SimpleCache"
    # A request may carry the allowed number of files at full size, plus the form.
    if config.get("MAX_CONTENT_LENGTH") is None:
        config["MAX_CONTENT_LENGTH"] = (
            config["EVIDENCE_MAX_BYTES"] * config["EVIDENCE_MAX_FILES"] + 1024 * 1024)


def check_holiday_country(country: str) -> None:
    """Refuse a HOLIDAY_COUNTRY the holidays library does not know.

    Called where reminders are planned (the scheduler and the `reminders` commands), not
    by every web worker: the library's country tables take 16 MB a process.
    """
    if country:
        from holidays import list_supported_countries

        if country not in list_supported_countries():
            raise ConfigError(f"TRACKER_HOLIDAY_COUNTRY {country!r} is not a country the "
                              "holidays library knows (an ISO 3166 code such as TN).")


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
