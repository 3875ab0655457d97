"""The tracker's own SMTP (or LMTP) endpoint for replies, with aiosmtpd.

A mail server forwards the replies' address to it (`flask replies serve`); each message is
processed (`process_message`) before the endpoint answers 250, so a message the endpoint
accepted is committed, and one it could not process is refused with a temporary error
that makes the sending server try again. The envelope's recipients are added as
Delivered-To headers, as delivering servers do, since they carry the signed reference.
"""

from __future__ import annotations

import asyncio

from aiosmtpd.controller import Controller
from aiosmtpd.lmtp import LMTP
from flask import Flask

from tracker.extensions import db
from tracker.replies.services import max_message_bytes, process_message


class ReplyHandler:
    """Process each message received, in the app's context, off the event loop."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def _process(self, raw: bytes) -> None:
        with self.app.app_context():
            try:
                process_message(raw)
            except Exception:
                db.session.rollback()
                self.app.logger.exception("a reply could not be processed")
                raise

    async def handle_DATA(self, server, session, envelope) -> str:
        content = envelope.original_content or envelope.content
        if isinstance(content, str):
            content = content.encode("utf-8", errors="surrogateescape")
        delivered = "".join(f"Delivered-To: {rcpt}\r\n" for rcpt in envelope.rcpt_tos)
        raw = delivered.encode("ascii", errors="replace") + content
        try:
            await asyncio.get_running_loop().run_in_executor(None, self._process, raw)
        except Exception:
            return "451 4.3.0 Could not process the message now; try again later"
        return "250 2.0.0 Message accepted"


class LmtpController(Controller):
    """A controller serving LMTP (for a local mail server's delivery) instead of SMTP."""

    def factory(self):
        return LMTP(self.handler, **self.SMTP_kwargs)


def controller(app: Flask, host: str, port: int, *, lmtp: bool = False) -> Controller:
    """Return the (not yet started) endpoint on `host`:`port`, SMTP or LMTP."""
    with app.app_context():
        limit = max_message_bytes()
    kind = LmtpController if lmtp else Controller
    return kind(ReplyHandler(app), hostname=host, port=port, data_size_limit=limit)
