"""``python -m scripts.launch``: one server exiting, Ctrl-C or SIGTERM stops every server it started."""

import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import List

import psutil
import pytest

from scripts import launch
from scripts.servers import REPO, Server

# `launch run` with each server replaced by a sleeping process whose pid goes to a file.
FAKE_RUN = """
import subprocess, sys, time
from pathlib import Path
from scripts import launch
from scripts.servers import Server

pids = Path(sys.argv[1])

def fake(*args, **kwargs):
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    with pids.open("a") as out:
        out.write(f"{process.pid}\\n")
    return Server(process, "http://127.0.0.1:1")

launch.start_actions = launch.start_rasa = launch.start_web = fake
sys.exit(launch.main(["run"]))
"""


def sleeper(seconds: float) -> Server:
    return Server(subprocess.Popen([sys.executable, "-c", f"import time; time.sleep({seconds})"]), "http://127.0.0.1:1")


def alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def test_one_server_exiting_stops_the_others_with_its_status() -> None:
    servers = [sleeper(60), Server(subprocess.Popen([sys.executable, "-c", "raise SystemExit(3)"]), "http://x:2")]
    try:
        assert launch.supervise(servers) == 3
    finally:
        launch.stop_all(servers)
    assert all(s.process.poll() is not None for s in servers)


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_stops_every_server_started(tmp_path: Path, signum: int) -> None:
    pids_file = tmp_path / "pids"
    runner = subprocess.Popen([sys.executable, "-c", FAKE_RUN, str(pids_file)], cwd=REPO)
    try:
        deadline = time.monotonic() + 30
        pids: List[int] = []
        while len(pids) < 3 and time.monotonic() < deadline:
            time.sleep(0.1)
            pids = [int(p) for p in pids_file.read_text().split()] if pids_file.exists() else []
        assert len(pids) == 3 and all(alive(p) for p in pids)
        runner.send_signal(signum)
        assert runner.wait(timeout=30) == 0
        assert not any(alive(p) for p in pids)
    finally:
        runner.kill()
