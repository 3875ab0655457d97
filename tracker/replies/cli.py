"""`flask replies`: read the replies' mailbox, or serve the replies' SMTP/LMTP endpoint."""

from __future__ import annotations

import imaplib
import signal
import threading

import click
from flask import current_app
from flask.cli import with_appcontext


@click.group("replies")
def replies() -> None:
    """Replies to the tracker's emails."""


@replies.command("fetch")
@click.option("--limit", type=click.IntRange(min=1), default=None,
              help="Process at most this many messages.")
@with_appcontext
def fetch_command(limit: int | None) -> None:
    """Process the unread replies of the IMAP mailbox (MAIL_IMAP_*), marking each read."""
    from tracker.replies.imap import fetch

    if not current_app.config["MAIL_IMAP_HOST"]:
        raise click.ClickException("MAIL_IMAP_HOST is not set: there is no mailbox to read.")
    try:
        report = fetch(limit)
    except (OSError, imaplib.IMAP4.error) as exc:
        raise click.ClickException(f"Cannot read the mailbox: {exc}") from exc
    click.echo(str(report))


@replies.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=click.IntRange(1, 65535), default=8025, show_default=True)
@click.option("--lmtp", is_flag=True, help="Speak LMTP (a local mail server's delivery).")
@with_appcontext
def serve_command(host: str, port: int, lmtp: bool) -> None:
    """Receive replies by SMTP (or LMTP) on HOST:PORT until stopped."""
    from tracker.replies.endpoint import controller

    endpoint = controller(current_app._get_current_object(), host, port, lmtp=lmtp)
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_args: stop.set())
    endpoint.start()
    click.echo(f"Receiving replies by {'LMTP' if lmtp else 'SMTP'} on {host}:{port}")
    try:
        stop.wait()
    finally:
        endpoint.stop()
