"""The assistant's servers for the bench smoke test: action server + Rasa server (REST) on free ports.

The e2e stack's fixtures (tests/e2e/conftest.py) are only visible under tests/e2e, so the smoke
test starts its own pair from models/backcare.tar.gz, with a private SQLite tracker store.
"""

from pathlib import Path
from typing import Iterator, Tuple

import pytest

from tests.servers import REPO, Server, base_env, free_port, start_actions, start_rasa


@pytest.fixture(scope="session")
def bench_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Tuple[Server, Server]]:
    """(Rasa server, action server), started once per session."""
    workdir: Path = tmp_path_factory.mktemp("bench-stack")
    action_port = free_port()
    env = base_env(workdir, ACTION_PORT=str(action_port), ACTION_ENDPOINT_URL=f"http://127.0.0.1:{action_port}/webhook")
    actions = start_actions(workdir, env, port=action_port)
    try:
        rasa = start_rasa(workdir, env, REPO / "credentials.yml")
        try:
            yield rasa, actions
        finally:
            rasa.stop()
    finally:
        actions.stop()
