"""Evidence files on disk: checked by content and size, stored under generated names."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

import filetype
from flask import current_app
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import FileStorage
from werkzeug.utils import secure_filename

from tracker.domain import DomainError

# What evidence may be: documents, spreadsheets, presentations and pictures, recognised by
# their first bytes rather than by the name or the type the browser claims.
ALLOWED_TYPES = {
    "application/pdf": "pdf",
    "image/png": "png",
    "image/jpeg": "jpg",
    "image/gif": "gif",
    "image/webp": "webp",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "pptx",
    "application/vnd.oasis.opendocument.text": "odt",
    "application/vnd.oasis.opendocument.spreadsheet": "ods",
    "application/vnd.oasis.opendocument.presentation": "odp",
    "application/msword": "doc",
    "application/vnd.ms-excel": "xls",
    "application/vnd.ms-powerpoint": "ppt",
}
# Legacy Office files share one container format; the name tells which one it is.
OLE_TYPES = {"doc": "application/msword", "xls": "application/vnd.ms-excel",
             "ppt": "application/vnd.ms-powerpoint"}
OLE_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")


class EvidenceRefused(DomainError):
    """Raised when a file cannot be accepted as evidence; the message is for the user."""

    def __init__(self, message=None, field: str | None = "files") -> None:
        super().__init__(message, field)


@dataclass
class CheckedFile:
    """A file that passed the checks, held in memory until the update is saved."""

    filename: str
    content_type: str
    extension: str
    data: bytes


def upload_folder() -> Path:
    """Return the folder evidence files are stored in (UPLOAD_FOLDER, else instance/uploads)."""
    folder = current_app.config["UPLOAD_FOLDER"] or os.path.join(
        current_app.instance_path, "uploads")
    return Path(folder)


def check(upload: FileStorage) -> CheckedFile:
    """Read `upload` and return it if its content is an accepted type within the size limit."""
    limit = current_app.config["EVIDENCE_MAX_BYTES"]
    data = upload.stream.read(limit + 1)
    name = (upload.filename or "").strip()
    if len(data) > limit:
        raise EvidenceRefused(_l("%(name)s is larger than the %(size)s allowed.",
                                 name=name, size=_size(limit)))
    if not data:
        raise EvidenceRefused(_l("%(name)s is empty.", name=name))
    content_type = _sniff(data, name)
    if content_type is None:
        raise EvidenceRefused(_l(
            "%(name)s is not an accepted file: send a PDF, an image or an office document.",
            name=name))
    display = secure_filename(name) or "evidence"
    return CheckedFile(display[-200:], content_type, ALLOWED_TYPES[content_type], data)


def _size(limit: int) -> str:
    return f"{limit / (1024 * 1024):g} MB" if limit >= 1024 * 1024 else f"{limit // 1024} KB"


def _sniff(data: bytes, name: str) -> str | None:
    if data.startswith(OLE_MAGIC):
        return OLE_TYPES.get(name.rsplit(".", 1)[-1].lower())
    kind = filetype.guess(data)
    if kind is None or kind.mime not in ALLOWED_TYPES:
        return None
    return kind.mime


def write(checked: CheckedFile) -> str:
    """Store the file under a new random name and return that name.

    Raises `EvidenceRefused` when the folder cannot be written (full disk, permissions).
    """
    folder = upload_folder()
    stored_name = f"{secrets.token_hex(16)}.{checked.extension}"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with open(folder / stored_name, "xb") as handle:
            handle.write(checked.data)
    except OSError as exc:
        current_app.logger.error("cannot store evidence in %s: %s", folder, exc)
        remove([stored_name])
        raise EvidenceRefused(_l("The file could not be stored on the server. Nothing was "
                                 "saved; please try again later or tell an administrator.")
                              ) from exc
    return stored_name


def remove(stored_names: list[str]) -> None:
    """Delete stored files (after a failed save), ignoring those already gone."""
    folder = upload_folder()
    for name in stored_names:
        try:
            (folder / name).unlink(missing_ok=True)
        except OSError as exc:  # the folder itself is gone or unreadable: nothing to remove
            current_app.logger.warning("cannot remove evidence %s: %s", name, exc)


def path_of(stored_name: str) -> Path:
    """Return the path of a stored file; generated names never leave the folder."""
    if "/" in stored_name or "\\" in stored_name or stored_name.startswith("."):
        raise ValueError("not a stored evidence name")
    return upload_folder() / stored_name
