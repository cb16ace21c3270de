"""Which process serves a port and how much memory it peaked at, on small stand-in processes."""

import subprocess
import sys
from typing import Iterator

import psutil
import pytest

from bench import machine
from bench.stack import peak_rss_mb, serving_pid
from scripts.servers import free_port

# Like `rasa run` handing serving to a worker: the parent listens, forks, and both keep the socket.
FORKING_SERVER = """
import os, socket, sys, time
server = socket.socket()
server.bind(("127.0.0.1", int(sys.argv[1])))
server.listen()
worker = os.fork()
if worker:
    print(worker, flush=True)
time.sleep(60)
"""


@pytest.fixture
def forking_server() -> Iterator[tuple]:
    port = free_port()
    process = subprocess.Popen([sys.executable, "-c", FORKING_SERVER, str(port)], stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        worker = int(process.stdout.readline())
        yield process.pid, worker, port
    finally:
        for child in psutil.Process(process.pid).children(recursive=True):
            child.kill()
        process.kill()
        process.wait()


def test_the_forked_worker_that_holds_the_socket_is_the_server(forking_server: tuple) -> None:
    root, worker, port = forking_server
    assert serving_pid(root, port) == worker


def test_without_a_listener_on_the_port_the_spawned_process_is_taken(forking_server: tuple) -> None:
    root, _, _ = forking_server
    assert serving_pid(root, free_port()) == root


def test_peak_rss_is_at_least_the_current_rss_and_none_once_gone() -> None:
    peak = peak_rss_mb(psutil.Process().pid)
    assert peak is not None and peak >= psutil.Process().memory_info().rss / 2**20 - 1
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    assert peak_rss_mb(gone.pid) is None


def test_the_machine_description_has_its_memory_and_cpu() -> None:
    described = machine.describe()
    assert described["memory_gib"] == round(psutil.virtual_memory().total / 2**30, 1) > 0
    assert described["nproc"] >= 1 and described["cpu_model"]
