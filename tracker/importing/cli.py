"""The `import-report` command: show the recommendations a report holds, saving nothing."""

from __future__ import annotations

import json

import click
from sqlalchemy.exc import SQLAlchemyError

from tracker.extensions import db
from tracker.importing import readers, similar
from tracker.importing.parser import find_drafts, guess_language

JSON_KEYS = ("title", "text", "theme", "gcm_objectives", "source_excerpt")


@click.command("import-report")
@click.argument("path", metavar="FILE", type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True,
              help="Print a JSON list of drafts (title, text, theme, gcm_objectives, "
                   "source_excerpt, and similar: ids of earlier recommendations).")
def import_report_command(path: str, as_json: bool) -> None:
    """Print the recommendation drafts found in a report (.txt, .md, .docx or .pdf).

    Nothing is saved: import them from the event's page to review and create them.
    """
    try:
        text = readers.read_path(path)
    except readers.ReportUnreadable as exc:
        raise click.ClickException(str(exc)) from exc
    drafts = find_drafts(text)
    if as_json:
        try:
            matches = similar.similar_to([d["text"] for d in drafts], guess_language(text),
                                         titles=[d["title"] for d in drafts])
        except SQLAlchemyError:
            # No database yet (before `db upgrade`): the drafts, without earlier matches.
            db.session.rollback()
            click.echo("The database is not ready (run `flask db upgrade`): similar "
                       "recommendations are not looked up.", err=True)
            matches = [[] for _ in drafts]
        click.echo(json.dumps([{**{key: d[key] for key in JSON_KEYS},
                                "similar": [m.recommendation_id for m in found]}
                               for d, found in zip(drafts, matches, strict=True)],
                              ensure_ascii=False, indent=2))
        return
    if not drafts:
        click.echo("No recommendations found: neither a list nor sentences that recommend, "
                   "call for or state something to do.")
        return
    click.echo(f"{len(drafts)} draft(s) found; nothing was saved.")
    for number, draft in enumerate(drafts, start=1):
        click.echo("")
        click.echo(f"{number}. {draft['title']}")
        if draft["text"] != draft["title"]:
            click.echo(f"   Text: {draft['text']}")
        click.echo(f"   Theme: {draft['theme'] or '-'}")
        objectives = ", ".join(str(n) for n in draft["gcm_objectives"]) or "-"
        click.echo(f"   GCM objectives: {objectives}")
        if draft["reasons"]:
            click.echo(f"   Because of: {', '.join(draft['reasons'])}")
