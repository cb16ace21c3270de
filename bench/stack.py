"""Start a bot (Rasa server + its action server) on free ports, time its first answer, read its peak memory."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional
from urllib.parse import urlparse

import aiohttp
import psutil

from bench import breakdown
from bench.client import Turn, send
from bench.common import BENCH, tail
from scripts.servers import Server, free_port, start_actions, start_rasa, wait_for

# Rasa with the bench's stage timings (bench/breakdown.py); the product's own start never uses it.
TIMED_RASA = BENCH / "timed_rasa.py"


@dataclass
class Stack:
    """A running bot: Rasa server, action server, and when the first real answer came."""

    name: str
    rasa: Server
    actions: Server
    rasa_port: int
    action_port: int
    timings: Path
    first_answer_s: Optional[float] = None

    @property
    def url(self) -> str:
        """Base URL of the Rasa server."""
        return self.rasa.url

    def stop(self) -> None:
        """Stop both servers."""
        self.rasa.stop()
        self.actions.stop()


def start(
    name: str,
    cwd: Path,
    model: Path,
    endpoints: Path,
    credentials: Path,
    actions_module: str,
    env: Dict[str, str],
    logs: Path,
    probe: str,
    answered: Callable[[Turn], bool],
    timeout: float = 300,
) -> Stack:
    """Start the action server and the Rasa server together, as ``make run`` does, and wait for an answer.

    The Rasa server runs through ``bench/timed_rasa.py``, which writes every message's time per
    stage to ``timings`` (see :mod:`bench.breakdown`).

    The start-to-first-answer time runs from spawning both processes until a probe message gets a
    reply that ``answered`` accepts (a fresh sender each try, so an early apology does not linger).

    Args:
        name: Label for logs.
        cwd: Project folder the servers run in.
        model: The model archive.
        endpoints: endpoints.yml; its action endpoint must read ``ACTION_ENDPOINT_URL``.
        credentials: credentials.yml with the REST channel.
        actions_module: Python package with the custom actions.
        env: Environment of both servers (the action URL is added here), e.g. ``private_env``.
        logs: Folder for the server logs (in a subfolder ``name``).
        probe: The message sent until the bot answers.
        answered: Whether a reply is a real answer.
        timeout: Seconds before giving up.

    Returns:
        The running stack with ``first_answer_s`` set and ``timings`` the per-stage log.

    Raises:
        RuntimeError: A server exited or no answer came in time; the message ends with its log.
    """
    rasa_port, action_port = free_port(), free_port()
    env = {**env, "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{action_port}/webhook"}
    folder = logs / name
    folder.mkdir(parents=True, exist_ok=True)
    timings = folder / "turn-timings.jsonl"
    started = time.perf_counter()
    # Both with the launcher's flags (scripts/servers.py), as `make run` starts them; the clock
    # runs from spawning, so neither waits for its health check here.
    actions = start_actions(folder, env, port=action_port, actions_module=actions_module, cwd=cwd, wait=False)
    rasa = start_rasa(folder, env, credentials, port=rasa_port, model=model, endpoints=endpoints, cwd=cwd,
                      wait=False, launcher=TIMED_RASA, extra_args=[breakdown.LOG_FLAG, str(timings)])
    stack = Stack(name, rasa, actions, rasa_port, action_port, timings)
    try:
        stack.first_answer_s = asyncio.run(_first_answer(stack, probe, answered, started, timeout))
        wait_for(f"{stack.actions.url}/health", 60, actions.process)
    except Exception as error:
        stack.stop()
        logs_text = "".join(
            f"--- {kind} log ---\n{tail(server.log)}\n"
            for kind, server in (("rasa", rasa), ("actions", actions))
            if server.log is not None
        )
        raise RuntimeError(f"{name}: {error}\n{logs_text}") from error
    return stack


async def _first_answer(
    stack: Stack, probe: str, answered: Callable[[Turn], bool], started: float, timeout: float
) -> float:
    async with aiohttp.ClientSession() as session:
        while time.perf_counter() - started < timeout:
            for server in (stack.rasa, stack.actions):
                if server.process.poll() is not None:
                    raise RuntimeError(f"{server.url} exited with {server.process.returncode}")
            turn = await send(session, stack.url, f"start-{uuid.uuid4().hex[:8]}", probe, timeout=30)
            if turn.ok and answered(turn):
                return time.perf_counter() - started
            # Connection refused returns at once; poll often so the figure is not rounded up by much.
            await asyncio.sleep(0.2)
    raise TimeoutError(f"no answer within {timeout:.0f} s")


def _tree(pid: int) -> List[psutil.Process]:
    """``pid`` and its descendants, breadth first: parents before children, shallow before deep."""
    try:
        todo = deque([psutil.Process(pid)])
    except psutil.Error:
        return []
    out: List[psutil.Process] = []
    while todo:
        current = todo.popleft()
        out.append(current)
        try:
            todo.extend(sorted(current.children(), key=lambda child: child.pid))
        except psutil.Error:
            continue
    return out


def _listens_on(process: psutil.Process, port: int) -> bool:
    try:
        return any(
            c.status == psutil.CONN_LISTEN and c.laddr and c.laddr.port == port
            for c in process.net_connections(kind="tcp")
        )
    except psutil.Error:
        return False


def serving_pid(root: int, port: int) -> int:
    """The process under ``root`` that holds the listening socket on ``port``.

    ``rasa run`` may hand serving to a forked worker; the worker owns the socket, so its memory is
    the server's. If several processes hold it (the parent keeps a copy), the deepest one serves.
    """
    holders = [process.pid for process in _tree(root) if _listens_on(process, port)]
    return holders[-1] if holders else root


def peak_rss_mb(pid: int) -> Optional[float]:
    """The process's peak resident memory (VmHWM) in MiB, or None if it is gone."""
    # psutil has a peak only on Windows (peak_wset); on Linux its memory_info() is the current RSS
    # alone, so the kernel's high-water mark is read from /proc/<pid>/status as before.
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def memory(rasa: Server, actions: Server) -> Dict[str, Any]:
    """Peak RSS (MiB) of the process serving each server's port; read it while the servers still run."""
    out: Dict[str, Any] = {}
    for key, server in (("rasa", rasa), ("actions", actions)):
        pid = serving_pid(server.process.pid, int(urlparse(server.url).port or 0))
        out[f"{key}_pid"] = pid
        out[f"{key}_spawned_pid"] = server.process.pid
        out[f"{key}_peak_rss_mb"] = peak_rss_mb(pid)
    return out
