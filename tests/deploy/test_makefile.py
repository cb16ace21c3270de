"""Security defaults as the Makefile starts the servers."""

import os
import re
import subprocess

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


def test_make_help_lists_every_target() -> None:
    """Every target a person can type has a ``## `` line, so ``make help`` shows it."""
    makefile = (REPO / "Makefile").read_text()
    targets = {m.group(1) for m in re.finditer(r"^([a-z][a-z-]*):(?!=)", makefile, re.MULTILINE)}
    shown = subprocess.run(["make", "--no-print-directory", "help"], cwd=REPO, capture_output=True, text=True,
                           timeout=60)
    listed = {line.split()[1] for line in shown.stdout.splitlines() if line.startswith("  make ")}
    assert len(targets) >= 20, targets
    assert targets == listed
