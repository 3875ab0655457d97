"""Names in three languages: GCM objectives' official French and Arabic titles, and
optional French, English and Arabic names of themes and institutions

Revision ID: e7a41c2d9b60
Revises: 9a4d6c2e8b31
Create Date: 2026-12-04 10:00:00

"""
import csv
import io
from importlib import resources

from alembic import op
import sqlalchemy as sa

revision = 'e7a41c2d9b60'
down_revision = '9a4d6c2e8b31'
branch_labels = None
depends_on = None

gcm_table = sa.table(
    "gcm_objective",
    sa.column("number", sa.Integer), sa.column("title_fr", sa.String),
    sa.column("short_ar", sa.String), sa.column("title_ar", sa.String),
)


def gcm_titles():
    """Read the official titles from tracker/reference (empty cells stay NULL)."""
    text = resources.files("tracker.reference").joinpath("gcm_objectives.csv").read_text("utf-8")
    return [
        {"number": int(row["number"]), "title_fr": row.get("title_fr") or None,
         "short_ar": row.get("short_ar") or None, "title_ar": row.get("title_ar") or None}
        for row in csv.DictReader(io.StringIO(text))
    ]


def upgrade():
    with op.batch_alter_table("gcm_objective") as batch:
        batch.add_column(sa.Column("title_fr", sa.String(length=300), nullable=True))
        batch.add_column(sa.Column("short_ar", sa.String(length=120), nullable=True))
        batch.add_column(sa.Column("title_ar", sa.String(length=300), nullable=True))
    for table, length in (("theme", 120), ("institution", 200)):
        with op.batch_alter_table(table) as batch:
            for language in ("fr", "en", "ar"):
                batch.add_column(sa.Column(f"name_{language}", sa.String(length=length),
                                           nullable=True))
    for row in gcm_titles():
        op.execute(gcm_table.update().where(gcm_table.c.number == row["number"])
                   .values(title_fr=row["title_fr"], short_ar=row["short_ar"],
                           title_ar=row["title_ar"]))


def downgrade():
    for table in ("theme", "institution"):
        with op.batch_alter_table(table) as batch:
            for language in ("fr", "en", "ar"):
                batch.drop_column(f"name_{language}")
    with op.batch_alter_table("gcm_objective") as batch:
        batch.drop_column("title_ar")
        batch.drop_column("short_ar")
        batch.drop_column("title_fr")
