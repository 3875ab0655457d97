"""Delivery: rendering pending outbox rows and sending them over SMTP, each once.

A run claims a batch of due rows under a token of its own and a short lease
(MAIL_LEASE_SECONDS), which a thread renews while the batch works. Before each message it
checks, in a small transaction, that it still holds the row (UPDATE ... WHERE claim_token
= mine AND status = 'sending' RETURNING), renders the email then (links made now, in the
recipient's current language), sends it, and marks it sent in its own commit as soon as
the server accepted it. A row another run took over is skipped. If the process dies, its
rows wait until the lease ends and another run takes them over: only the message that
was in flight can go out twice, with the same Message-ID (a UUID drawn at planning).
The row then keeps its subject and bodies with every link replaced by "[link]".
"""

from __future__ import annotations

import secrets
import smtplib
import ssl
import threading
from dataclasses import dataclass
from datetime import timedelta
from email.header import Header
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime
from typing import Any

from flask import current_app
from sqlalchemy import and_, or_, select, update
from sqlalchemy.engine import Engine

from tracker.extensions import db
from tracker.models import MessageStatus, OutboxMessage
from tracker.models.types import utcnow
from tracker.reminders.rendering import RenderedEmail, render_row, without_links


@dataclass
class DeliveryReport:
    """What one delivery run did."""

    sent: int = 0
    retried: int = 0
    failed: int = 0
    skipped: int = 0  # taken over by another run before this one reached them

    def __str__(self) -> str:
        text = f"{self.sent} sent, {self.retried} to retry, {self.failed} failed"
        return text + (f", {self.skipped} taken over" if self.skipped else "")


class TemporaryFailure(Exception):
    """The server could not take the message now (4xx, connection trouble): try later."""


class PermanentFailure(Exception):
    """The server refused the message for good (5xx): do not try again."""


def mail_configured() -> bool:
    """Tell whether an SMTP server is configured; without one, emails wait in the outbox."""
    return bool(current_app.config["MAIL_SERVER"])


def lease() -> timedelta:
    """Return how long a claim holds without being renewed (MAIL_LEASE_SECONDS)."""
    return timedelta(seconds=current_app.config["MAIL_LEASE_SECONDS"])


def _due(now) -> Any:
    return or_(and_(OutboxMessage.status == MessageStatus.PENDING,
                    OutboxMessage.next_attempt_at <= now),
               and_(OutboxMessage.status == MessageStatus.SENDING,
                    OutboxMessage.lease_until < now))


def claim(batch_size: int, token: str) -> list[int]:
    """Claim up to `batch_size` due rows for the run holding `token`; commit; return their ids.

    Due rows are pending ones whose time has come and claimed ones whose lease ended. On
    PostgreSQL the rows are first locked with SKIP LOCKED, so concurrent runs take
    different rows; the UPDATE checks again that each row is due, so that on SQLite (one
    writer at a time) a run never takes a row another run has just claimed.
    """
    now = utcnow()
    due = (select(OutboxMessage.id).where(_due(now))
           .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(batch_size))
    if db.session.get_bind().dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    while True:
        try:
            # Two statements, not UPDATE ... WHERE id IN (SELECT ... LIMIT ... FOR UPDATE):
            # PostgreSQL may run that subquery once per row, and then LIMIT limits nothing.
            candidates = list(db.session.scalars(due))
            ids = db.session.scalars(
                update(OutboxMessage).where(OutboxMessage.id.in_(candidates), _due(now))
                .values(status=MessageStatus.SENDING, claim_token=token,
                        lease_until=now + lease())
                .returning(OutboxMessage.id).execution_options(synchronize_session=False)
            ).all() if candidates else []
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise
        # Every candidate taken by another run between the two statements: look again.
        if ids or not candidates:
            return sorted(ids)


class Lease:
    """Renew the lease of a run's claimed rows from a thread, while the run works.

    On a connection of its own, every third of the lease; the rows the run finished or
    lost are left alone (the token and the status are in the condition).
    """

    def __init__(self, token: str) -> None:
        self.token = token
        self.length = lease()
        self.engine: Engine = db.engine
        self.logger = current_app.logger
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name="outbox-lease", daemon=True)

    def renew(self) -> None:
        """Push the lease of the rows this run still holds to now + the lease's length."""
        with self.engine.begin() as connection:
            connection.execute(
                update(OutboxMessage).where(OutboxMessage.claim_token == self.token,
                                            OutboxMessage.status == MessageStatus.SENDING)
                .values(lease_until=utcnow() + self.length))

    def _run(self) -> None:
        while not self.stop.wait(self.length.total_seconds() / 3):
            try:
                self.renew()
            except Exception:  # a busy database: the next turn tries again
                self.logger.warning("could not renew the outbox lease", exc_info=True)

    def __enter__(self) -> Lease:
        self.thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop.set()
        self.thread.join()


def build_message(row: OutboxMessage, email: RenderedEmail) -> MIMEMultipart:
    """Return the multipart (plain text and HTML) email of an outbox row, as rendered now.

    Built with the classic MIME classes: several times faster than EmailMessage, which
    matters when a morning sends thousands of reminders.
    """
    config = current_app.config
    message = MIMEMultipart("alternative")
    message["Subject"] = Header(email.subject, "utf-8")
    message["From"] = config["MAIL_DEFAULT_SENDER"]
    message["To"] = row.to_email
    if row.cc:
        message["Cc"] = ", ".join(row.cc)
    domain = config["MAIL_DEFAULT_SENDER"].rpartition("@")[2].strip(">") or "tracker.local"
    message["Message-ID"] = row.message_id(domain)
    message["Date"] = format_datetime(row.created_at)
    message["Content-Language"] = email.locale
    message["Auto-Submitted"] = "auto-generated"
    for name, value in email.headers.items():
        message[name] = value
    message.attach(MIMEText(email.text, "plain", "utf-8"))
    message.attach(MIMEText(email.html, "html", "utf-8"))
    return message


class SmtpConnection:
    """One SMTP session reused for a batch, opened on first use."""

    def __init__(self) -> None:
        self.client: smtplib.SMTP | None = None

    def _open(self) -> smtplib.SMTP:
        config = current_app.config
        timeout = config["MAIL_TIMEOUT"]
        if config["MAIL_USE_SSL"]:
            client = smtplib.SMTP_SSL(config["MAIL_SERVER"], config["MAIL_PORT"],
                                      timeout=timeout, context=ssl.create_default_context())
        else:
            client = smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=timeout)
            if config["MAIL_USE_TLS"]:
                client.starttls(context=ssl.create_default_context())
        if config["MAIL_USERNAME"]:
            client.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        return client

    def send(self, message: MIMEMultipart, recipients: list[str]) -> None:
        """Send one message. Raises TemporaryFailure or PermanentFailure."""
        try:
            if self.client is None:
                self.client = self._open()
            # as_string: smtplib turns its line ends into CRLF (it leaves bytes as they are).
            refused = self.client.sendmail(current_app.config["MAIL_DEFAULT_SENDER"],
                                           recipients, message.as_string())
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            self.close()
            if all(code >= 500 for code in codes):
                raise PermanentFailure(str(exc.recipients)) from exc
            raise TemporaryFailure(str(exc.recipients)) from exc
        except smtplib.SMTPResponseException as exc:
            self.close()
            if exc.smtp_code >= 500:
                raise PermanentFailure(f"{exc.smtp_code} {exc.smtp_error!r}") from exc
            raise TemporaryFailure(f"{exc.smtp_code} {exc.smtp_error!r}") from exc
        except (TimeoutError, smtplib.SMTPException, OSError) as exc:
            self.close()
            raise TemporaryFailure(repr(exc)) from exc
        if refused:  # some recipients refused, the others accepted: done, and say so
            current_app.logger.warning("recipients refused: %s", refused)

    def close(self) -> None:
        """End the session, ignoring a connection already gone."""
        if self.client is not None:
            try:
                self.client.quit()
            except (smtplib.SMTPException, OSError):
                pass
            self.client = None


def _retry_delay(attempts: int) -> timedelta:
    base = current_app.config["MAIL_RETRY_BASE_SECONDS"]
    return timedelta(seconds=min(base * 2 ** (attempts - 1), 6 * 3600))


def _hold(row_id: int, token: str) -> bool:
    """Count an attempt at a row if this run still holds it, renewing its lease; commit."""
    held = db.session.scalar(
        update(OutboxMessage).where(OutboxMessage.id == row_id,
                                    OutboxMessage.claim_token == token,
                                    OutboxMessage.status == MessageStatus.SENDING)
        .values(attempts=OutboxMessage.attempts + 1, lease_until=utcnow() + lease())
        .returning(OutboxMessage.id).execution_options(synchronize_session=False))
    db.session.commit()
    return held is not None


def _finish(row_id: int, token: str, **values: Any) -> None:
    """Write how an attempt ended, if this run still holds the row, and commit at once."""
    result = db.session.execute(
        update(OutboxMessage).where(OutboxMessage.id == row_id,
                                    OutboxMessage.claim_token == token,
                                    OutboxMessage.status == MessageStatus.SENDING)
        .values(claim_token=None, lease_until=None, **values)
        .execution_options(synchronize_session=False))
    db.session.commit()
    if result.rowcount != 1:
        current_app.logger.warning("outbox row %s was taken over during its attempt", row_id)


def _send_one(connection: SmtpConnection, row_id: int, token: str, max_attempts: int,
              report: DeliveryReport) -> None:
    if not _hold(row_id, token):
        report.skipped += 1
        return
    row = db.session.get(OutboxMessage, row_id, populate_existing=True)
    attempts = row.attempts
    try:
        email = render_row(row)
        message = build_message(row, email)
        recipients = [row.to_email, *(row.cc or [])]
    except Exception as exc:  # a template or a row that cannot be rendered: it never will
        db.session.rollback()
        current_app.logger.exception("outbox row %s could not be rendered", row_id)
        _finish(row_id, token, status=MessageStatus.FAILED, last_error=repr(exc)[:2000])
        report.failed += 1
        return
    # The digests of the links made (a reset link's) are written before the links leave,
    # and no transaction stays open while the server takes its time.
    db.session.commit()
    try:
        connection.send(message, recipients)
    except TemporaryFailure as exc:
        if attempts >= max_attempts:
            _finish(row_id, token, status=MessageStatus.FAILED, last_error=str(exc)[:2000])
            report.failed += 1
        else:
            _finish(row_id, token, status=MessageStatus.PENDING, last_error=str(exc)[:2000],
                    next_attempt_at=utcnow() + _retry_delay(attempts))
            report.retried += 1
    except PermanentFailure as exc:
        _finish(row_id, token, status=MessageStatus.FAILED, last_error=str(exc)[:2000])
        report.failed += 1
    else:
        _finish(row_id, token, status=MessageStatus.SENT, sent_at=utcnow(), last_error="",
                subject=email.subject[:300], locale=email.locale,
                body_text=without_links(email.text), body_html=without_links(email.html))
        report.sent += 1


def deliver(batch_size: int = 200, max_batches: int | None = None) -> DeliveryReport:
    """Send due outbox rows until none is left (or `max_batches` batches were sent).

    Each message is committed as sent right after the server accepted it. Without a
    configured SMTP server, sends nothing: the emails wait in the outbox.
    """
    report = DeliveryReport()
    if not mail_configured():
        return report
    max_attempts = current_app.config["MAIL_MAX_ATTEMPTS"]
    batches = 0
    while max_batches is None or batches < max_batches:
        token = secrets.token_hex(16)
        ids = claim(batch_size, token)
        if not ids:
            break
        batches += 1
        connection = SmtpConnection()
        try:
            with Lease(token):
                for row_id in ids:
                    _send_one(connection, row_id, token, max_attempts, report)
        finally:
            connection.close()
    return report


def retry(row: OutboxMessage) -> None:
    """Put a failed row back in the queue, to be sent at the next delivery."""
    row.status = MessageStatus.PENDING
    row.attempts = 0
    row.next_attempt_at = utcnow()
    row.claim_token = None
    row.lease_until = None
    db.session.flush()
