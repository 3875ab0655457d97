"""The signed reference each email carries, which a reply brings back.

An email's reference is its outbox row's UUID with an HMAC of it, keyed by SECRET_KEY:
`<uuid as 32 hex digits>-<20 hex digits of HMAC-SHA256>`. Nothing of the signature is
stored, so a copy of the database cannot forge one. It goes out twice: in the Reply-To
address (`replies+<reference>@domain`, when MAIL_REPLY_ADDRESS is set) and in the
References header, which mail clients copy into a reply's References. Hexadecimal only:
some servers fold the case of addresses.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import uuid

from flask import current_app

SALT = b"tracker.reply-reference:"
REFERENCE_RE = re.compile(r"(?<![0-9a-f])([0-9a-f]{32})-([0-9a-f]{20})(?![0-9a-f])", re.I)


def _mac(message_uuid: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, SALT + uuid.UUID(message_uuid).hex.encode(),
                    hashlib.sha256).hexdigest()[:20]


def sign(message_uuid: str) -> str:
    """Return the signed reference of the email whose outbox row has `message_uuid`."""
    return f"{uuid.UUID(message_uuid).hex}-{_mac(message_uuid)}"


def headers(message_uuid: str, sender: str) -> dict[str, str]:
    """Return the headers that carry an email's reference: References, and Reply-To when
    a reply address is configured."""
    reference = sign(message_uuid)
    domain = sender.rpartition("@")[2].strip(" >") or "tracker.local"
    result = {"References": f"<{reference}@{domain}>"}
    address = current_app.config.get("MAIL_REPLY_ADDRESS", "")
    if address:
        local, _, address_domain = address.partition("@")
        result["Reply-To"] = f"{local}+{reference}@{address_domain}"
    return result


def found_in(text: str) -> list[tuple[str, bool]]:
    """Return the references in `text` (header values), each as (outbox UUID, signed by us)."""
    found = []
    for match in REFERENCE_RE.finditer(text or ""):
        message_uuid = str(uuid.UUID(match.group(1).lower()))
        found.append((message_uuid, hmac.compare_digest(_mac(message_uuid),
                                                        match.group(2).lower())))
    return found
