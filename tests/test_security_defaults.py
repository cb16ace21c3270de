"""Security defaults as the launcher starts the servers for make, and as deploy/values.yaml sets the chart."""

import os
import subprocess
from typing import Any, Callable, Dict, List, Tuple

import pytest
import yaml

from scripts import servers
from scripts.servers import REPO, Server


def make_dry_run(target: str, **env: str) -> str:
    """The commands ``make -n target`` would run (nothing is run), with ``env`` added."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("MAKE", "MFLAGS"))}
    environ.pop("RASA_JWT_SECRET", None)
    result = subprocess.run(
        ["make", "-n", "--no-print-directory", target], cwd=REPO, env={**environ, **env},
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def spawned(
    monkeypatch: pytest.MonkeyPatch, start: Callable[..., Server], **env: str
) -> Tuple[List[str], Dict[str, str]]:
    """The command line and environment the launcher starts a server with (nothing is started)."""
    calls: List[Tuple[List[str], Dict[str, str]]] = []
    monkeypatch.setattr(servers, "spawn", lambda args, environ, log, cwd=REPO: calls.append((list(args), environ)))
    monkeypatch.delenv("RASA_JWT_SECRET", raising=False)
    monkeypatch.delenv("RASA_INTERFACE", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    start(None, servers.server_env(), port=5999, wait=False)
    assert len(calls) == 1
    return calls[0]


def test_every_make_target_starts_the_servers_through_the_launcher() -> None:
    for target in ("actions", "rasa", "run", "run-cluster", "shell"):
        lines = make_dry_run(target).splitlines()
        assert any(line.endswith(f"-m scripts.launch {target}") for line in lines), target
        assert not any(" run actions " in line or "/rasa run " in line for line in lines), target


def test_rasa_starts_without_the_http_api_on_loopback_with_small_bodies(monkeypatch: pytest.MonkeyPatch) -> None:
    args, env = spawned(monkeypatch, servers.start_rasa)
    command = " ".join(args)
    assert "--enable-api" not in command and "--auth-token" not in command
    assert "--interface 127.0.0.1" in command
    assert env["SANIC_REQUEST_MAX_SIZE"] == "65536"


def test_a_jwt_secret_turns_the_api_on_with_jwt_only_and_is_not_echoed(monkeypatch: pytest.MonkeyPatch) -> None:
    args, _ = spawned(monkeypatch, servers.start_rasa, RASA_JWT_SECRET="s3cret-value")
    assert "--enable-api --jwt-secret s3cret-value --jwt-method HS256" in " ".join(args)
    assert "--auth-token" not in args
    # make echoes commands: the secret must stay in the environment
    assert "s3cret-value" not in make_dry_run("rasa", RASA_JWT_SECRET="s3cret-value")


def test_action_server_listens_on_loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    args, env = spawned(monkeypatch, servers.start_actions)
    assert args[1:3] == ["run", "actions"] and env["SANIC_HOST"] == "127.0.0.1"


@pytest.fixture(scope="module")
def values() -> Dict[str, Any]:
    return yaml.safe_load((REPO / "deploy" / "values.yaml").read_text())


def test_helm_values_turn_off_the_chart_s_api_token_and_cors(values: Dict[str, Any]) -> None:
    args = values["args"]
    assert args[0] == "run"
    assert not {"--auth-token", "--cors", "--enable-api"} & set(args)
    settings = values["applicationSettings"]
    assert settings["enableAPI"] is False and settings["cors"] == "" and settings["token"] == ""
    assert settings["telemetry"]["enabled"] is False and settings["debugMode"] is False


def test_helm_values_use_our_stores_with_the_lock_store_on(values: Dict[str, Any]) -> None:
    endpoints = values["applicationSettings"]["endpoints"]
    assert endpoints["lockStore"]["enabled"] is True
    assert endpoints["lockStore"]["type"] == "stores.lock_store.AtomicRedisLockStore"
    assert endpoints["trackerStore"]["type"] == "stores.tracker_store.ResilientSQLTrackerStore"
    assert values["replicaCount"] >= 2


def test_helm_values_hold_no_password(values: Dict[str, Any]) -> None:
    assert values["global"]["postgresql"]["postgresqlPassword"] == ""
    assert values["global"]["postgresql"]["existingSecret"]
    assert values["global"]["redis"]["password"] == ""
    assert values["redis"]["auth"]["password"] == "" and values["redis"]["auth"]["existingSecret"]
    for value in (values["applicationSettings"]["endpoints"]["trackerStore"]["password"],
                  values["applicationSettings"]["endpoints"]["lockStore"]["password"]):
        assert value.startswith("${"), "credentials come from the environment"
