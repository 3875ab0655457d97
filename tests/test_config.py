"""Configuration: tests build their app from their own mapping, and production refuses
development settings."""

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
    monkeypatch.setenv("TRACKER_ENV", "development")  # not read: the mapping is all
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


LEAKY_ENVIRONMENT = {
    "TRACKER_ENV": "development",
    "DATABASE_URL": "postgresql://someone@db.example.org/production",
    "MAIL_SERVER": "smtp.example.org",
    "TRACKER_DIGEST_DUE_SOON_DAYS": "3",
    "TRACKER_API_RATE_LIMIT": "1 per hour",
    "CACHE_REDIS_URL": "redis://cache.example.org:6379/0",
}


def test_the_test_app_reads_nothing_from_the_environment(monkeypatch, request):
    for name, value in LEAKY_ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    app = request.getfixturevalue("app")  # built after the variables are set

    assert app.config["TRACKER_ENV"] == "testing"
    assert "example.org" not in app.config["SQLALCHEMY_DATABASE_URI"]
    assert app.config["MAIL_SERVER"] == ""
    assert app.config["DIGEST_DUE_SOON_DAYS"] == 14
    assert app.config["API_RATE_LIMIT"] == "600 per minute"
    assert app.config["CACHE_TYPE"] == "SimpleCache"


def test_an_app_built_without_a_mapping_reads_the_environment(monkeypatch, tmp_path):
    for name, value in LEAKY_ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/x.db")
    monkeypatch.delenv("CACHE_REDIS_URL")

    app = create_app()

    assert app.config["TRACKER_ENV"] == "development"
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/x.db"
    assert app.config["MAIL_SERVER"] == "smtp.example.org"
    assert app.config["DIGEST_DUE_SOON_DAYS"] == 3
    assert app.config["API_RATE_LIMIT"] == "1 per hour"
    assert app.config["SECRET_KEY"] == DEV_SECRET_KEY  # development's, outside production only


def test_a_redis_url_given_in_the_mapping_picks_the_redis_cache(tmp_path):
    app = create_app({"TRACKER_ENV": "testing", "SQLALCHEMY_DATABASE_URI": "sqlite://",
                      "CACHE_REDIS_URL": "redis://127.0.0.1:1/0"})
    assert app.config["CACHE_TYPE"] == "RedisCache"
