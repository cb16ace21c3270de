"""The action-call timeout the Rasa server gets from ACTION_TIMEOUT_SECONDS."""

import asyncio
import time

import aiohttp
import pytest
import rasa.core.actions.action

from channels.action_timeout import action_call_timeout, action_timeout_seconds
from channels.rest import GuardedRestInput


@pytest.mark.parametrize(
    ("value", "seconds"),
    [(None, 5.0), ("", 5.0), ("2.5", 2.5), ("30", 30.0), ("soon", 5.0), ("0", 5.0), ("-3", 5.0)],
)
def test_timeout_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch, value: str, seconds: float) -> None:
    if value is None:
        monkeypatch.delenv("ACTION_TIMEOUT_SECONDS", raising=False)
    else:
        monkeypatch.setenv("ACTION_TIMEOUT_SECONDS", value)
    assert action_timeout_seconds() == seconds


def test_building_the_rest_channel_sets_rasas_action_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rasa.core.actions.action, "DEFAULT_REQUEST_TIMEOUT", 300)  # restored afterwards
    monkeypatch.setenv("ACTION_TIMEOUT_SECONDS", "4")
    GuardedRestInput.from_credentials(None)
    timeout = rasa.core.actions.action.DEFAULT_REQUEST_TIMEOUT
    assert isinstance(timeout, aiohttp.ClientTimeout)
    assert (timeout.sock_connect, timeout.sock_read, timeout.total) == (4.0, 4.0, 60.0)


async def test_a_silent_server_times_out_after_the_read_limit() -> None:
    """aiohttp applies the limit the way Rasa calls it: ``timeout=`` on the request."""

    async def never_answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(30)

    server = await asyncio.start_server(never_answer, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    started = time.monotonic()
    async with aiohttp.ClientSession() as session:
        with pytest.raises(asyncio.TimeoutError):
            await session.post(f"http://127.0.0.1:{port}/webhook", json={}, timeout=action_call_timeout(0.5))
    assert time.monotonic() - started < 2
    server.close()
