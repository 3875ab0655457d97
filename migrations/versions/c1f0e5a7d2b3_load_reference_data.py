"""Load the 23 GCM objectives and the five default themes

Revision ID: c1f0e5a7d2b3
Revises: b6a29930dfa9
Create Date: 2026-11-24 15:45:00

"""
import csv
import io
from importlib import resources

from alembic import op
import sqlalchemy as sa

revision = 'c1f0e5a7d2b3'
down_revision = 'b6a29930dfa9'
branch_labels = None
depends_on = None

# Theme names as the workshops word them; the interface translates them by code.
THEMES = [
    ("information_systems", "Systèmes d'information"),
    ("indicators", "Indicateurs"),
    ("journalists_public_discourse", "Formation des journalistes et discours public"),
    ("research_partnerships", "Partenariats de recherche"),
    ("gcm_agreements_followup", "Suivi du PMM et des accords"),
]

gcm_table = sa.table(
    "gcm_objective",
    sa.column("number", sa.Integer), sa.column("short_en", sa.String),
    sa.column("short_fr", sa.String), sa.column("title_en", sa.String),
)
theme_table = sa.table(
    "theme",
    sa.column("code", sa.String), sa.column("name", sa.String), sa.column("active", sa.Boolean),
)


def gcm_rows():
    text = resources.files("tracker.reference").joinpath("gcm_objectives.csv").read_text("utf-8")
    return [
        {"number": int(row["number"]), "short_en": row["short_en"],
         "short_fr": row["short_fr"], "title_en": row["title_en"]}
        for row in csv.DictReader(io.StringIO(text))
    ]


def upgrade():
    op.bulk_insert(gcm_table, gcm_rows())
    op.bulk_insert(theme_table, [{"code": c, "name": n, "active": True} for c, n in THEMES])


def downgrade():
    op.execute(theme_table.delete().where(theme_table.c.code.in_([c for c, _ in THEMES])))
    op.execute(gcm_table.delete())
