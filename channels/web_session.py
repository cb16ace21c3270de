"""Session ids for the web page that only the server can issue: a random id and its HMAC-SHA256.

The page used to pick its own session id, and knowing someone's id was enough to join their
conversation. Now the server issues ``<id>.<signature>``: ``<id>`` is 128 random bits in hex,
``<signature>`` the HMAC-SHA256 of it under ``WEB_SESSION_SECRET``. The server accepts only ids
it signed, so a visitor reaches a conversation only with the exact id the server gave them;
a forged, unsigned or foreign id gets a fresh conversation instead. The same secret keeps ids
valid across restarts and replicas; without ``WEB_SESSION_SECRET`` the first start generates
one into ``var/web_session_secret`` (0600).
"""

import hashlib
import hmac
import logging
import os
import re
import secrets
import stat
from pathlib import Path
from typing import Optional, Tuple

from backcare import settings

logger = logging.getLogger(__name__)

MIN_SECRET_CHARS = 32
# Binds the key to this use: the same secret could never validate anything else we sign.
_PURPOSE = b"backcare web session v1\x00"
_TOKEN = re.compile(r"([0-9a-f]{32})\.([0-9a-f]{64})")


class SecretError(ValueError):
    """The session secret is too short or its file cannot be used; the message says which."""


class SessionSigner:
    """Issues signed session ids and checks them, under one secret."""

    def __init__(self, secret: bytes) -> None:
        """Sign with ``secret``.

        Args:
            secret: The key, at least :data:`MIN_SECRET_CHARS` bytes.

        Raises:
            SecretError: The secret is shorter than :data:`MIN_SECRET_CHARS`.
        """
        if len(secret) < MIN_SECRET_CHARS:
            raise SecretError(f"WEB_SESSION_SECRET must be at least {MIN_SECRET_CHARS} characters "
                              "(e.g. $(openssl rand -hex 32)).")
        self._secret = secret

    def _signature(self, session: str) -> str:
        return hmac.new(self._secret, _PURPOSE + session.encode("ascii"), hashlib.sha256).hexdigest()

    def issue(self) -> str:
        """A new signed session id, ``<id>.<signature>``, for a new conversation."""
        session = secrets.token_hex(16)
        return f"{session}.{self._signature(session)}"

    def resume_or_issue(self, token: object) -> Tuple[str, str]:
        """The session and signed id to use for what a page sent.

        Args:
            token: What the page sent as ``session_id`` (any JSON value).

        Returns:
            ``(session, signed id)``: those of ``token`` if this server signed it, else of a new
            session.
        """
        session = self.verify(token)
        if session is not None and isinstance(token, str):
            return session, token
        fresh = self.issue()
        return fresh.split(".", 1)[0], fresh

    def verify(self, token: object) -> Optional[str]:
        """The session inside ``token`` if this server signed it, else None.

        Args:
            token: What the page sent as ``session_id`` (any JSON value).

        Returns:
            The ``<id>`` part of a correctly signed token; None for anything else, including a
            well-formed token signed under another secret.
        """
        match = _TOKEN.fullmatch(token) if isinstance(token, str) else None
        if match is None:
            return None
        session, signature = match.groups()
        return session if hmac.compare_digest(signature, self._signature(session)) else None


def load_secret(configured: Optional[str], path: Path) -> bytes:
    """The signing key: ``configured`` if set, else the one kept in ``path``, generated if missing.

    Args:
        configured: ``WEB_SESSION_SECRET``, or None when unset.
        path: Where a generated key lives (``WEB_SESSION_SECRET_FILE``).

    Returns:
        The key's bytes.

    Raises:
        SecretError: The file holds too short a key, or it cannot be read or created.
    """
    if configured is not None:
        return configured.encode("utf-8")
    if not path.exists():
        _create_secret(path)
    return _read_secret(path)


def _create_secret(path: Path) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="ascii") as handle:
            handle.write(secrets.token_hex(32) + "\n")
        try:
            # A hard link appears complete or not at all, and fails if another server starting
            # at the same moment got there first: then both use that one's key.
            os.link(temporary, path)
            logger.info("Generated a web session secret in %s.", path)
        except FileExistsError:
            pass
        finally:
            temporary.unlink()
    except OSError as error:
        raise SecretError(f"Cannot create the web session secret {path}: {error}") from error


def _read_secret(path: Path) -> bytes:
    try:
        if stat.S_IMODE(path.stat().st_mode) & 0o077:
            # Anyone who can read it can sign themselves into any web conversation.
            logger.warning("%s was readable by others; making it 0600.", path)
            path.chmod(0o600)
        secret = path.read_text(encoding="ascii").strip().encode("ascii")
    except (OSError, UnicodeError) as error:
        raise SecretError(f"Cannot read the web session secret {path}: {error}") from error
    if len(secret) < MIN_SECRET_CHARS:
        raise SecretError(f"{path} holds fewer than {MIN_SECRET_CHARS} characters: delete it to generate a new one.")
    return secret


def signer_from_settings() -> SessionSigner:
    """The signer for ``WEB_SESSION_SECRET`` or the generated key (see :func:`load_secret`)."""
    return SessionSigner(load_secret(settings.web_session_secret(), settings.web_session_secret_file()))
