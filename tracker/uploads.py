"""Checks and messages shared by the importers that read an uploaded file (report
import, spreadsheet import): size limits, damaged files, zip bombs, text encodings.

Each importer raises its own exception with these messages, so a person sees the same
words whichever importer refused the file.
"""

from __future__ import annotations

import io
import zipfile

from flask_babel import lazy_gettext as _l


def size_text(max_bytes: int) -> str:
    """Say a size limit the way people read it: "10 MB", "512 KB"."""
    if max_bytes >= 1024 * 1024:
        return f"{max_bytes // (1024 * 1024)} MB"
    return f"{max(1, max_bytes // 1024)} KB"


def too_large(name: str, max_bytes: int):
    """The message for a file larger than `max_bytes`."""
    return _l("%(name)s is larger than the %(size)s allowed.", name=name,
              size=size_text(max_bytes))


def damaged(name: str):
    """The message for a file that cannot be read as the type its name says."""
    return _l("%(name)s cannot be read: the file is damaged or is not what its name says.",
              name=name)


def empty(name: str):
    """The message for a file with nothing in it."""
    return _l("%(name)s is empty.", name=name)


def inflates_beyond(data: bytes, max_uncompressed: int) -> bool:
    """Tell whether the zip archive `data` (.docx, .xlsx) would inflate beyond the limit:
    a zip bomb. Raises `zipfile.BadZipFile` when `data` is not a zip archive."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return sum(info.file_size for info in archive.infolist()) > max_uncompressed


def decode_text(data: bytes) -> str:
    """Decode text saved by office software: UTF-8 (with or without a byte-order mark),
    else Windows-1252, which older French documents and French Excel's CSV use."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")
