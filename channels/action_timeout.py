"""How long the Rasa server waits for the action server: seconds, not Rasa's five minutes.

Rasa 3.6 calls the action server with ``timeout=DEFAULT_REQUEST_TIMEOUT`` (300 s), read from
the module ``rasa.core.actions.action`` at every call; neither ``endpoints.yml`` nor the command
line can change it (``EndpointConfig`` keeps unknown keys such as ``timeout`` but never uses
them). A user whose action server hangs would wait five minutes for nothing, so the servers of
this project replace that module value when Rasa builds our REST channel, from
``ACTION_TIMEOUT_SECONDS`` (default 5). On timeout Rasa logs the failure, the turn ends without
the action's reply and the channel answers with its apology.

The limit is on connecting and on each wait for the action server's answer (aiohttp's
``sock_connect`` / ``sock_read``), not on the call's total wall time: a Rasa server runs its
models on the thread that also reads sockets, so under load a total limit would fire on answers
that had arrived in milliseconds but were read late (measured here: session starts lost in a
10-conversation burst). A one-minute total stays as a backstop.
"""

import logging

import aiohttp

from backcare import settings

logger = logging.getLogger(__name__)

DEFAULT_ACTION_TIMEOUT_SECONDS = settings.DEFAULT_ACTION_TIMEOUT_SECONDS
BACKSTOP_SECONDS = 60.0


def action_timeout_seconds() -> float:
    """The timeout from ``ACTION_TIMEOUT_SECONDS``, or the default for an unset, invalid or non-positive value."""
    return settings.action_timeout_seconds()


def action_call_timeout(seconds: float) -> aiohttp.ClientTimeout:
    """What Rasa passes to aiohttp for each action call: ``seconds`` to connect and per read."""
    return aiohttp.ClientTimeout(total=max(BACKSTOP_SECONDS, seconds), sock_connect=seconds, sock_read=seconds)


def apply_action_timeout() -> float:
    """Make Rasa's calls to the action server give up after ``action_timeout_seconds()``.

    Returns:
        The timeout now in force, in seconds.
    """
    import rasa.core.actions.action

    seconds = action_timeout_seconds()
    rasa.core.actions.action.DEFAULT_REQUEST_TIMEOUT = action_call_timeout(seconds)
    logger.info(f"Calls to the action server time out after {seconds:g} s without an answer.")
    return seconds
