"""Pages that import recommendations and actions from a spreadsheet: check, then confirm."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from tracker.extensions import db
from tracker.forms import add_error
from tracker.models import Job, JobState
from tracker.models.types import utcnow
from tracker.permissions import can_follow_job, manager_required
from tracker.spreadsheets import jobs, reader, services, template, validate
from tracker.spreadsheets.forms import ConfirmForm, UploadForm

bp = Blueprint("spreadsheets", __name__, url_prefix="/spreadsheets")

MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# A larger file's preview lists its first rows only; its errors are all listed.
PREVIEW_ROWS = 1000
# A queued import not started after this long waits for a worker that is busy or not running.
WORKER_PATIENCE_SECONDS = 30


def _preview_page(preview: validate.Preview, filename: str, token: str | None = None):
    form = ConfirmForm(formdata=None, data={"token": token}) if token else None
    return render_template("spreadsheets/preview.html", preview=preview, filename=filename,
                           form=form, shown=preview.rows[:PREVIEW_ROWS],
                           counts=preview.counts), \
        200 if preview.ok else 422


def _upload_page(form: UploadForm, status: int, error: str | None = None):
    if error:
        form.form_errors.append(error)
    return render_template("spreadsheets/upload.html", form=form), status


@bp.get("/template.<fmt>")
@manager_required
def download_template(fmt: str):
    """Send the template to fill in, as an Excel workbook or as CSV."""
    if fmt not in MEDIA_TYPES:
        abort(404)
    body = template.to_xlsx() if fmt == "xlsx" else template.to_csv()
    return Response(body, mimetype=MEDIA_TYPES[fmt], headers={
        "Content-Disposition": f'attachment; filename="tracker-import-template.{fmt}"'})


@bp.route("/import", methods=["GET", "POST"])
@manager_required
def upload():
    """Check an uploaded spreadsheet and show what importing it would do; write nothing."""
    form = UploadForm()
    if not form.validate_on_submit():
        return _upload_page(form, 422 if form.errors else 200)
    upload = form.upload
    max_bytes = services.max_bytes()
    data = upload.stream.read(max_bytes + 1)
    try:
        sheet = reader.read_bytes(upload.filename, data, max_bytes)
    except reader.SheetUnreadable as exc:
        add_error(form.file, str(exc))
        return _upload_page(form, 413 if isinstance(exc, reader.SheetTooLarge) else 422)
    preview = validate.check(sheet)
    token = None
    if preview.ok and preview.has_changes:
        token = services.stash(current_user, reader.extension_of(upload.filename), data)
    return _preview_page(preview, upload.filename, token)


@bp.post("/import/confirm")
@manager_required
def confirm():
    """Check the kept file again and write all its rows in one transaction, or none."""
    form = ConfirmForm()
    stashed = services.take(current_user, form.token.data) if form.validate_on_submit() else None
    if stashed is None:
        return _upload_page(UploadForm(formdata=None), 410 if form.token.data else 422, _(
            "This import is no longer available (it is kept for an hour, and confirmed "
            "once): send the file again."))
    extension, data = stashed
    try:
        sheet = reader.read_bytes("spreadsheet" + extension, data, services.max_bytes())
    except reader.SheetUnreadable as exc:
        return _upload_page(UploadForm(formdata=None), 422, str(exc))
    if len(sheet.rows) >= current_app.config["SPREADSHEET_BACKGROUND_ROWS"]:
        job = jobs.enqueue_import(current_user, sheet, locale=str(get_locale()))
        db.session.commit()
        return redirect(url_for("spreadsheets.progress", job_id=job.id), 303)
    preview = validate.check(sheet)
    if not preview.ok:
        flash(_("The tracker's data changed since the preview: the file now has errors, "
                "and nothing was imported."), "error")
        return _preview_page(preview, _("the file you confirmed"))
    try:
        counts = services.apply_import(current_user, preview)
        db.session.commit()
    except (services.ImportFailed, IntegrityError) as exc:
        db.session.rollback()
        message = str(exc) if isinstance(exc, services.ImportFailed) else _(
            "Someone changed the same data meanwhile: nothing was imported. Try again.")
        return _upload_page(UploadForm(formdata=None), 409, message)
    flash(_summary(len(preview.rows), counts), "success")
    return redirect(url_for("events.index"))


def _summary(rows: int, counts: dict[str, int]) -> str:
    return _("Spreadsheet imported (%(rows)d rows): %(created)d created, %(updated)d updated, "
             "%(unchanged)d unchanged.", rows=rows, created=counts["create"],
             updated=counts["update"], unchanged=counts["unchanged"])


@bp.get("/import/<id:job_id>")
@manager_required
def progress(job_id: int):
    """Follow an import queued for the worker; the page reloads itself until it ends."""
    job = db.session.get(Job, job_id)
    if job is None or job.kind != jobs.SPREADSHEET_IMPORT:
        abort(404)
    if not can_follow_job(current_user, job):
        abort(404)  # not 403: ids are sequential, and others' imports are not to be probed
    if job.state == JobState.DONE:
        flash(_summary(job.result["rows"], job.result["counts"]), "success")
        return redirect(url_for("events.index"))
    patience = timedelta(seconds=WORKER_PATIENCE_SECONDS)
    return render_template("spreadsheets/progress.html", job=job, states=JobState,
                           waiting=job.waiting_for_worker(utcnow(), patience))
