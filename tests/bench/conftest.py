"""The assistant's servers for the bench smoke test: the session's SQLite stack (tests/conftest.py)."""

from typing import Tuple

import pytest

from tests.servers import Server


@pytest.fixture(scope="session")
def bench_stack(rasa_server: Server, action_server: Server) -> Tuple[Server, Server]:
    """(Rasa server, action server): the ones the end-to-end tests talk to, not a pair of its own."""
    return rasa_server, action_server
