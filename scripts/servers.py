"""Start the action server, the Rasa server and the chat page as subprocesses, with one set of flags.

The only place that knows how each server is started: ``make actions``/``rasa``/``run``/
``run-cluster``/``shell`` (through :mod:`scripts.launch`), the end-to-end tests' fixtures and
the bench all call these functions, so ports, flags and body limits cannot drift apart.

- :func:`server_env` is the environment ``make`` gives the servers (its runtime defaults filled in
  from :mod:`backcare.settings`); :func:`private_env` is that plus a stack of its own in a folder
  (SQLite there, loopback, no REST token or HTTP API), as the tests and the bench run.
- :func:`start_actions`, :func:`start_rasa`, :func:`start_web` start one server each and wait until
  it answers; :class:`Server` stops it again.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Sequence
from urllib.parse import urlparse

import requests

from backcare import settings

REPO = settings.REPO_ROOT
BIN = Path(sys.executable).parent
RASA = str(BIN / "rasa")
PYTHON = sys.executable
RASA_RUN = REPO / "scripts" / "rasa_run.py"
MODEL = REPO / "models" / "backcare.tar.gz"
ENDPOINTS = REPO / "endpoints.yml"
# What `make credentials` writes: credentials.yml plus Telegram when TELEGRAM_TOKEN is set.
CREDENTIALS = REPO / "var" / "credentials.yml"
REST_CHANNEL = "channels.rest.GuardedRestInput"
# Small request bodies for the Rasa server: Sanic would accept 100 MB.
RASA_MAX_BODY = "65536"
# Sanic's own default for the action server: Rasa posts whole trackers to it, and a tracker
# passes 64 KB after about 20 turns, so the Rasa server's limit would break long conversations.
ACTION_SERVER_MAX_BODY = "100000000"
# Runtime defaults of Rasa's own variables, as the Makefile exports them.
RASA_DEFAULTS = {
    # No telemetry calls out of this machine; quieter TensorFlow.
    "RASA_TELEMETRY_ENABLED": "false",
    "TF_CPP_MIN_LOG_LEVEL": "2",
    # How long a server that died mid-turn blocks that conversation (Rasa's default: 60 s);
    # well above the longest turn, which the action timeout bounds.
    "TICKET_LOCK_LIFETIME": "20",
}
ACTIONS_START_SECONDS = 120.0
RASA_START_SECONDS = 240.0
WEB_START_SECONDS = 30.0


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(url: str, timeout: float, process: Optional[subprocess.Popen] = None) -> None:
    """Poll ``url`` until it answers 200, the process dies, or ``timeout`` seconds pass."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{url}: server exited with {process.returncode}")
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise TimeoutError(f"{url} did not come up in {timeout:.0f} s")


@dataclass
class Server:
    """A running server process, its base URL and its log file (None: it writes to our terminal)."""

    process: subprocess.Popen
    url: str
    log: Optional[Path] = None

    @property
    def port(self) -> int:
        """The port the server listens on."""
        return int(urlparse(self.url).port or 0)

    def running(self) -> bool:
        """Whether the process is still alive."""
        return self.process.poll() is None

    def stop(self) -> None:
        """Stop the process, waiting a little for a clean exit."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def spawn(args: Sequence[str], env: Dict[str, str], log: Optional[Path], cwd: Path = REPO) -> subprocess.Popen:
    """Start ``args`` in ``cwd``; output appended to ``log``, or to our own stdout/stderr when None."""
    if log is None:
        return subprocess.Popen(list(args), cwd=cwd, env=env)
    with log.open("ab") as handle:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(list(args), cwd=cwd, env=env, stdout=handle, stderr=subprocess.STDOUT)


def server_env(**overrides: Optional[str]) -> Dict[str, str]:
    """The environment ``make`` gives the servers: ours, with every setting endpoints.yml reads filled in.

    Unset variables get the defaults of :mod:`backcare.settings` (which the Makefile exports too);
    ``overrides`` win (None removes one). Setting ``ACTION_PORT`` without ``ACTION_ENDPOINT_URL``
    points the endpoint at that port.
    """
    current = settings.settings()
    env = settings.child_environ()
    defaults = {
        **RASA_DEFAULTS,
        "RASA_PORT": str(current.rasa_port),
        "ACTION_PORT": str(current.action_port),
        "ACTION_ENDPOINT_URL": str(current.action_endpoint_url),
        "RASA_INTERFACE": current.rasa_interface,
        "TRACKER_STORE_URL": current.tracker_store_url,
        "LOCK_STORE_TYPE": current.lock_store_type,
        "REDIS_HOST": current.redis_host,
        "REDIS_PORT": str(current.redis_port),
        "REDIS_DB": str(current.redis_db),
        "ACTION_TIMEOUT_SECONDS": f"{current.action_timeout_seconds:g}",
    }
    for name, default in defaults.items():
        if not env.get(name, "").strip():
            env[name] = default
    if "ACTION_PORT" in overrides and "ACTION_ENDPOINT_URL" not in overrides and overrides["ACTION_PORT"]:
        overrides = {**overrides, "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{overrides['ACTION_PORT']}/webhook"}
    return settings.child_environ(env, **overrides)


def private_env(workdir: Path, **overrides: Optional[str]) -> Dict[str, str]:
    """:func:`server_env` for a stack of its own in ``workdir``: what the tests and the bench run.

    Its own SQLite tracker store and in-memory locks; REST open to loopback callers only (no
    ``REST_TOKEN``, whatever the developer's shell has), the HTTP API off, and the web session
    key generated into ``workdir``.
    """
    return server_env(
        **{
            "RASA_INTERFACE": "127.0.0.1",
            "REST_TOKEN": "",
            "RASA_JWT_SECRET": "",
            "WEB_SESSION_SECRET": "",
            "WEB_SESSION_SECRET_FILE": str(workdir / "web_session_secret"),
            "TRACKER_STORE_URL": f"sqlite:///{workdir / 'trackers.db'}",
            "LOCK_STORE_TYPE": "in_memory",
            **overrides,
        }
    )


def start_actions(
    workdir: Optional[Path],
    env: Dict[str, str],
    port: Optional[int] = None,
    actions_module: str = "actions",
    cwd: Path = REPO,
    wait: bool = True,
    log: Optional[Path] = None,
) -> Server:
    """Start the rasa-sdk action server on 127.0.0.1 (``make actions``).

    Args:
        workdir: Folder for its log (``actions-<port>.log``); None writes to our terminal.
        env: Its environment (see :func:`server_env`).
        port: Its port; default a free one (``env``'s ``ACTION_ENDPOINT_URL`` must point at it).
        actions_module: The package with the custom actions.
        cwd: The project folder it runs in.
        wait: Return only once ``/health`` answers.
        log: Its log file, instead of one in ``workdir``.
    """
    port = port or free_port()
    log = log or (None if workdir is None else workdir / f"actions-{port}.log")
    process = spawn(
        [RASA, "run", "actions", "--actions", actions_module, "--port", str(port)],
        {**env, "SANIC_HOST": "127.0.0.1", "SANIC_REQUEST_MAX_SIZE": ACTION_SERVER_MAX_BODY},
        log,
        cwd,
    )
    server = Server(process, f"http://127.0.0.1:{port}", log)
    if wait:
        _wait_or_stop(server, "/health", ACTIONS_START_SECONDS)
    return server


def rasa_args(
    port: int,
    interface: str,
    credentials: Optional[Path] = CREDENTIALS,
    connector: Optional[str] = None,
    model: Path = MODEL,
    endpoints: Path = ENDPOINTS,
    launcher: Path = RASA_RUN,
) -> List[str]:
    """The ``rasa run`` command line every start uses.

    The HTTP API stays off unless ``RASA_JWT_SECRET`` is in the server's environment, and then
    accepts only JWTs signed with it (never ``--auth-token``, which travels in the query string):
    :mod:`scripts.rasa_run` adds those flags inside the process, so ``ps`` never shows the secret.
    ``connector`` (one channel) replaces ``credentials``, as ``make shell`` runs it. ``launcher``
    is the script that runs Rasa: the bench's ``bench/timed_rasa.py`` wraps it with stage timings.
    """
    args = [PYTHON, str(launcher), "run", "--model", str(model), "--endpoints", str(endpoints)]
    if connector is not None:
        args += ["--connector", connector]
    elif credentials is not None:
        args += ["--credentials", str(credentials)]
    return args + ["--interface", interface, "--port", str(port)]


def start_rasa(
    workdir: Optional[Path],
    env: Dict[str, str],
    credentials: Optional[Path] = CREDENTIALS,
    port: Optional[int] = None,
    extra_args: Optional[List[str]] = None,
    interface: Optional[str] = None,
    *,
    connector: Optional[str] = None,
    model: Path = MODEL,
    endpoints: Path = ENDPOINTS,
    cwd: Path = REPO,
    wait: bool = True,
    log: Optional[Path] = None,
    launcher: Path = RASA_RUN,
) -> Server:
    """Start the Rasa server with the trained model (``make rasa``).

    Args:
        workdir: Folder for its log (``rasa-<port>.log``); None writes to our terminal.
        env: Its environment (see :func:`server_env`); ``RASA_JWT_SECRET`` there turns the HTTP API on.
        credentials: The channels (default ``var/credentials.yml``, written by ``make credentials``).
        port: Its port; default a free one.
        extra_args: More ``rasa run`` arguments.
        interface: Address it listens on; default ``RASA_INTERFACE`` of ``env``, else loopback.
        connector: One channel instead of ``credentials``.
        model: The model archive.
        endpoints: endpoints.yml.
        cwd: The project folder it runs in.
        wait: Return only once the REST channel answers.
        log: Its log file, instead of one in ``workdir``.
        launcher: The script that runs Rasa (see :func:`rasa_args`).
    """
    port = port or free_port()
    interface = interface or env.get("RASA_INTERFACE") or "127.0.0.1"
    log = log or (None if workdir is None else workdir / f"rasa-{port}.log")
    args = rasa_args(port, interface, credentials, connector, model, endpoints, launcher)
    process = spawn(
        [*args, *(extra_args or [])],
        # The body limit is the Rasa server's only: the action server is Sanic too (see above).
        {**env, "RASA_INTERFACE": interface, "SANIC_REQUEST_MAX_SIZE": RASA_MAX_BODY},
        log,
        cwd,
    )
    host = f"[{interface}]" if ":" in interface else interface
    server = Server(process, f"http://{host}:{port}", log)
    if wait:
        _wait_or_stop(server, "/webhooks/rest/", RASA_START_SECONDS)
    return server


def start_web(workdir: Optional[Path], env: Dict[str, str], port: Optional[int] = None, wait: bool = True) -> Server:
    """Serve the chat page (``make web``) on ``port`` (default a free one)."""
    port = port or free_port()
    log = None if workdir is None else workdir / f"web-{port}.log"
    process = spawn([sys.executable, str(REPO / "web" / "serve.py")], {**env, "WEB_PORT": str(port)}, log)
    server = Server(process, f"http://127.0.0.1:{port}", log)
    if wait:
        _wait_or_stop(server, "/config.json", WEB_START_SECONDS)
    return server


def _wait_or_stop(server: Server, path: str, timeout: float) -> None:
    """Wait for ``path`` to answer; a server that does not come up is stopped, not left behind."""
    try:
        wait_for(f"{server.url}{path}", timeout, server.process)
    except BaseException:
        server.stop()
        raise
