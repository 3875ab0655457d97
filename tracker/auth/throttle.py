"""Sign-in throttling that slows a guesser down without locking the owner out.

Failed sign-ins are counted in the rate limiter's storage (Redis in production, so that
every worker counts together), in two counters:

- per account *and* address (`LOGIN_LIMIT_PER_ACCOUNT`): after a few failures for an
  account, its guesser's address is refused for that account for a while, but the
  owner, from any other address, still signs in. A counter that blocked the account from
  everywhere would let anyone keep an administrator out. The counter is also keyed by
  the password (a digest of its hash), so a new password, chosen through a reset link or
  set by an administrator, starts the counters afresh from every address: the owner can
  always lift the block;
- per address (`LOGIN_LIMIT_PER_ADDRESS`): one address guessing many accounts is refused
  for all of them. A new password does not lift this one, or a guesser could lift it by
  resetting the password of an account of their own.

A refused attempt is answered before the password is checked, so the refusal says
nothing about the password, and the same for unknown and known addresses. An IPv6
client is counted by its /64 network, which one subscriber usually holds whole.
"""

from __future__ import annotations

import ipaddress
import math
import time
from dataclasses import dataclass

from flask import current_app, request
from limits import RateLimitItem, parse

from tracker.extensions import limiter
from tracker.models import User


@dataclass(frozen=True)
class Refusal:
    """Sign-ins refused from this address: for one account only, or for every account."""

    retry_after: int
    every_account: bool


def client_address() -> str:
    """Return the address to count the request under: the client's, or its IPv6 /64.

    `request.remote_addr` is the proxy's `X-Forwarded-For` only when `TRACKER_PROXY_FIX`
    is on; otherwise a forged header changes nothing.
    """
    address = request.remote_addr or ""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)


def _counters(email: str, user: User | None) -> list[tuple[RateLimitItem, tuple[str, ...]]]:
    address = client_address()
    password = user.password_fingerprint() if user is not None else "-"
    config = current_app.config
    return [
        (parse(config["LOGIN_LIMIT_PER_ACCOUNT"]),
         ("tracker-login-account", email, address, password)),
        (parse(config["LOGIN_LIMIT_PER_ADDRESS"]), ("tracker-login-address", address)),
    ]


def _storage_failed(operation: str) -> bool:
    """Log a failure of the counters' storage; tell whether to go on without them.

    Same choice as the rate limiter's (RATELIMIT_SWALLOW_ERRORS): without its storage,
    sign-ins go on unthrottled rather than stop for everyone.
    """
    current_app.logger.exception("sign-in throttling storage failed (%s)", operation)
    return bool(current_app.config.get("RATELIMIT_SWALLOW_ERRORS"))


def refusal(email: str, user: User | None) -> Refusal | None:
    """Return why sign-ins for `email` from this address are refused now, or None."""
    strategy = limiter.limiter
    try:
        for index, (item, key) in enumerate(_counters(email, user)):
            if not strategy.test(item, *key):
                reset_at = strategy.get_window_stats(item, *key).reset_time
                wait = max(1, math.ceil(reset_at - time.time()))
                return Refusal(retry_after=wait, every_account=index == 1)
    except Exception:
        if not _storage_failed("test"):
            raise
    return None


def record_failure(email: str, user: User | None) -> None:
    """Count a failed sign-in for `email` from this address."""
    strategy = limiter.limiter
    try:
        for item, key in _counters(email, user):
            strategy.hit(item, *key)
    except Exception:
        if not _storage_failed("hit"):
            raise


def record_success(email: str, user: User) -> None:
    """Forget the failures for this account from this address (a typo is no attack)."""
    strategy = limiter.limiter
    try:
        item, key = _counters(email, user)[0]
        strategy.clear(item, *key)
    except Exception:
        if not _storage_failed("clear"):
            raise
