"""The schema exists only through the migrations, and they agree with the models."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import func, select

from tracker.extensions import db
from tracker.models import GcmObjective, Theme


def test_models_and_migrations_agree(runner):
    result = runner.invoke(args=["db", "check"])
    assert result.exit_code == 0, result.output


def test_the_check_fails_when_a_model_has_no_migration(runner):
    probe = sa.Table("probe_without_migration", db.metadata,
                     sa.Column("id", sa.Integer, primary_key=True))
    try:
        result = runner.invoke(args=["db", "check"])
    finally:
        db.metadata.remove(probe)
    assert result.exit_code != 0


def test_migrations_load_the_23_gcm_objectives_and_five_themes(app):
    assert db.session.scalar(select(func.count()).select_from(GcmObjective)) == 23
    first = db.session.get(GcmObjective, 1)
    assert first.short_fr == "Données"
    codes = set(db.session.scalars(select(Theme.code)))
    assert codes == {"information_systems", "indicators", "journalists_public_discourse",
                     "research_partnerships", "gcm_agreements_followup"}


def test_downgrade_to_base_and_upgrade_again(runner):
    assert runner.invoke(args=["db", "downgrade", "base"]).exit_code == 0
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    assert db.session.scalar(select(func.count()).select_from(GcmObjective)) == 23
