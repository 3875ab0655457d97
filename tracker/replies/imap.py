"""Reading replies from a mailbox over IMAP (MAIL_IMAP_* settings), with the standard library.

Each unread message is fetched without marking it (BODY.PEEK), processed and committed,
and only then marked read: a reader that dies in between leaves it unread, and the next
run finds it processed already (`process_message` is idempotent) and only marks it. A
message that fails to process stays unread and is tried again at the next run.
"""

from __future__ import annotations

import imaplib
import ssl
from dataclasses import dataclass

from flask import current_app

from tracker.extensions import db
from tracker.replies.services import process_message


@dataclass
class FetchReport:
    """What one reading of the mailbox did."""

    recorded: int = 0
    held: int = 0
    already: int = 0  # processed by an earlier run, marked read now
    failed: int = 0

    def __str__(self) -> str:
        return (f"{self.recorded} recorded, {self.held} held for a coordinator, "
                f"{self.already} already processed, {self.failed} failed")


def _connect() -> imaplib.IMAP4:
    config = current_app.config
    host, port = config["MAIL_IMAP_HOST"], config["MAIL_IMAP_PORT"]
    timeout = config["MAIL_TIMEOUT"]
    if config["MAIL_IMAP_SSL"]:
        client = imaplib.IMAP4_SSL(host, port, ssl_context=ssl.create_default_context(),
                                   timeout=timeout)
    else:
        client = imaplib.IMAP4(host, port, timeout=timeout)
    login(client, config["MAIL_IMAP_USER"], config["MAIL_IMAP_PASSWORD"])
    return client


def login(client: imaplib.IMAP4, user: str, password: str) -> None:
    """Sign in; with AUTHENTICATE PLAIN (UTF-8) when the LOGIN command cannot carry the
    name or password (imaplib sends LOGIN in ASCII only)."""
    if user.isascii() and password.isascii():
        client.login(user, password)
    else:
        client.authenticate("PLAIN", lambda _challenge: f"\0{user}\0{password}".encode())


def fetch(limit: int | None = None) -> FetchReport:
    """Process the unread messages of MAIL_IMAP_FOLDER (at most `limit`), each committed
    before it is marked read. Without MAIL_IMAP_HOST, does nothing."""
    report = FetchReport()
    if not current_app.config["MAIL_IMAP_HOST"]:
        return report
    client = _connect()
    try:
        status, _data = client.select(current_app.config["MAIL_IMAP_FOLDER"])
        if status != "OK":
            raise imaplib.IMAP4.error(f"cannot open {current_app.config['MAIL_IMAP_FOLDER']}")
        _status, found = client.uid("search", None, "UNSEEN")
        uids = (found[0] or b"").split()[:limit]
        for uid in uids:
            _status, parts = client.uid("fetch", uid, "(BODY.PEEK[])")
            raw = next((part[1] for part in parts if isinstance(part, tuple)), None)
            if raw is None:
                continue  # deleted meanwhile
            try:
                processed = process_message(raw)
            except Exception:
                db.session.rollback()
                current_app.logger.exception("reply %s could not be processed", uid)
                report.failed += 1
                continue
            client.uid("store", uid, "+FLAGS", "(\\Seen)")
            if not processed.new:
                report.already += 1
            elif processed.reply.update_id is not None:
                report.recorded += 1
            else:
                report.held += 1
    finally:
        try:
            client.logout()
        except (imaplib.IMAP4.error, OSError):
            pass
    return report


def fetch_replies() -> FetchReport:
    """Read the replies' mailbox: the scheduler's job (nothing without MAIL_IMAP_HOST)."""
    report = fetch()
    if current_app.config["MAIL_IMAP_HOST"]:
        current_app.logger.info("replies: %s", report)
    return report
