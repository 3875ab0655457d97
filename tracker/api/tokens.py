"""Personal API tokens: created and revoked by their owner, stored only as a digest.

A token is a bearer secret (see `tracker.bearer`) that opens the API as its owner.
"""

from __future__ import annotations

from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from tracker import audit, bearer
from tracker.domain import DomainError
from tracker.extensions import db
from tracker.models import ApiToken, User
from tracker.models.types import utcnow

PREFIX = "trk_"
SHOWN_PREFIX = 12  # "trk_" and 8 characters: enough to tell one's tokens apart
# Recording every use would write on every read; a minute is precise enough to tell
# whether a token is still in use.
LAST_USED_PRECISION = timedelta(minutes=1)
MAX_ACTIVE_TOKENS = 20


class TokenRefused(DomainError):
    """Raised when a token cannot be created; the message is for the user."""


def active_tokens(user: User) -> list[ApiToken]:
    """Return `user`'s tokens that still work, newest first."""
    return list(db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .order_by(ApiToken.id.desc())))


def create_token(actor: User, user: User, name: str) -> tuple[ApiToken, str]:
    """Create an API token for `user` and return it with its secret value.

    The secret is not stored anywhere: show it to the user now or never. Raises
    `TokenRefused` when the name is empty or the user already has too many tokens.
    """
    name = name.strip()
    if not name:
        raise TokenRefused(_l("Give the token a name."))
    if len(active_tokens(user)) >= MAX_ACTIVE_TOKENS:
        raise TokenRefused(_l("You have %(n)d tokens: revoke one you no longer use first.",
                              n=MAX_ACTIVE_TOKENS))
    secret = bearer.new_secret(PREFIX)
    token = ApiToken(user_id=user.id, name=name[:100], token_hash=bearer.digest(secret),
                     prefix=secret[:SHOWN_PREFIX])
    db.session.add(token)
    db.session.flush()
    audit.record(actor, "create_api_token", token,
                 {"name": [None, token.name], "user": [None, user.id]})
    return token, secret


def revoke_token(actor: User, token: ApiToken) -> bool:
    """Revoke `token`; return whether it was still active. The row stays, for the record."""
    if token.revoked_at is not None:
        return False
    token.revoked_at = utcnow()
    db.session.flush()
    audit.record(actor, "revoke_api_token", token, {"revoked": [False, True]})
    return True


def user_for_token(secret: str) -> User | None:
    """Return the active user whose active token is `secret`, or None.

    Notes when the token was last used, at most once a minute, and commits that note at
    once: it is the lookup's own bookkeeping, whatever the request goes on to do.
    """
    hashed = bearer.lookup_digest(secret)
    if hashed is None:
        return None
    token = db.session.scalar(
        select(ApiToken).options(joinedload(ApiToken.user))
        .where(ApiToken.token_hash == hashed))
    if token is None or not token.active or not token.user.active:
        return None
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_PRECISION:
        token.last_used_at = now
        db.session.commit()
    return token.user
