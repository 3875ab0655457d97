"""Processing a reply to one of the tracker's emails, once, and a coordinator's decisions.

`process_message(raw)` is the one way in for the tracker's SMTP/LMTP endpoint and the
IMAP reader. A reply is recorded on its action, in its sender's name, through
`actions.services.record_update` (the same rules as the web form) only when it carries a
reference the tracker signed, comes from the address the email was sent to, and its files
pass the evidence checks; otherwise it is held for a coordinator, who assigns it to an
action (recorded in the coordinator's name, naming the sender) or refuses it.

A reply is processed once: its Message-ID (or a digest of the message) is a unique key,
written in the transaction that records it. A reader that dies before marking a message
read finds it processed the next time, and only marks it.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload
from werkzeug.datastructures import FileStorage

from tracker import audit
from tracker.actions.services import Change, record_update
from tracker.domain import DomainError, StaleVersion
from tracker.evidence import storage
from tracker.extensions import db
from tracker.models import (
    TEXT_MAX_LENGTH,
    Action,
    HoldReason,
    InboundReply,
    OutboxMessage,
    ReplyStatus,
    User,
)
from tracker.models.types import utcnow
from tracker.replies import reference
from tracker.replies.parsing import Attachment, Reading, parse


class AlreadyHandled(DomainError):
    """The reply was recorded, assigned or refused already."""

    default_message = _l("This reply was handled already.")


@dataclass
class Processed:
    """What processing a message gave: its reply row, and whether this run processed it."""

    reply: InboundReply
    new: bool


def max_message_bytes() -> int:
    """Return the largest message read: the evidence allowed, as base64, plus the text."""
    config = current_app.config
    return config["EVIDENCE_MAX_BYTES"] * config["EVIDENCE_MAX_FILES"] * 4 // 3 + 1024 * 1024


def message_key(reading: Reading, raw: bytes) -> str:
    """Return the key a message is processed once under: its Message-ID, else a digest."""
    return reading.message_id or "sha256:" + hashlib.sha256(raw).hexdigest()


def find(key: str) -> InboundReply | None:
    """Return the reply already processed under `key`, if any."""
    return db.session.scalar(select(InboundReply).where(InboundReply.message_key == key))


def check_files(attachments: list[Attachment]) -> tuple[list[storage.CheckedFile], list[str]]:
    """Return the attachments that pass the web form's evidence checks, and the refusals."""
    accepted, refusals = [], []
    for attachment in attachments:
        try:
            accepted.append(storage.check(FileStorage(
                stream=io.BytesIO(attachment.data), filename=attachment.filename)))
        except storage.EvidenceRefused as refusal:
            refusals.append(str(refusal))
    if len(accepted) > current_app.config["EVIDENCE_MAX_FILES"]:
        refusals.append(_("Send at most %(n)d files at a time.",
                          n=current_app.config["EVIDENCE_MAX_FILES"]))
    return accepted, refusals


def _replied_to(reading: Reading) -> tuple[OutboxMessage | None, HoldReason | None]:
    """Return the email the reply answers, found by its signed reference, or why not."""
    found = reference.found_in(reading.reference_headers)
    if not found:
        return None, HoldReason.NO_REFERENCE
    for message_uuid, signed in found:
        if signed:
            row = db.session.scalar(
                select(OutboxMessage).where(OutboxMessage.message_uuid == message_uuid))
            if row is not None:
                return row, None
    if any(signed for _uuid, signed in found):
        return None, HoldReason.NO_REFERENCE  # signed by us, but the email is gone
    return None, HoldReason.FORGED_REFERENCE


def _action_of(row: OutboxMessage) -> tuple[Action | None, HoldReason | None]:
    """Return the action an email is about; a daily email's, if its items name only one."""
    if row.action is not None:
        return row.action, None
    items = (row.context or {}).get("items", [])
    action_ids = set(db.session.scalars(
        select(OutboxMessage.action_id).where(OutboxMessage.id.in_(items),
                                              OutboxMessage.action_id.is_not(None))))
    if len(action_ids) == 1:
        return db.session.get(Action, action_ids.pop()), None
    return None, HoldReason.SEVERAL_ACTIONS if action_ids else HoldReason.NO_ACTION


def _sender(address: str) -> User | None:
    if not address:
        return None
    return db.session.scalar(select(User).where(func.lower(User.email) == address))


def _new_reply(key: str, reading: Reading, raw: bytes) -> InboundReply:
    return InboundReply(
        message_key=key, from_address=reading.sender[:254], subject=reading.subject,
        body=reading.text, attachments="\n".join(a.filename for a in reading.attachments),
        status=ReplyStatus.HELD, detail="",
        proposed_status=reading.status.value if reading.status else None,
        proposed_progress=reading.progress)


def _record(reading: Reading, raw: bytes) -> tuple[int | None, HoldReason | None, str, int | None]:
    """Record the reply on its action if every condition holds (flushed, not committed).

    Returns (the history row's id, why it is held instead, the refusal's words, action id).
    """
    if len(raw) > max_message_bytes():
        return None, HoldReason.TOO_LARGE, "", None
    row, reason = _replied_to(reading)
    if row is None:
        return None, reason, "", None
    action, reason = _action_of(row)
    if action is None:
        return None, reason, "", None
    recipient = row.recipient
    if recipient is None or not recipient.active or not reading.sender or (
            reading.sender != row.to_email.lower()
            or reading.sender != (recipient.email or "").lower()):
        return None, HoldReason.OTHER_SENDER, "", action.id
    files, refusals = check_files(reading.attachments)
    if refusals:
        return None, HoldReason.REFUSED_FILE, "\n".join(refusals), action.id
    if len(reading.text) > TEXT_MAX_LENGTH:
        return None, HoldReason.REFUSED_CHANGE, _(
            "Use at most %(max)d characters.", max=TEXT_MAX_LENGTH), action.id
    try:
        entry = record_update(recipient, action, None, Change(
            status=reading.status, progress=reading.progress, comment=reading.text,
            files=files))
    except StaleVersion:
        raise  # saved by someone else meanwhile: the message is tried again later
    except DomainError as refusal:
        db.session.rollback()  # and the files written are removed
        return None, HoldReason.REFUSED_CHANGE, str(refusal), action.id
    return entry.id, None, "", action.id


def process_message(raw: bytes) -> Processed:
    """Process one reply (a raw RFC 5322 message) and commit: record it on its action, or
    hold it for a coordinator. A message processed before is left as it is."""
    _message, reading = parse(raw)
    key = message_key(reading, raw)
    existing = find(key)
    if existing is not None:
        return Processed(existing, new=False)
    if reading.automatic:  # kept, so it is not read again, but neither recorded nor listed
        update_id, reason, detail, action_id = None, HoldReason.AUTOMATIC, "", None
    else:
        update_id, reason, detail, action_id = _record(reading, raw)
    reply = _new_reply(key, reading, raw)
    reply.action_id = action_id
    sender = _sender(reading.sender)
    reply.sender_id = sender.id if sender is not None else None
    if reason is None:
        reply.status, reply.update_id = ReplyStatus.RECORDED, update_id
    elif reason == HoldReason.AUTOMATIC:
        reply.status, reply.reason = ReplyStatus.IGNORED, reason
    else:
        reply.reason, reply.detail = reason, detail
        reply.raw = raw if reason != HoldReason.TOO_LARGE else None
    db.session.add(reply)
    try:
        db.session.commit()
    except IntegrityError:
        # Another reader processed the same message meanwhile: theirs stands.
        db.session.rollback()
        existing = find(key)
        if existing is None:
            raise
        return Processed(existing, new=False)
    return Processed(reply, new=True)


def held_replies() -> list[InboundReply]:
    """Return the replies waiting for a coordinator, oldest first (one query)."""
    return list(db.session.scalars(
        select(InboundReply).where(InboundReply.status == ReplyStatus.HELD)
        .options(joinedload(InboundReply.action))
        .order_by(InboundReply.received_at, InboundReply.id)))


def _handled(reply: InboundReply, actor: User, status: ReplyStatus) -> None:
    if reply.status != ReplyStatus.HELD:
        raise AlreadyHandled()
    reply.status = status
    reply.handled_by = actor
    reply.handled_at = utcnow()


def assign(actor: User, reply: InboundReply, action: Action) -> list[str]:
    """Record a held reply on `action` in the name of `actor` (a coordinator), naming its
    sender, with the files that pass the evidence checks; return why the others were left.

    The status its first line proposes is not applied: a coordinator's word would validate
    a completion nobody checked. Raises `AlreadyHandled` or the refusals of `record_update`.
    """
    if reply.status != ReplyStatus.HELD:
        raise AlreadyHandled()
    files, refusals = [], []
    if reply.raw:
        _message, reading = parse(reply.raw)
        files, refusals = check_files(reading.attachments)
        files = files[:current_app.config["EVIDENCE_MAX_FILES"]]
    comment = _("Reply by email from %(sender)s:", sender=reply.from_address or "?")
    entry = record_update(actor, action, None, Change(
        comment=f"{comment}\n{reply.body}"[:TEXT_MAX_LENGTH], files=files))
    _handled(reply, actor, ReplyStatus.ASSIGNED)
    reply.action_id, reply.update_id, reply.raw = action.id, entry.id, None
    audit.record(actor, "assign", reply, {"action_id": [None, action.id],
                                          "from": reply.from_address})
    return refusals


def refuse(actor: User, reply: InboundReply) -> None:
    """Set a held reply aside; its text stays listed as refused. Raises `AlreadyHandled`."""
    _handled(reply, actor, ReplyStatus.REFUSED)
    reply.raw = None
    db.session.flush()
    audit.record(actor, "refuse", reply, {"from": reply.from_address})
