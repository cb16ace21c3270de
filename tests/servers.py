"""Start the real action server and Rasa server as subprocesses, for end-to-end tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

import requests

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
MODEL = REPO / "models" / "backcare.tar.gz"
ACTION_SERVER_MAX_BODY = "100000000"


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
    """A running server process, its log file and its base URL."""

    process: subprocess.Popen
    url: str
    log: Path

    def stop(self) -> None:
        """Stop the process, waiting a little for a clean exit."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _spawn(args: List[str], env: Dict[str, str], log: Path) -> subprocess.Popen:
    handle = log.open("ab")
    return subprocess.Popen(args, cwd=REPO, env=env, stdout=handle, stderr=subprocess.STDOUT)


def base_env(workdir: Path, **overrides: str) -> Dict[str, str]:
    """The environment `make` would give the servers, with a private SQLite tracker store.

    REST stays open to loopback callers (no ``REST_TOKEN``, whatever the developer's shell has),
    and the web session key is generated into ``workdir``.
    """
    env = dict(os.environ)
    env.update(
        RASA_INTERFACE="127.0.0.1",
        REST_TOKEN="",
        WEB_SESSION_SECRET="",
        WEB_SESSION_SECRET_FILE=str(workdir / "web_session_secret"),
        RASA_TELEMETRY_ENABLED="false",
        TF_CPP_MIN_LOG_LEVEL="2",
        TRACKER_STORE_URL=f"sqlite:///{workdir / 'trackers.db'}",
        LOCK_STORE_TYPE="in_memory",
        REDIS_HOST="127.0.0.1",
        REDIS_PORT="6379",
        REDIS_DB="1",
        SANIC_REQUEST_MAX_SIZE="65536",
    )
    env.update(overrides)
    return env


def start_actions(workdir: Path, env: Dict[str, str], port: Optional[int] = None) -> Server:
    """Start the rasa-sdk action server on 127.0.0.1."""
    port = port or free_port()
    log = workdir / f"actions-{port}.log"
    proc = _spawn(
        [str(BIN / "rasa"), "run", "actions", "--actions", "actions", "--port", str(port)],
        # Sanic's own body limit, not the Rasa server's 64 KB: Rasa posts whole trackers here,
        # and a tracker passes 64 KB after about 20 turns.
        {**env, "SANIC_HOST": "127.0.0.1", "SANIC_REQUEST_MAX_SIZE": ACTION_SERVER_MAX_BODY},
        log,
    )
    server = Server(proc, f"http://127.0.0.1:{port}", log)
    wait_for(f"{server.url}/health", 120, proc)
    return server


def start_rasa(
    workdir: Path,
    env: Dict[str, str],
    credentials: Path,
    port: Optional[int] = None,
    extra_args: Optional[List[str]] = None,
    interface: str = "127.0.0.1",
) -> Server:
    """Start the Rasa server with the trained model and the given channels, on ``interface``."""
    port = port or free_port()
    log = workdir / f"rasa-{port}.log"
    args = [
        str(BIN / "rasa"), "run", "--model", str(MODEL), "--endpoints", "endpoints.yml",
        "--credentials", str(credentials), "--interface", interface, "--port", str(port),
        *(extra_args or []),
    ]
    proc = _spawn(args, {**env, "RASA_INTERFACE": interface}, log)
    host = f"[{interface}]" if ":" in interface else interface
    server = Server(proc, f"http://{host}:{port}", log)
    wait_for(f"{server.url}/webhooks/rest/", 240, proc)
    return server


@dataclass
class Conversation:
    """One sender talking to the bot over REST."""

    url: str
    sender: str
    replies: List[List[dict]] = field(default_factory=list)

    def say(self, text: str) -> List[dict]:
        """Send ``text`` and return the bot's messages for that turn."""
        reply = requests.post(
            f"{self.url}/webhooks/rest/webhook", json={"sender": self.sender, "message": text}, timeout=60
        )
        reply.raise_for_status()
        self.replies.append(reply.json())
        return self.replies[-1]

    def text(self, text: str) -> str:
        """Send ``text`` and return the bot's reply texts joined, lowercased."""
        return " ".join(m.get("text", "") for m in self.say(text)).lower()
