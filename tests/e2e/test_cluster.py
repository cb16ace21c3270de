"""The scale-out stack under load and faults: real PostgreSQL, Redis, action server, two replicas.

One cluster serves the session (tests/e2e/conftest.py; starting a Rasa server is most of the
cost). Tests that break something put it back, and the test that kills a replica runs last (a
later test asking for the cluster gets the replica started again).
"""

import asyncio
import socket
import threading
import time
import uuid
from typing import Callable, List

import aiohttp
import jwt
import pytest
import requests

from channels.guard import APOLOGY
from scripts.load_runner import TurnRecord, run_load
from scripts.stack_checks import (
    action_failures,
    check_checkins,
    check_conversation,
    check_trackers,
    lock_failures,
    log_offsets,
    stored_turns,
)
from tests.cluster import JWT_SECRET, Cluster
from tests.servers import Conversation

HEAT_QUESTION = "i hurt my back yesterday, can i put a heating pad on it?"


def chat(cluster: Cluster, replica: int = 0) -> Conversation:
    return Conversation(cluster.urls[replica], f"cluster-{uuid.uuid4().hex[:8]}")


def user_texts(cluster: Cluster, sender: str) -> List[str]:
    return [text for kind, text in stored_turns(cluster.postgres.url, [sender])[sender] if kind == "user"]


def assert_clean_load(cluster: Cluster, conversations: int, turns: int, during: Callable[[], None] = lambda: None,
                      after_turns: int = 0) -> None:
    """Run a load; ``during`` runs in a thread once ``after_turns`` turns are done. Nothing may go wrong."""
    offsets = log_offsets([r.log for r in cluster.replicas])
    fault = threading.Thread(target=during)

    def on_turn(_: TurnRecord, done: List[int] = [0]) -> None:  # noqa: B006 - a counter shared by the calls
        done[0] += 1
        if done[0] == after_turns:
            fault.start()

    result = asyncio.run(run_load(cluster.urls, conversations, turns, on_turn=on_turn))
    if fault.ident is not None:  # it was started
        fault.join()
    assert [t for t in result.turns if not t.ok] == []
    assert len(result.turns) == conversations * turns
    assert check_trackers(cluster.postgres.url, result) == {}
    assert check_checkins(cluster.postgres.url, result).problems == {}
    assert lock_failures(offsets) == []
    assert action_failures(offsets) == []
    assert {t.replica for t in result.turns} == set(cluster.urls), "every replica took turns"


def test_short_load_stores_every_turn_once_in_order(cluster: Cluster) -> None:
    assert_clean_load(cluster, conversations=10, turns=5)


def test_simultaneous_messages_to_two_replicas_take_turns(cluster: Cluster) -> None:
    """A double send (two tabs, an impatient retry) to both replicas: one turn after the other."""

    async def double_send(sender: str) -> None:
        async with aiohttp.ClientSession() as session:

            async def post(url: str, text: str) -> None:
                async with session.post(f"{url}/webhooks/rest/webhook", json={"sender": sender, "message": text}) as r:
                    assert r.status == 200 and APOLOGY not in str(await r.json())

            await post(cluster.urls[0], "hi")
            await asyncio.gather(post(cluster.urls[0], "how do i use a foam roller"),
                                 post(cluster.urls[1], "is walking good for lower back pain"))

    senders = [f"double-{uuid.uuid4().hex[:8]}" for _ in range(8)]

    async def all_of_them() -> None:
        await asyncio.gather(*(double_send(s) for s in senders))

    asyncio.run(all_of_them())
    stored = stored_turns(cluster.postgres.url, senders)
    for sender in senders:
        texts = [text for kind, text in stored[sender] if kind == "user"]
        assert sorted(texts[1:]) == ["how do i use a foam roller", "is walking good for lower back pain"], sender
        # Each user message is answered before the next one is read: no interleaving. (The session
        # start may greet before the first user message.)
        kinds = [kind for kind, _ in stored[sender]]
        kinds = kinds[kinds.index("user"):]
        assert [k for i, k in enumerate(kinds) if i == 0 or k != kinds[i - 1]] == ["user", "bot"] * 3, (sender, kinds)


def test_postgres_restart_mid_load_loses_nothing(cluster: Cluster) -> None:
    talk = chat(cluster)
    assert "48 hours" in talk.text(HEAT_QUESTION)
    assert_clean_load(cluster, conversations=6, turns=5, during=cluster.postgres.restart, after_turns=8)
    # The conversation from before the restart still has its context.
    assert "inflam" in Conversation(cluster.urls[1], talk.sender).text("why?")
    assert user_texts(cluster, talk.sender) == [HEAT_QUESTION, "why?"]


def test_redis_restart_mid_load_loses_nothing(cluster: Cluster) -> None:
    assert_clean_load(cluster, conversations=6, turns=5, during=cluster.redis.restart, after_turns=8)


def test_action_server_down_apologises_then_recovers(cluster: Cluster) -> None:
    talk = chat(cluster)
    assert "not a doctor" in talk.text("hi")
    assert cluster.actions is not None
    cluster.actions.stop()
    try:
        assert talk.say("how do i use a foam roller")[0]["text"] == APOLOGY
    finally:
        cluster.start_actions()
    assert "foam roll" in talk.text("how do i use a foam roller")
    assert "48 hours" in talk.text(HEAT_QUESTION)


def test_hanging_action_server_times_out_in_seconds(cluster: Cluster) -> None:
    """An action server that accepts connections and never answers costs seconds, not 300."""
    talk = chat(cluster)
    assert "not a doctor" in talk.text("hi")
    assert cluster.actions is not None
    cluster.actions.stop()
    with socket.socket() as black_hole:
        black_hole.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        black_hole.bind(("127.0.0.1", cluster.action_port))
        black_hole.listen(64)
        try:
            started = time.monotonic()
            reply = talk.say("how do i use a foam roller")
            took = time.monotonic() - started
        finally:
            black_hole.close()
            cluster.start_actions()
    assert reply[0]["text"] == APOLOGY
    assert 4.5 < took < 10, f"the turn took {took:.1f} s; ACTION_TIMEOUT_SECONDS defaults to 5"
    assert "foam roll" in talk.text("how do i use a foam roller")


def test_http_api_is_off_by_default(cluster: Cluster) -> None:
    assert requests.get(f"{cluster.urls[0]}/status", timeout=10).status_code == 404
    assert requests.get(f"{cluster.urls[0]}/conversations/someone/tracker", timeout=10).status_code == 404


def test_http_api_accepts_only_jwt(cluster: Cluster) -> None:
    api = cluster.urls[1]
    talk = chat(cluster, replica=1)
    talk.text("hi")

    def token(username: str, role: str, secret: str = JWT_SECRET) -> dict:
        claims = {"user": {"username": username, "role": role}, "exp": int(time.time()) + 60}
        return {"Authorization": f"Bearer {jwt.encode(claims, secret, algorithm='HS256')}"}

    assert requests.get(f"{api}/status", timeout=10).status_code == 401
    # A query-string token (--auth-token style) is not accepted, whatever its value.
    assert requests.get(f"{api}/status", params={"token": JWT_SECRET}, timeout=10).status_code == 401
    assert requests.get(f"{api}/status", headers=token("ops", "admin", "wrong-secret"), timeout=10).status_code == 401
    assert requests.get(f"{api}/status", headers=token("ops", "admin"), timeout=10).status_code == 200
    # A user token reads only its own conversation.
    conversation = f"rest:{talk.sender}"
    own = requests.get(f"{api}/conversations/{conversation}/tracker", headers=token(conversation, "user"), timeout=10)
    assert own.status_code == 200 and own.json()["sender_id"] == conversation
    other = requests.get(f"{api}/conversations/{conversation}/tracker", headers=token("someone-else", "user"),
                         timeout=10)
    assert other.status_code == 403


def test_no_cors_for_other_origins(cluster: Cluster) -> None:
    reply = requests.post(f"{cluster.urls[1]}/webhooks/rest/webhook", json={"sender": "cors-check", "message": "hi"},
                          headers={"Origin": "https://evil.example"}, timeout=30)
    assert reply.status_code == 200
    assert "Access-Control-Allow-Origin" not in reply.headers


def non_loopback_address() -> str:
    """This machine's address on its default route, or skip when it has only loopback."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # no packet is sent for a UDP connect
        except OSError:
            pytest.skip("no network interface besides loopback")
        address = str(probe.getsockname()[0])
    if address.startswith("127.") or address == "0.0.0.0":
        pytest.skip("no network interface besides loopback")
    return address


def test_servers_listen_on_loopback_only(cluster: Cluster) -> None:
    address = non_loopback_address()
    ports = {
        "action server": cluster.action_port,
        "PostgreSQL": cluster.postgres.port,
        "Redis": cluster.redis.port,
        **{f"Rasa {url}": int(url.rsplit(":", 1)[1]) for url in cluster.urls},
    }
    for name, port in ports.items():
        with socket.socket() as client:
            client.settimeout(3)
            assert client.connect_ex((address, port)) != 0, f"{name} answers on {address}:{port}"
        with socket.create_connection(("127.0.0.1", port), timeout=3):
            pass  # and it does listen on loopback


def test_killed_replica_mid_load_loses_no_conversation(cluster: Cluster) -> None:
    """Runs last: kills replica 1 (SIGKILL) while both serve; the survivor takes over."""
    offsets = log_offsets([r.log for r in cluster.replicas])
    victim = cluster.replicas[1]
    killed_at: List[int] = []

    def on_turn(_: TurnRecord, done: List[int] = [0]) -> None:  # noqa: B006 - a counter shared by the calls
        done[0] += 1
        if done[0] == 15:
            victim.process.kill()
            killed_at.append(done[0])

    result = asyncio.run(run_load(cluster.urls, conversations=10, turns=6, on_turn=on_turn))
    assert killed_at and victim.process.wait(timeout=10) == -9
    assert [t for t in result.turns if not t.ok] == []
    assert len(result.turns) == 60
    # Turns finished well after the kill (a margin for answers already on their way) came from replica 0.
    after = result.turns[killed_at[0] + 10:]
    assert after and {t.replica for t in after} == {cluster.urls[0]}
    assert check_trackers(cluster.postgres.url, result) == {}
    assert lock_failures(offsets) == []
    assert action_failures(offsets) == []


def test_check_conversation_finds_lost_duplicated_and_unanswered_turns() -> None:
    sent = ["a", "b", "c"]
    good = [("user", "a"), ("bot", "1"), ("user", "b"), ("bot", "2"), ("user", "c"), ("bot", "3")]
    assert check_conversation(sent, good) == []
    assert check_conversation(sent, good[:4]) == ["1 of 3 messages missing, from 'c' on"]
    duplicated = good[:2] + good[:2] + good[2:]
    assert check_conversation(sent, duplicated) == ["unexpected user message 'a' after message 0"]
    # A message re-sent after a replica dropped it may be stored twice, once.
    assert check_conversation(sent, duplicated, resent={0}) == []
    assert check_conversation(sent, [("user", "a"), ("user", "b"), ("bot", "2"), ("user", "c"), ("bot", "3")]) == [
        "user message 0 has no bot reply"
    ]
