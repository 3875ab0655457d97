"""Bearer secrets: API tokens and private calendar links, stored only as a digest.

Whoever holds such a secret acts or reads as its owner. Only its SHA-256 digest is kept,
so a copy of the database or of a backup yields no working secret; the price is that a
secret can be shown only once, right after it is made. A plain, unsalted digest is
enough: the secret carries 256 random bits, so there is nothing to guess, and it lets
each request find its owner with one indexed lookup.
"""

from __future__ import annotations

import hashlib
import secrets

SECRET_BYTES = 32
# A secret is under 50 characters; anything far longer is junk, refused before hashing.
MAX_SECRET_LENGTH = 100


def new_secret(prefix: str = "") -> str:
    """Return a new random secret, starting with `prefix`."""
    return prefix + secrets.token_urlsafe(SECRET_BYTES)


def digest(secret: str) -> str:
    """Return the stored form of `secret`: its SHA-256 digest in hexadecimal."""
    return hashlib.sha256(secret.encode()).hexdigest()


def lookup_digest(secret: str | None) -> str | None:
    """Return the digest to look `secret` up by, or None when it cannot be one (empty or
    far too long)."""
    if not secret or len(secret) > MAX_SECRET_LENGTH:
        return None
    return digest(secret)
