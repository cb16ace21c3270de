"""The REST channel's door: open on loopback, a bearer token when set, off beyond loopback without one."""

from types import SimpleNamespace
from typing import Any, Dict, Optional

import pytest
from rasa.shared.exceptions import RasaException

from channels.rest import GuardedRestInput
from channels.rest_access import RestAccess

TOKEN = "rest-token-0123456789abcdef"


def request(authorization: Optional[str] = None) -> Any:
    headers: Dict[str, str] = {"Authorization": authorization} if authorization is not None else {}
    return SimpleNamespace(headers=headers, remote_addr="192.0.2.9", ip="192.0.2.9")


async def started(channel: GuardedRestInput, bound: str) -> GuardedRestInput:
    """Run the channel's start hook as Sanic would for a server bound to ``bound``."""

    async def on_new_message(_: Any) -> None:
        return None

    listeners = channel.blueprint(on_new_message)._future_listeners
    [hook] = [listener for listener in listeners if listener.event == "before_server_start"]
    await hook.listener(SimpleNamespace(state=SimpleNamespace(host=bound)), None)
    return channel


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    monkeypatch.delenv("REST_TOKEN", raising=False)
    monkeypatch.setenv("RASA_INTERFACE", "127.0.0.1")
    return monkeypatch


async def test_on_loopback_without_a_token_local_callers_get_in(env: pytest.MonkeyPatch) -> None:
    channel = await started(GuardedRestInput.from_credentials(None), "127.0.0.1")
    assert channel.access is RestAccess.OPEN and channel.refused(request()) is None


@pytest.mark.parametrize(("interface", "bound"), [("0.0.0.0", "0.0.0.0"), ("127.0.0.1", "0.0.0.0"),
                                                  ("192.0.2.2", "192.0.2.2")])
async def test_beyond_loopback_without_a_token_rest_is_off(env: pytest.MonkeyPatch, interface: str,
                                                           bound: str) -> None:
    env.setenv("RASA_INTERFACE", interface)
    channel = await started(GuardedRestInput.from_credentials(None), bound)
    assert channel.access is RestAccess.OFF
    for authorization in (None, f"Bearer {TOKEN}"):
        refused = channel.refused(request(authorization))
        assert refused is not None and refused.status == 403


@pytest.mark.parametrize("bound", ["127.0.0.1", "0.0.0.0"])
async def test_with_a_token_every_call_needs_it(env: pytest.MonkeyPatch, bound: str) -> None:
    env.setenv("REST_TOKEN", TOKEN)
    channel = await started(GuardedRestInput.from_credentials(None), bound)
    assert channel.refused(request(f"Bearer {TOKEN}")) is None
    for authorization in (None, "Bearer nope", TOKEN):
        refused = channel.refused(request(authorization))
        assert refused is not None and refused.status == 401


def test_a_short_token_stops_the_start(env: pytest.MonkeyPatch) -> None:
    env.setenv("REST_TOKEN", "short")
    with pytest.raises(RasaException, match="at least 16"):
        GuardedRestInput.from_credentials(None)
