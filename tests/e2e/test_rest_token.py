"""REST on a server that listens beyond loopback: only callers with the bearer token get in.

One extra Rasa server for this module, bound to this machine's non-loopback address with only
the REST channel and ``REST_TOKEN`` set; it shares the session's action server.
"""

import socket
import uuid
from pathlib import Path
from typing import Dict, Iterator, Optional

import pytest
import requests
import yaml

from tests.servers import Server, start_rasa

TOKEN = f"rest-token-{uuid.uuid4().hex}"


def non_loopback_address() -> Optional[str]:
    """This machine's address on its default route, or None without one."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            # A UDP "connect" only picks the route; nothing is sent (203.0.113.0/24 is for documentation).
            probe.connect(("203.0.113.1", 9))
        except OSError:
            return None
        address = str(probe.getsockname()[0])
    return None if address.startswith("127.") or address == "0.0.0.0" else address


@pytest.fixture(scope="module")
def exposed_rasa(
    tmp_path_factory: pytest.TempPathFactory, stack_env: Dict[str, str], action_server: Server
) -> Iterator[Server]:
    address = non_loopback_address()
    if address is None:
        pytest.skip("this machine has no non-loopback IPv4 address")
    folder: Path = tmp_path_factory.mktemp("exposed")
    credentials = folder / "credentials.yml"
    credentials.write_text(yaml.safe_dump({"channels.rest.GuardedRestInput": None}))
    env = {**stack_env, "TRACKER_STORE_URL": f"sqlite:///{folder / 'trackers.db'}", "REST_TOKEN": TOKEN}
    server = start_rasa(folder, env, credentials, interface=address)
    yield server
    server.stop()


def post(server: Server, headers: Dict[str, str], **params: str) -> requests.Response:
    return requests.post(f"{server.url}/webhooks/rest/webhook", json={"sender": "outsider", "message": "hi"},
                         headers=headers, params=params, timeout=60)


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong-token-0123456789"}, {"Authorization": f"Bearer {TOKEN[:-1]}"},
     {"Authorization": TOKEN}, {"Authorization": f"Basic {TOKEN}"}, {"Authorization": "Bearer "},
     {"X-Rest-Token": TOKEN}],
    ids=["none", "wrong", "truncated", "no-scheme", "basic", "empty", "other-header"],
)
def test_without_the_right_bearer_token_rest_answers_401(exposed_rasa: Server, headers: Dict[str, str]) -> None:
    reply = post(exposed_rasa, headers)
    assert reply.status_code == 401
    assert reply.headers["WWW-Authenticate"] == "Bearer"
    assert "Bearer" in reply.json()["error"]


def test_a_token_in_the_query_string_is_not_accepted(exposed_rasa: Server) -> None:
    assert post(exposed_rasa, {}, token=TOKEN).status_code == 401


def test_with_the_token_rest_answers(exposed_rasa: Server) -> None:
    reply = post(exposed_rasa, {"Authorization": f"Bearer {TOKEN}"})
    assert reply.status_code == 200
    assert "not a doctor" in " ".join(m.get("text", "") for m in reply.json()).lower()


def test_the_health_route_needs_no_token(exposed_rasa: Server) -> None:
    assert requests.get(f"{exposed_rasa.url}/webhooks/rest/", timeout=10).json() == {"status": "ok"}


def test_the_server_log_says_the_token_is_required(exposed_rasa: Server) -> None:
    assert "REST webhook: Authorization: Bearer REST_TOKEN required." in exposed_rasa.log.read_text()
