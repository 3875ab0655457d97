"""Downloading evidence files."""

from __future__ import annotations

from flask import Blueprint, abort, send_file
from flask_login import current_user, login_required

from tracker.evidence import storage
from tracker.extensions import db
from tracker.models import Evidence, EvidenceKind
from tracker.permissions import can_view_action

bp = Blueprint("evidence", __name__)


@bp.get("/evidence/<id:evidence_id>")
@login_required
def download(evidence_id: int):
    """Send an evidence file as a download to someone allowed to see its action."""
    evidence = db.get_or_404(Evidence, evidence_id)
    if evidence.kind != EvidenceKind.FILE or not evidence.stored_name:
        abort(404)
    if not can_view_action(current_user, evidence.update.action):
        abort(403)
    path = storage.path_of(evidence.stored_name)
    if not path.is_file():
        abort(404)
    return send_file(path, mimetype=evidence.content_type, as_attachment=True,
                     download_name=evidence.filename or path.name, max_age=0)
