"""The app refuses to run in production on development settings."""

from __future__ import annotations

import pytest

from tracker import create_app
from tracker.config import DEV_SECRET_KEY, ConfigError, normalise_database_url


@pytest.mark.parametrize("secret", [None, "", DEV_SECRET_KEY, "short"])
def test_production_refuses_a_missing_default_or_short_secret_key(secret, tmp_path):
    config = {"TRACKER_ENV": "production", "SECRET_KEY": secret,
              "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db"}
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app(config)


def test_production_starts_with_a_real_secret_key(tmp_path):
    app = create_app({"TRACKER_ENV": "production", "SECRET_KEY": "x" * 40,
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db"})
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert not app.testing


def test_production_is_the_default_environment(monkeypatch, tmp_path):
    monkeypatch.delenv("TRACKER_ENV", raising=False)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigError):
        create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db"})


def test_unknown_environment_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="TRACKER_ENV"):
        create_app({"TRACKER_ENV": "staging", "SQLALCHEMY_DATABASE_URI": "sqlite://"})


@pytest.mark.parametrize("url, expected", [
    ("postgres://u@h/db", "postgresql+psycopg://u@h/db"),
    ("postgresql://u@h/db", "postgresql+psycopg://u@h/db"),
    ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
    ("sqlite:///x.db", "sqlite:///x.db"),
])
def test_database_urls_use_psycopg_3(url, expected):
    assert normalise_database_url(url) == expected
