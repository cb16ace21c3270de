"""Who may call the REST webhook: it lets the caller name any conversation, so trusted callers only.

A REST caller picks its sender id (and with it a conversation of the ``rest:`` namespace), so on
a server reachable from other machines anyone could read and continue REST conversations.
The rule:

- ``REST_TOKEN`` set: every call needs ``Authorization: Bearer <REST_TOKEN>``, on any interface
  (also behind a reverse proxy on the same machine, where calls come from loopback);
- ``REST_TOKEN`` unset and the server bound to loopback only: open to local callers
  (``make ask``, ``make shell``, the tests);
- ``REST_TOKEN`` unset and the server on any other address: the webhook is off.
"""

import enum
import hmac
import ipaddress
from typing import Iterable, Optional

MIN_TOKEN_CHARS = 16


class RestAccess(enum.Enum):
    """What the webhook asks of a caller."""

    OPEN = "open to local callers"
    TOKEN = "Authorization: Bearer REST_TOKEN required"
    OFF = "off (listening beyond loopback without REST_TOKEN)"


def is_loopback(host: str) -> bool:
    """Whether ``host`` (an address or name the server binds to) is reachable from this machine only."""
    host = host.strip().strip("[]")
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        # Any other name may resolve to a public address: assume it does.
        return False


def rest_access(bound: Iterable[str], token: Optional[str]) -> RestAccess:
    """The rule for a server bound to ``bound`` with ``REST_TOKEN`` ``token``.

    Args:
        bound: Every address the server is known to listen on (``RASA_INTERFACE`` and what Sanic
            was started with); empty or blank ones are skipped.
        token: ``REST_TOKEN``, or None when unset.

    Returns:
        The access rule (see the module docstring).
    """
    if token is not None:
        return RestAccess.TOKEN
    hosts = [host for host in bound if host and host.strip()]
    return RestAccess.OPEN if hosts and all(is_loopback(host) for host in hosts) else RestAccess.OFF


def bearer_matches(token: str, authorization: Optional[str]) -> bool:
    """Whether an ``Authorization`` header carries ``Bearer <token>``, compared in constant time."""
    scheme, _, given = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not given:
        return False
    return hmac.compare_digest(token.encode("utf-8"), given.strip().encode("utf-8"))
