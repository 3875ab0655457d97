"""The reports as Word documents a secretariat can edit, written with python-docx.

Every value goes in as a plain text run, never as markup. Arabic documents set the
right-to-left properties on each paragraph, run and table, as Word expects.
"""

from __future__ import annotations

import io
import re
from datetime import date
from typing import Any

from flask_babel import get_locale
from flask_babel import gettext as _

from tracker.i18n import RTL_LANGUAGES
from tracker.reports.queries import (
    Figures,
    GcmReport,
    MeetingReport,
    RecommendationSection,
    indicator_summary,
)
from tracker.templating import medium_date, percent

# Characters XML 1.0 cannot hold; python-docx refuses them.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _text(value: Any) -> str:
    return _NOT_XML.sub("", "" if value is None else str(value))


def _percent_or_dash(value: int | None) -> str:
    return "—" if value is None else percent(value)


class Writer:
    """A Word document written top to bottom in the reader's language and direction."""

    def __init__(self, title: str) -> None:
        # Imported here: python-docx (and lxml) is loaded by the requests that write a
        # document, not by every web worker.
        import docx

        locale = get_locale()
        self.rtl = locale is not None and locale.language in RTL_LANGUAGES
        self.document = docx.Document()
        self.document.core_properties.title = _text(title)
        self.document.core_properties.language = str(locale or "fr")

    def _right_to_left(self, paragraph) -> None:
        from docx.enum.text import WD_ALIGN_PARAGRAPH
        from docx.oxml import OxmlElement

        paragraph.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        paragraph._p.get_or_add_pPr().append(OxmlElement("w:bidi"))
        for run in paragraph.runs:
            run._r.get_or_add_rPr().append(OxmlElement("w:rtl"))

    def _finish(self, paragraph):
        if self.rtl:
            self._right_to_left(paragraph)
        return paragraph

    @property
    def arrow(self) -> str:
        """Return the arrow from an old value to a new one, pointing the way lines read."""
        return "←" if self.rtl else "→"

    def heading(self, text: str, level: int = 1):
        """Add a heading of `level` (0: the document's title)."""
        return self._finish(self.document.add_heading(_text(text), level))

    def paragraph(self, *parts: str | tuple[str, bool], style: str | None = None):
        """Add a paragraph of plain text runs; a (text, True) part is bold."""
        paragraph = self.document.add_paragraph(style=style)
        for part in parts:
            text, bold = part if isinstance(part, tuple) else (part, False)
            paragraph.add_run(_text(text)).bold = bold
        return self._finish(paragraph)

    def table(self, header: list[str], rows: list[list[Any]]) -> None:
        """Add a table with a bold header row."""
        from docx.oxml import OxmlElement

        table = self.document.add_table(rows=1, cols=len(header))
        table.style = "Table Grid"
        if self.rtl:
            table._tbl.tblPr.append(OxmlElement("w:bidiVisual"))
        for cell, title in zip(table.rows[0].cells, header, strict=True):
            cell.paragraphs[0].add_run(_text(title)).bold = True
            self._finish(cell.paragraphs[0])
        for row in rows:
            cells = table.add_row().cells
            for cell, value in zip(cells, row, strict=True):
                paragraph = cell.paragraphs[0]
                paragraph.add_run(_text(value))
                self._finish(paragraph)

    def figures(self, figures: Figures, recommendations: int) -> None:
        """Add the summary figures and the count of actions by status."""
        self.heading(_("Summary"), 2)
        share = _percent_or_dash(figures.completed_share)
        self.paragraph((_("Recommendations") + ": ", True), str(recommendations))
        self.paragraph((_("Actions") + ": ", True), str(figures.action_count))
        self.paragraph((_("Completed") + ": ", True), share + " — " + _(
            "%(done)d of %(total)d actions, cancelled ones aside",
            done=figures.completed_count, total=figures.countable_actions))
        self.paragraph((_("Overdue") + ": ", True), str(figures.overdue_count))
        self.table([s.label for s in figures.status_counts],
                   [[str(n) for n in figures.status_counts.values()]])

    def institutions(self, figures: Figures) -> None:
        """Add the legend of the lead institutions' codes."""
        if figures.institutions:
            self.heading(_("Lead institutions"), 2)
            for institution in figures.institutions:
                self.paragraph((institution.code + " ", True), institution.label)

    def save(self) -> bytes:
        buffer = io.BytesIO()
        self.document.save(buffer)
        return buffer.getvalue()


def _action_rows(section: RecommendationSection, with_owner: bool) -> list[list[str]]:
    rows = []
    for line in section.lines:
        action = line.action
        notes = []
        if line.blocked:
            notes.append(_("Blocked:") + " " + (line.blocker or _("no reason given")))
        if line.latest_comment:
            notes.append(f"{_('Latest comment')} ({medium_date(line.latest_comment_at)}): "
                         f"{line.latest_comment}")
        row = [action.title]
        if with_owner:
            row.append(action.owner.name)
        rows.append([*row, action.lead_institution.code, action.status.label,
                     percent(action.progress), medium_date(action.deadline)
                     + (" — " + _("overdue") if line.overdue else ""),
                     medium_date(line.last_update_at) or "—", "\n".join(notes),
                     str(line.evidence_count)])
    return rows


def _recommendation(writer: Writer, section: RecommendationSection, indicators,
                    with_owner: bool = True, event_title: str | None = None) -> None:
    recommendation = section.recommendation
    writer.heading(f"{recommendation.number}. {recommendation.title}", 3)
    if event_title:
        writer.paragraph((_("Event") + ": ", True), event_title)
    writer.paragraph((_("Progress") + ": ", True), _percent_or_dash(section.progress))
    if section.lines:
        header = [_("Action")] + ([_("Owner")] if with_owner else []) + [
            _("Lead institution"), _("Status"), _("Progress"), _("Deadline"),
            _("Last update"), _("Comment"), _("Evidence")]
        writer.table(header, _action_rows(section, with_owner))
    else:
        writer.paragraph(_("No actions yet."))
    summary = indicator_summary(indicators, section)
    if summary:
        writer.paragraph((_("Indicators") + ": ", True), summary)


def _situation(writer: Writer, today: date) -> None:
    writer.paragraph(_("Situation on %(date)s", date=medium_date(today)))


def meeting_docx(report: MeetingReport) -> bytes:
    """Return the meeting report as a Word document."""
    writer = Writer(_("Meeting report"))
    writer.heading(_("Meeting report"), 0)
    _situation(writer, report.today)
    if report.objectives:
        writer.paragraph((_("GCM objectives") + ": ", True),
                         ", ".join(o.label for o in report.objectives))
    writer.figures(report.figures, report.recommendation_count)
    if report.changes is not None:
        writer.heading(_("Since %(date)s", date=medium_date(report.scope.since)), 2)
        if not report.changes:
            writer.paragraph(_("Nothing changed since that date."))
        for change in report.changes:
            writer.heading(change.line.action.title, 3)
            writer.paragraph((_("Recommendation") + ": ", True), str(change.recommendation))
            if change.created:
                writer.paragraph(_("New action"))
            if change.status_changed:
                writer.paragraph((_("Status") + ": ", True), f"{change.status_from.label} "
                                 f"{writer.arrow} {change.status_to.label}")
            if change.progress_changed:
                writer.paragraph((_("Progress") + ": ", True),
                                 f"{percent(change.progress_from)} {writer.arrow} "
                                 f"{percent(change.progress_to)}")
            if change.new_evidence:
                writer.paragraph((_("New evidence") + ": ", True), str(change.new_evidence))
            for comment in change.comments:
                writer.paragraph((f"{medium_date(comment.at)} · {comment.author or '—'}: ",
                                  True), comment.text)
    for part in report.parts:
        writer.heading(part.event.title, 1)
        writer.paragraph(" · ".join(v for v in (medium_date(part.event.date), part.event.place,
                                                part.event.organisers) if v))
        if not part.sections:
            writer.paragraph(_("No recommendations yet."))
        for section in part.sections:
            _recommendation(writer, section, report.indicators)
    writer.institutions(report.figures)
    return writer.save()


def gcm_docx(report: GcmReport) -> bytes:
    """Return the GCM review report as a Word document."""
    title = _("GCM review report")
    writer = Writer(title)
    writer.heading(title, 0)
    writer.paragraph(_("Tunisia's follow-up of the Global Compact for Safe, Orderly and "
                       "Regular Migration, for its regional and global reviews "
                       "(International Migration Review Forum)."))
    _situation(writer, report.today)
    writer.figures(report.figures, sum(len(o.sections) for o in report.covered))
    for objective in report.covered:
        writer.heading(objective.objective.label, 1)
        writer.paragraph(objective.objective.title)
        figures = objective.figures
        writer.paragraph((_("Recommendations") + ": ", True), str(len(objective.sections)),
                         " · ", (_("Actions") + ": ", True), str(figures.action_count),
                         " · ", (_("Completed") + ": ", True),
                         _percent_or_dash(figures.completed_share))
        shares = objective.institutions
        if shares:
            writer.heading(_("By institution"), 2)
            writer.table([_("Lead institution"), _("Actions"), _("Completed"), _("Progress")],
                         [[s.institution.label, str(s.actions), str(s.completed),
                           _percent_or_dash(s.progress)] for s in shares])
        for section in objective.sections:
            _recommendation(writer, section, report.indicators, with_owner=False,
                            event_title=section.recommendation.event.title)
    writer.institutions(report.figures)
    return writer.save()
