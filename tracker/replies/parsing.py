"""Reading a reply: its own words (without the quoted email and the signature), the status
its first line proposes, and its attached files."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses, parseaddr

from mailparser_reply import EmailReplyParser

from tracker.models import Status
from tracker.text import without_refused

# mail-parser-reply cuts at the French and English "On … wrote:" lines and Outlook header
# blocks; these cut what it leaves: quoted lines, a "-- " signature, the Arabic header.
QUOTE_START_RE = re.compile(r"^\s*>")
SIGNATURE_RE = re.compile(r"^--\s*$")
ARABIC_WROTE_RE = re.compile(r"^.*\bكتب\b.*:\s*$|^في .*كتب")
OUTLOOK_RE = re.compile(r"^\s*(?:De|From|من)\s*:\s*\S", re.I)
OUTLOOK_NEXT_RE = re.compile(
    r"^\s*(?:Envoyé|Sent|Date|À|To|Objet|Subject|Cc|أرسل|إلى|الموضوع)\s*:", re.I)

_WORD_END = r"(?![^\W\d_])"
_NUMBER = r"(?:[\s:,.–-]*(?P<progress>\d{1,3})\s*(?:%|٪|pour\s*cent|percent)?)?"
STATUS_WORDS = (
    (Status.COMPLETED, re.compile(
        r"^(?:termin[ée]e?s?|achev[ée]e?s?|r[ée]alis[ée]e?s?|done|completed?|finished|"
        r"منجزة?|تم(?:\s+ال)?إنجازه?|أنجزت?|اكتمل)" + _WORD_END, re.I)),
    (Status.IN_PROGRESS, re.compile(
        r"^(?:en\s+cours|in\s+progress|started|commenc[ée]e?|قيد\s+الإنجاز|قيد\s+التنفيذ|جار(?:ية|ي)?)"
        + _WORD_END + _NUMBER, re.I)),
    (Status.BLOCKED, re.compile(
        r"^(?:bloqu[ée]e?s?|blocked|stuck|متعثرة?|معطلة?|متوقفة?)" + _WORD_END + _NUMBER, re.I)),
)


@dataclass
class Attachment:
    """A file attached to a reply, as its sender named it."""

    filename: str
    data: bytes


@dataclass
class Reading:
    """What a reply says and brings."""

    message_id: str
    sender: str  # the From address, lower case
    subject: str
    text: str  # the sender's own words
    status: Status | None = None
    progress: int | None = None
    attachments: list[Attachment] = field(default_factory=list)
    reference_headers: str = ""  # the headers a reference may be found in
    automatic: bool = False  # an out-of-office reply, a delivery report


def is_automatic(message: EmailMessage) -> bool:
    """Tell whether a message was sent by a program: an out-of-office reply or a delivery
    report (RFC 3834's Auto-Submitted, and the headers older responders set instead)."""
    auto_submitted = str(message.get("Auto-Submitted", "no")).strip().lower()
    precedence = str(message.get("Precedence", "")).strip().lower()
    return (auto_submitted not in ("", "no")
            or precedence in ("auto_reply", "bulk", "junk", "list")
            or any(name in message for name in ("X-Autoreply", "X-Autorespond",
                                                 "X-Auto-Response-Suppress-Reply"))
            or message.get_content_type() == "multipart/report"
            or not str(message.get("Return-Path", "x")).strip("<> "))


def own_words(text: str) -> str:
    """Return the words the sender wrote: without the quoted email, nor the signature."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    try:
        text = EmailReplyParser(languages=["fr", "en"]).parse_reply(text=text) or text
    except Exception:  # a parser failure must not lose the reply: keep the whole text
        pass
    kept: list[str] = []
    lines = text.split("\n")
    for index, line in enumerate(lines):
        following = lines[index + 1] if index + 1 < len(lines) else ""
        if QUOTE_START_RE.match(line) or SIGNATURE_RE.match(line) or (
                ARABIC_WROTE_RE.match(line)) or (
                OUTLOOK_RE.match(line) and OUTLOOK_NEXT_RE.match(following)):
            break
        kept.append(line)
    return "\n".join(kept).strip()


def proposed_status(text: str) -> tuple[Status | None, int | None]:
    """Return the status and progress the first line of `text` proposes, if it starts with
    a status word ("terminé", "done", "منجز", "en cours 60 %", "bloqué")."""
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    first = first.lstrip("*_ \u200f\u200e")
    for status, pattern in STATUS_WORDS:
        match = pattern.match(first)
        if match:
            number = match.groupdict().get("progress")
            progress = int(number) if number is not None else None
            if progress is not None and progress > 100:
                progress = None
            return status, progress
    return None, None


def _plain_text(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain", "html"))
    if body is None:
        return ""
    try:
        content = body.get_content()
    except (LookupError, ValueError):  # an unknown charset: read what can be read
        content = body.get_payload(decode=True).decode("utf-8", errors="replace")
    if body.get_content_type() == "text/html":
        content = re.sub(r"(?is)<(script|style).*?</\1>", " ", content)
        content = re.sub(r"(?i)<br\s*/?>|</p>|</div>", "\n", content)
        content = re.sub(r"<[^>]+>", "", content)
        content = html.unescape(content)
    return content


def parse(raw: bytes) -> tuple[EmailMessage, Reading]:
    """Read a raw email; return the message and what it says."""
    message = BytesParser(policy=policy.default).parsebytes(raw)
    sender = without_refused(parseaddr(str(message.get("From", "")))[1]).strip().lower()
    text = without_refused(own_words(_plain_text(message)), multiline=True)
    status, progress = proposed_status(text)
    attachments = []
    for part in message.iter_attachments():
        if part.get_content_disposition() != "attachment":
            continue  # inline pictures: a signature's logo, not evidence
        data = part.get_payload(decode=True) or b""
        name = without_refused(part.get_filename() or "").strip() or "attachment"
        attachments.append(Attachment(name, data))
    references = []
    for name in ("To", "Cc", "Delivered-To", "X-Original-To", "Envelope-To"):
        for value in message.get_all(name, []):
            references.extend(addr for _name, addr in getaddresses([str(value)]))
    for name in ("In-Reply-To", "References"):
        references.extend(str(value) for value in message.get_all(name, []))
    return message, Reading(
        message_id=without_refused(str(message.get("Message-ID", ""))).strip()[:255],
        sender=sender, subject=without_refused(str(message.get("Subject", ""))).strip()[:300],
        text=text,
        status=status, progress=progress, attachments=attachments,
        reference_headers="\n".join(references), automatic=is_automatic(message))
