"""Diner credentials: random tokens stored hashed, and sealing a token for another service."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from cryptography.fernet import Fernet, InvalidToken


def new_token(prefix: str) -> str:
    """A random bearer token; the prefix tells a reader which kind it is (pty_, bk_)."""
    return f"{prefix}_{secrets.token_urlsafe(32)}"


def hash_token(token: str) -> str:
    # Tokens carry 256 random bits, so a fast hash is safe; passwords use argon2 instead.
    return hashlib.sha256(token.encode()).hexdigest()


def token_matches(token: str, stored_hash: str) -> bool:
    return hmac.compare_digest(hash_token(token), stored_hash)


def _fernet(key: str) -> Fernet:
    digest = hashlib.sha256(b"maitred-seal:" + key.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def seal(token: str, key: str) -> str:
    """Encrypt a token so it can travel in an event to the one service that needs it."""
    return _fernet(key).encrypt(token.encode()).decode()


def unseal(sealed: str, key: str) -> str | None:
    try:
        return _fernet(key).decrypt(sealed.encode()).decode()
    except InvalidToken:
        return None
