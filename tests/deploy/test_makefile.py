"""Security defaults as the launcher starts the servers for make, and make help."""

import os
import re
import subprocess
from typing import Callable, Dict, List, Tuple

import pytest

from scripts import rasa_run, servers
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


def test_a_jwt_secret_turns_the_api_on_with_jwt_only_and_is_never_on_a_command_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    args, env = spawned(monkeypatch, servers.start_rasa, RASA_JWT_SECRET="s3cret-value")
    # ps shows a command line to every user: the secret goes in the environment ...
    assert "s3cret-value" not in " ".join(args) and env["RASA_JWT_SECRET"] == "s3cret-value"
    # ... and the server's own process turns the API on with it, JWTs only.
    monkeypatch.setenv("RASA_JWT_SECRET", "s3cret-value")
    assert " ".join(rasa_run.jwt_args()) == "--enable-api --jwt-secret s3cret-value --jwt-method HS256"
    assert "--auth-token" not in args
    # make echoes commands: the secret must stay in the environment
    assert "s3cret-value" not in make_dry_run("rasa", RASA_JWT_SECRET="s3cret-value")


def test_action_server_listens_on_loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    args, env = spawned(monkeypatch, servers.start_actions)
    assert args[1:3] == ["run", "actions"] and env["SANIC_HOST"] == "127.0.0.1"


def test_make_help_lists_every_target() -> None:
    """Every target a person can type has a ``## `` line, so ``make help`` shows it."""
    makefile = (REPO / "Makefile").read_text()
    targets = {m.group(1) for m in re.finditer(r"^([a-z][a-z-]*):(?!=)", makefile, re.MULTILINE)}
    shown = subprocess.run(["make", "--no-print-directory", "help"], cwd=REPO, capture_output=True, text=True,
                           timeout=60)
    listed = {line.split()[1] for line in shown.stdout.splitlines() if line.startswith("  make ")}
    assert len(targets) >= 20, targets
    assert targets == listed
