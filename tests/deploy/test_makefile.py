"""Security defaults as the Makefile starts the servers, and as deploy/values.yaml overrides the Helm chart."""

import os
import subprocess
from typing import Any, Dict

import pytest
import yaml

from tests.servers import REPO


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


def rasa_command(**env: str) -> str:
    lines = [line for line in make_dry_run("rasa", **env).splitlines() if "/rasa run " in line]
    assert len(lines) == 1, lines
    return lines[0]


def test_rasa_starts_without_the_http_api_on_loopback_with_small_bodies() -> None:
    command = rasa_command()
    assert "--enable-api" not in command and "--auth-token" not in command
    assert "--interface 127.0.0.1" in command
    assert command.startswith("SANIC_REQUEST_MAX_SIZE=65536 ")


def test_a_jwt_secret_turns_the_api_on_with_jwt_only_and_is_not_echoed() -> None:
    command = rasa_command(RASA_JWT_SECRET="s3cret-value")
    assert '--enable-api --jwt-secret "$RASA_JWT_SECRET" --jwt-method HS256' in command
    assert "--auth-token" not in command
    assert "s3cret-value" not in command  # make echoes commands: the secret must stay in the environment


def test_action_server_listens_on_loopback_only() -> None:
    command = [line for line in make_dry_run("actions").splitlines() if "run actions" in line]
    assert command and command[0].startswith("SANIC_HOST=127.0.0.1 ")


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
