"""The servers from the command line, as the Makefile starts them; Ctrl-C (or SIGTERM) stops them all.

Usage::

    python -m scripts.launch actions       # make actions: the action server on 127.0.0.1:$ACTION_PORT
    python -m scripts.launch rasa          # make rasa: the Rasa server on $RASA_INTERFACE:$RASA_PORT
    python -m scripts.launch run           # make run: action server, Rasa and the chat page on $WEB_PORT
    python -m scripts.launch run-cluster   # make run-cluster: PostgreSQL + Redis (var/), the action server,
                                           # Rasa on $RASA_PORT and $RASA_PORT+1
    python -m scripts.launch shell         # make shell: our REST channel alone on loopback, and a chat

Every server starts through :mod:`scripts.servers` / :mod:`scripts.cluster`, the same functions
the tests and the bench use. The Makefile's prerequisites (``train``, ``credentials``,
``migrate``, ...) come first; this module only starts and stops processes. The servers write to
this terminal, except under ``shell``, where the chat owns it and they write to ``var/``.
"""

from __future__ import annotations

import argparse
import signal
import subprocess
import sys
import time
from types import FrameType
from typing import Callable, Dict, List, Optional, Sequence

from backcare import settings
from scripts.cluster import start_cluster
from scripts.servers import (
    CREDENTIALS,
    REPO,
    REST_CHANNEL,
    Server,
    server_env,
    start_actions,
    start_rasa,
    start_web,
)
from scripts.service_process import ServiceError

POLL_SECONDS = 0.5
STOP_SECONDS = 20.0
VAR = REPO / "var"


class StopRequestedError(Exception):
    """SIGTERM or SIGHUP arrived: stop every server, as on Ctrl-C."""


def _raise_stopped(signum: int, _: Optional[FrameType]) -> None:
    raise StopRequestedError(signal.Signals(signum).name)


def stop_all(servers: Sequence[Server]) -> None:
    """Stop the servers together: SIGTERM to all, then wait (SIGKILL after ``STOP_SECONDS``)."""
    for server in servers:
        if server.running():
            server.process.terminate()
    for server in servers:
        try:
            server.process.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait()


def supervise(servers: Sequence[Server]) -> int:
    """Wait until one of the servers exits (then the launch has failed); its exit status, never 0."""
    while True:
        for server in servers:
            code = server.process.poll()
            if code is not None:
                print(f"launch: the server on {server.url} exited ({code}); stopping the others.", file=sys.stderr)
                return code or 1
        time.sleep(POLL_SECONDS)


def _ports() -> Dict[str, int]:
    current = settings.settings()
    return {"rasa": current.rasa_port, "actions": current.action_port, "web": current.web_port}


def run(parts: Sequence[str]) -> int:
    """Start ``parts`` (any of actions, rasa, web), each on its port from the settings, until stopped."""
    env, ports, servers = server_env(), _ports(), []
    try:
        for part in parts:
            if part == "actions":
                servers.append(start_actions(None, env, port=ports["actions"], wait=False))
            elif part == "rasa":
                servers.append(start_rasa(None, env, CREDENTIALS, port=ports["rasa"], wait=False))
            else:
                servers.append(start_web(None, env, port=ports["web"], wait=False))
        return supervise(servers)
    finally:
        stop_all(servers)


def run_cluster() -> int:
    """PostgreSQL and Redis in var/, the action server and two replicas, with the developer's settings."""
    current, ports = settings.settings(), _ports()
    replica_ports = [ports["rasa"], ports["rasa"] + 1]
    print("Starting PostgreSQL, Redis, the action server and two Rasa replicas...", flush=True)
    cluster = start_cluster(
        [[], []], VAR, credentials=CREDENTIALS, ports=replica_ports, action_port=ports["actions"],
        pg_port=current.pg_port, redis_port=current.redis_port, logs=None, warm=False, migrate_first=True,
    )
    try:
        print(f"PostgreSQL on 127.0.0.1:{current.pg_port}, Redis on 127.0.0.1:{current.redis_port}; "
              f"Rasa replicas on ports {replica_ports[0]} and {replica_ports[1]}.", flush=True)
        return supervise(cluster.servers())
    finally:
        cluster.stop()


def shell(chat_args: Sequence[str]) -> int:
    """Our REST channel alone on 127.0.0.1 (not ``rasa shell``, whose stock REST channel checks nothing), and a chat.

    The HTTP API stays off whatever ``RASA_JWT_SECRET`` says; the servers log to ``var/``.
    """
    VAR.mkdir(exist_ok=True)
    env, ports = server_env(RASA_INTERFACE="127.0.0.1", RASA_JWT_SECRET=None), _ports()
    servers: List[Server] = []
    try:
        servers.append(start_actions(None, env, port=ports["actions"], wait=False, log=VAR / "actions.log"))
        servers.append(start_rasa(None, env, None, port=ports["rasa"], interface="127.0.0.1", connector=REST_CHANNEL,
                                  wait=False, log=VAR / "rasa-shell.log"))
        return subprocess.run([sys.executable, "-m", "scripts.shell", *chat_args], cwd=REPO, env=env).returncode
    finally:
        stop_all(servers)


COMMANDS: Dict[str, Callable[[Sequence[str]], int]] = {
    "actions": lambda _: run(["actions"]),
    "rasa": lambda _: run(["rasa"]),
    "web": lambda _: run(["web"]),
    "run": lambda _: run(["actions", "rasa", "web"]),
    "run-cluster": lambda _: run_cluster(),
    "shell": shell,
}


def main(argv: Optional[List[str]] = None) -> int:
    """Command line (see the module docstring); the exit status is 0 after Ctrl-C or SIGTERM."""
    parser = argparse.ArgumentParser(prog="python -m scripts.launch", description=__doc__.split("\n")[0])
    parser.add_argument("command", choices=sorted(COMMANDS))
    parser.add_argument("rest", nargs=argparse.REMAINDER, help="for shell: arguments of scripts.shell")
    args = parser.parse_args(argv)
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _raise_stopped)
    try:
        return COMMANDS[args.command](args.rest)
    except (KeyboardInterrupt, StopRequestedError):
        return 0
    except (ServiceError, subprocess.CalledProcessError) as error:
        print(f"launch: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
