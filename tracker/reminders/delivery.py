"""Delivery: sending pending outbox rows over SMTP, with retries, never twice on purpose.

Rows are claimed before sending (row locks with SKIP LOCKED on PostgreSQL, so several
processes share the work); a claim that is never finished (the process died) expires and
the row is sent again, with the same Message-ID so that mail systems drop the duplicate.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from datetime import timedelta
from email.header import Header
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime

from flask import current_app
from sqlalchemy import or_, select, update

from tracker.extensions import db
from tracker.models import MessageStatus, OutboxMessage
from tracker.models.types import utcnow

CLAIM_MINUTES = 10
COMMIT_EVERY = 20


@dataclass
class DeliveryReport:
    """What one delivery run did."""

    sent: int = 0
    retried: int = 0
    failed: int = 0

    def __str__(self) -> str:
        return f"{self.sent} sent, {self.retried} to retry, {self.failed} failed"


class TemporaryFailure(Exception):
    """The server could not take the message now (4xx, connection trouble): try later."""


class PermanentFailure(Exception):
    """The server refused the message for good (5xx): do not try again."""


def mail_configured() -> bool:
    """Tell whether an SMTP server is configured; without one, emails wait in the outbox."""
    return bool(current_app.config["MAIL_SERVER"])


def claim(batch_size: int) -> list[int]:
    """Mark up to `batch_size` due rows as being sent by this process and return their ids.

    Commits the claim, so other processes skip these rows.
    """
    now = utcnow()
    stale = now - timedelta(minutes=CLAIM_MINUTES)
    stmt = (select(OutboxMessage.id)
            .where(or_(
                (OutboxMessage.status == MessageStatus.PENDING)
                & (OutboxMessage.next_attempt_at <= now),
                (OutboxMessage.status == MessageStatus.SENDING)
                & (OutboxMessage.claimed_at < stale)))
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(batch_size))
    if db.session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    ids = list(db.session.scalars(stmt))
    if ids:
        db.session.execute(update(OutboxMessage).where(OutboxMessage.id.in_(ids))
                           .values(status=MessageStatus.SENDING, claimed_at=now))
    db.session.commit()
    return ids


def build_message(row: OutboxMessage) -> MIMEMultipart:
    """Return the multipart (plain text and HTML) email for an outbox row.

    Built with the classic MIME classes: several times faster than EmailMessage, which
    matters when a morning sends thousands of reminders.
    """
    config = current_app.config
    message = MIMEMultipart("alternative")
    message["Subject"] = Header(row.subject, "utf-8")
    message["From"] = config["MAIL_DEFAULT_SENDER"]
    message["To"] = row.to_email
    if row.cc:
        message["Cc"] = ", ".join(row.cc)
    domain = config["MAIL_DEFAULT_SENDER"].rpartition("@")[2].strip(">") or "tracker.local"
    message["Message-ID"] = row.message_id(domain)
    message["Date"] = format_datetime(row.created_at)
    message["Content-Language"] = row.locale
    message["Auto-Submitted"] = "auto-generated"
    for name, value in (row.headers or {}).items():
        message[name] = value
    message.attach(MIMEText(row.body_text, "plain", "utf-8"))
    message.attach(MIMEText(row.body_html, "html", "utf-8"))
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


def _send_one(connection: SmtpConnection, row: OutboxMessage, max_attempts: int,
              report: DeliveryReport) -> None:
    row.attempts += 1
    try:
        connection.send(build_message(row), [row.to_email, *(row.cc or [])])
    except TemporaryFailure as exc:
        row.last_error = str(exc)[:2000]
        if row.attempts >= max_attempts:
            row.status = MessageStatus.FAILED
            report.failed += 1
        else:
            row.status = MessageStatus.PENDING
            row.next_attempt_at = utcnow() + _retry_delay(row.attempts)
            report.retried += 1
    except PermanentFailure as exc:
        row.last_error = str(exc)[:2000]
        row.status = MessageStatus.FAILED
        report.failed += 1
    else:
        row.status = MessageStatus.SENT
        row.sent_at = utcnow()
        row.last_error = ""
        report.sent += 1


def deliver(batch_size: int = 200, max_batches: int | None = None) -> DeliveryReport:
    """Send due outbox rows until none is left (or `max_batches` batches were sent).

    Without a configured SMTP server, sends nothing: the emails wait in the outbox.
    """
    report = DeliveryReport()
    if not mail_configured():
        return report
    max_attempts = current_app.config["MAIL_MAX_ATTEMPTS"]
    batches = 0
    while max_batches is None or batches < max_batches:
        ids = claim(batch_size)
        if not ids:
            break
        batches += 1
        connection = SmtpConnection()
        try:
            # Committing every few messages bounds what a crash can resend (with the same
            # Message-ID, which receiving servers drop) without a commit per email.
            for start in range(0, len(ids), COMMIT_EVERY):
                chunk = ids[start:start + COMMIT_EVERY]
                for row in db.session.scalars(select(OutboxMessage).where(
                        OutboxMessage.id.in_(chunk)).order_by(OutboxMessage.id)):
                    _send_one(connection, row, max_attempts, report)
                db.session.commit()
        finally:
            connection.close()
    return report


def retry(row: OutboxMessage) -> None:
    """Put a failed row back in the queue, to be sent at the next delivery."""
    row.status = MessageStatus.PENDING
    row.attempts = 0
    row.next_attempt_at = utcnow()
    db.session.flush()

