"""The launcher's environments and command lines: what every start of a server gets (nothing is started)."""

import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import pytest

from scripts import servers
from scripts.servers import REPO, Server

Spawned = Tuple[List[str], Dict[str, str], Optional[Path]]


@pytest.fixture
def spawned(monkeypatch: pytest.MonkeyPatch) -> List[Spawned]:
    """Every spawn the launcher makes, recorded instead of run."""
    calls: List[Spawned] = []

    def record(args: List[str], env: Dict[str, str], log: Optional[Path], cwd: Path = REPO) -> None:
        calls.append((list(args), env, log))

    monkeypatch.setattr(servers, "spawn", record)
    return calls


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """No setting the servers read comes from the developer's shell or from `make`."""
    for name in ("ACTION_PORT", "ACTION_ENDPOINT_URL", "TRACKER_STORE_URL", "LOCK_STORE_TYPE", "REDIS_HOST",
                 "REDIS_PORT", "REDIS_DB", "RASA_INTERFACE", "RASA_JWT_SECRET", "REST_TOKEN", "TICKET_LOCK_LIFETIME",
                 "SANIC_REQUEST_MAX_SIZE"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_server_env_fills_in_what_endpoints_yml_reads_as_make_does(clean_env: pytest.MonkeyPatch) -> None:
    env = servers.server_env()
    assert env["ACTION_ENDPOINT_URL"] == "http://127.0.0.1:5055/webhook"
    assert env["TRACKER_STORE_URL"] == f"sqlite:///{REPO / 'var' / 'trackers.db'}"
    assert (env["LOCK_STORE_TYPE"], env["REDIS_HOST"], env["REDIS_PORT"], env["REDIS_DB"]) == (
        "in_memory", "127.0.0.1", "6380", "1")
    assert (env["TICKET_LOCK_LIFETIME"], env["RASA_TELEMETRY_ENABLED"]) == ("20", "false")


def test_server_env_keeps_what_is_set_and_follows_an_action_port(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("TICKET_LOCK_LIFETIME", "33")
    clean_env.setenv("REDIS_PORT", "6399")
    env = servers.server_env(ACTION_PORT="6111", REDIS_DB=None)
    assert (env["TICKET_LOCK_LIFETIME"], env["REDIS_PORT"]) == ("33", "6399")
    assert env["ACTION_ENDPOINT_URL"] == "http://127.0.0.1:6111/webhook"
    assert "REDIS_DB" not in env
    given = servers.server_env(ACTION_PORT="6111", ACTION_ENDPOINT_URL="http://127.0.0.1:7000/webhook")
    assert given["ACTION_ENDPOINT_URL"] == "http://127.0.0.1:7000/webhook"


def test_a_private_stack_ignores_the_shell_s_token_secret_and_store(
    clean_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    clean_env.setenv("REST_TOKEN", "a-token-of-the-developer")
    clean_env.setenv("RASA_JWT_SECRET", "a-secret-of-the-developer")
    clean_env.setenv("TRACKER_STORE_URL", "postgresql://someone@127.0.0.1/theirs")
    env = servers.private_env(tmp_path, CHECKIN_TIME_SCALE="60")
    assert env["REST_TOKEN"] == env["RASA_JWT_SECRET"] == ""
    assert env["TRACKER_STORE_URL"] == f"sqlite:///{tmp_path / 'trackers.db'}"
    assert (env["RASA_INTERFACE"], env["LOCK_STORE_TYPE"]) == ("127.0.0.1", "in_memory")
    assert env["CHECKIN_TIME_SCALE"] == "60"


def test_only_the_rasa_server_gets_the_small_body_limit(
    clean_env: pytest.MonkeyPatch, spawned: List[Spawned], tmp_path: Path
) -> None:
    """Rasa posts whole trackers to the action server: 64 KB there breaks a conversation after ~20 turns."""
    env = servers.private_env(tmp_path)
    servers.start_actions(tmp_path, env, port=5991, wait=False)
    servers.start_rasa(tmp_path, env, tmp_path / "credentials.yml", port=5992, wait=False)
    (actions, actions_env, actions_log), (rasa, rasa_env, rasa_log) = spawned
    assert actions_env["SANIC_REQUEST_MAX_SIZE"] == "100000000"
    assert rasa_env["SANIC_REQUEST_MAX_SIZE"] == "65536"
    assert actions[1:] == ["run", "actions", "--actions", "actions", "--port", "5991"]
    assert (actions_log, rasa_log) == (tmp_path / "actions-5991.log", tmp_path / "rasa-5992.log")
    assert rasa[1:] == [str(servers.RASA_RUN), "run", "--model", str(servers.MODEL),
                        "--endpoints", str(servers.ENDPOINTS), "--credentials", str(tmp_path / "credentials.yml"),
                        "--interface", "127.0.0.1", "--port", "5992"]


@pytest.mark.parametrize(
    "kwargs, present, absent",
    [
        ({}, ["--credentials"], ["--enable-api", "--connector"]),
        ({"connector": "channels.rest.GuardedRestInput"}, ["--connector"], ["--credentials"]),
    ],
)
def test_rasa_args(kwargs: Dict[str, str], present: List[str], absent: List[str]) -> None:
    args = servers.rasa_args(5005, "127.0.0.1", **kwargs)  # type: ignore[arg-type]
    assert set(present) <= set(args) and not set(absent) & set(args)


def test_the_interface_comes_from_the_environment_given(spawned: List[Spawned], tmp_path: Path) -> None:
    server = servers.start_rasa(None, {"RASA_INTERFACE": "::1"}, None, port=5993, connector="x.Y", wait=False)
    args, env, log = spawned[0]
    assert args[args.index("--interface") + 1] == "::1" and env["RASA_INTERFACE"] == "::1" and log is None
    assert server.url == "http://[::1]:5993" and server.port == 5993


def sleeper(seconds: float) -> Server:
    return Server(subprocess.Popen([sys.executable, "-c", f"import time; time.sleep({seconds})"]), "http://127.0.0.1:1")


def test_a_server_that_never_answers_is_stopped_not_left_behind(monkeypatch: pytest.MonkeyPatch) -> None:
    server = sleeper(60)
    monkeypatch.setattr(servers, "wait_for", lambda *_: (_ for _ in ()).throw(TimeoutError("no")))
    with pytest.raises(TimeoutError):
        servers._wait_or_stop(server, "/health", 0.1)
    assert server.process.poll() is not None


def test_wait_for_gives_up_when_the_process_exits() -> None:
    server = sleeper(0)
    server.process.wait()
    with pytest.raises(RuntimeError, match="exited with 0"):
        servers.wait_for(f"http://127.0.0.1:{servers.free_port()}/", 5, server.process)
