"""Read the text of a report file: plain text, Markdown, Word (.docx) or PDF."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from flask_babel import lazy_gettext as _l

from tracker import uploads
from tracker.domain import DomainError

MAX_BYTES = 10 * 1024 * 1024
EXTENSIONS = (".txt", ".md", ".docx", ".pdf")
# A .docx is a zip: refuse one that would inflate beyond this (a zip bomb). Its XML is
# some five times its text, so this also bounds the text before it is parsed.
MAX_DOCX_UNCOMPRESSED = 25 * 1024 * 1024
MAX_PDF_PAGES = 500
# The longest text the importer reads: some 250 pages. Reading is about linear in the
# text; a 10 MB text (a 70 KB .docx inflated) took two minutes, past any worker's timeout.
MAX_TEXT_CHARS = 600_000


class ReportUnreadable(DomainError):
    """Raised when a report cannot be read; the message is for the user."""


class ReportTooLarge(ReportUnreadable):
    """Raised when a report file is larger than the size allowed."""


def read_path(path: str | Path, max_bytes: int = MAX_BYTES) -> str:
    """Return the text of the report file at `path`.

    Raises `ReportTooLarge` or `ReportUnreadable` (missing file, unknown type, damaged
    content, no text).
    """
    path = Path(path)
    try:
        if path.stat().st_size > max_bytes:
            raise ReportTooLarge(uploads.too_large(path.name, max_bytes))
        data = path.read_bytes()
    except OSError as exc:
        raise ReportUnreadable(_l("%(name)s cannot be read: %(error)s",
                                  name=path.name, error=exc.strerror or str(exc))) from exc
    return read_bytes(path.name, data, max_bytes)


def read_bytes(filename: str, data: bytes, max_bytes: int = MAX_BYTES) -> str:
    """Return the text of a report file called `filename` whose content is `data`.

    The name's extension says the type: .txt, .md, .docx or .pdf. Raises
    `ReportTooLarge` or `ReportUnreadable`.
    """
    name = Path(filename or "").name or "report"
    if len(data) > max_bytes:
        raise ReportTooLarge(uploads.too_large(name, max_bytes))
    extension = Path(name).suffix.lower()
    if extension not in EXTENSIONS:
        raise ReportUnreadable(_l(
            "%(name)s is not a type the importer reads: send a .txt, .md, .docx or .pdf file.",
            name=name))
    if not data:
        raise ReportUnreadable(uploads.empty(name))
    if extension == ".docx":
        text = _read_docx(name, data)
    elif extension == ".pdf":
        text = _read_pdf(name, data)
    else:
        text = _decode(name, data)
    if not text.strip():
        raise ReportUnreadable(_l(
            "No text could be read from %(name)s (a scanned document holds only images).",
            name=name))
    check_length(text, name)
    return text


def check_length(text: str, name: str) -> None:
    """Raise `ReportTooLarge` when `text` is longer than the importer reads."""
    if len(text) > MAX_TEXT_CHARS:
        raise ReportTooLarge(_l(
            "%(name)s holds %(count)s characters of text; the importer reads at most "
            "%(limit)s (about 250 pages): send the part with the recommendations.",
            name=name, count=f"{len(text):,}".replace(",", " "),
            limit=f"{MAX_TEXT_CHARS:,}".replace(",", " ")))


def _decode(name: str, data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise ReportUnreadable(uploads.damaged(name)) from exc
    if b"\x00" in data:
        raise ReportUnreadable(uploads.damaged(name))  # a binary file renamed .txt
    return uploads.decode_text(data)


def _read_docx(name: str, data: bytes) -> str:
    """Return the paragraphs of a Word document, list items with their number or bullet."""
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        if uploads.inflates_beyond(data, MAX_DOCX_UNCOMPRESSED):
            raise ReportUnreadable(uploads.damaged(name))
        document = docx.Document(io.BytesIO(data))
        return "\n\n".join(_docx_lines(document))
    except ReportUnreadable:
        raise
    except (zipfile.BadZipFile, PackageNotFoundError, KeyError, ValueError, OSError) as exc:
        raise ReportUnreadable(uploads.damaged(name)) from exc
    except Exception as exc:  # lxml and python-docx raise many kinds on a damaged file
        raise ReportUnreadable(uploads.damaged(name)) from exc


def _docx_lines(document) -> list[str]:
    """Return the document's paragraphs and table cells in order, with list markers.

    Word keeps a list's numbers in the numbering part, not in the text: they are written
    back so that the parser sees "1." or "•" as a reader does.
    """
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    formats = _numbering_formats(document)
    counters: dict[tuple[str, int], int] = {}
    lines = []
    for block in document.element.body.iterchildren():
        tag = block.tag.rsplit("}", 1)[-1]
        if tag == "p":
            paragraphs = [Paragraph(block, document)]
        elif tag == "tbl":
            table = Table(block, document)
            paragraphs = [p for row in table.rows for cell in row.cells for p in cell.paragraphs]
        else:
            continue
        for paragraph in paragraphs:
            text = paragraph.text.strip()
            if not text:
                continue
            lines.append(_with_marker(paragraph, text, formats, counters))
    return lines


def _with_marker(paragraph, text: str, formats: dict, counters: dict) -> str:
    style = (paragraph.style.name if paragraph.style is not None else "") or ""
    num_pr = paragraph._p.pPr.numPr if paragraph._p.pPr is not None else None
    if num_pr is None and not style.lower().startswith("list"):
        return text
    num_id = str(num_pr.numId.val) if num_pr is not None and num_pr.numId is not None else style
    level = int(num_pr.ilvl.val) if num_pr is not None and num_pr.ilvl is not None else 0
    fmt = formats.get((num_id, level)) or ("decimal" if "number" in style.lower() else "bullet")
    indent = "    " * level
    if fmt == "bullet":
        return f"{indent}• {text}"
    for (other_id, other_level) in list(counters):  # a new item restarts deeper levels
        if other_id == num_id and other_level > level:
            del counters[(other_id, other_level)]
    counters[(num_id, level)] = counters.get((num_id, level), 0) + 1
    count = counters[(num_id, level)]
    if fmt in ("lowerLetter", "upperLetter") and count <= 26:
        letter = chr(ord("a") + count - 1)
        return f"{indent}{letter.upper() if fmt == 'upperLetter' else letter}) {text}"
    return f"{indent}{count}. {text}"


def _numbering_formats(document) -> dict[tuple[str, int], str]:
    """Return the number format ("decimal", "bullet"...) of each list id and level."""
    try:
        numbering = document.part.numbering_part.element
    except (KeyError, NotImplementedError, AttributeError):
        return {}
    ns = {"w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main"}
    w = "{" + ns["w"] + "}"
    abstract = {}
    for node in numbering.findall("w:abstractNum", ns):
        levels = {}
        for lvl in node.findall("w:lvl", ns):
            fmt = lvl.find("w:numFmt", ns)
            levels[int(lvl.get(w + "ilvl"))] = fmt.get(w + "val") if fmt is not None else "decimal"
        abstract[node.get(w + "abstractNumId")] = levels
    formats = {}
    for node in numbering.findall("w:num", ns):
        ref = node.find("w:abstractNumId", ns)
        levels = abstract.get(ref.get(w + "val") if ref is not None else None, {})
        for level, fmt in levels.items():
            formats[(node.get(w + "numId"), level)] = fmt
    return formats


def _read_pdf(name: str, data: bytes) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    if not data.lstrip()[:1024].startswith(b"%PDF-") and b"%PDF-" not in data[:1024]:
        raise ReportUnreadable(uploads.damaged(name))
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise ReportUnreadable(_l("%(name)s is protected by a password.", name=name))
        pages = [page.extract_text() or "" for page in reader.pages[:MAX_PDF_PAGES]]
    except ReportUnreadable:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, OSError) as exc:
        raise ReportUnreadable(uploads.damaged(name)) from exc
    except Exception as exc:  # pypdf raises many kinds on a damaged file
        raise ReportUnreadable(uploads.damaged(name)) from exc
    return "\n\n".join(pages)
