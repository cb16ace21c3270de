"""Shared pytest fixtures, and the markers every test gets from where it lives and what it uses.

- ``e2e``: under ``tests/e2e/``, or using a fixture that starts a real server or loads the trained
  model (``SERVER_FIXTURES``, ``MODEL_FIXTURES``), or marked so in its module;
- ``slow``: the ones that start whole clusters or restart their own servers (on top of ``e2e``),
  or that run the whole red-flag table through the sentence encoder (``SLOW_FIXTURES``, or marked
  so in their module);
- ``unit``: every other test: no trained model, no server, nothing slow (``make unit``).
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Dict, Iterator, List, Optional, Sequence, Tuple

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from backcare import settings
from backcare.encoder import get_encoder
from backcare.guidance_loader import load_store
from backcare.ranking import GuidanceIndex
from backcare.recall import RECALL, recall_kind
from backcare.store import GuidanceStore
from channels.telegram_settings import TELEGRAM_CHANNEL
from tests.e2e.telegram_standin import BotApiStandin, running_standin, telegram_env
from tests.servers import REPO, Server, base_env, free_port, start_actions, start_rasa

if TYPE_CHECKING:
    from rasa.core.agent import Agent

TESTS = Path(__file__).resolve().parent
MODEL = settings.REPO_ROOT / "models" / "backcare.tar.gz"
# Fixtures (or fixtures they depend on) that start a server process: Rasa, the action server,
# PostgreSQL, Redis. Any test whose fixture closure holds one of them is end to end.
SERVER_FIXTURES = frozenset({"action_server", "rasa_server", "running_cluster", "bench_stack", "redis_server"})
MODEL_FIXTURES = frozenset({"trained_agent"})
# The red-flag table's 700 rows through both layers (``findings``) take half a minute of encoder
# time: a figure of the detector's quality, checked by `make test`; the rule layer's pass over
# the same table stays in `make unit`.
SLOW_FIXTURES = frozenset({"running_cluster", "findings"})


def pytest_collection_modifyitems(config: pytest.Config, items: List[pytest.Item]) -> None:
    """Mark each test ``unit``, ``e2e`` and/or ``slow`` (see the module docstring)."""
    conflicts = []
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        if fixtures & SLOW_FIXTURES:
            item.add_marker(pytest.mark.slow)
        slow = item.get_closest_marker("slow") is not None
        e2e = item.path.is_relative_to(TESTS / "e2e") or bool(fixtures & (SERVER_FIXTURES | MODEL_FIXTURES))
        if (e2e or slow) and item.get_closest_marker("unit"):
            conflicts.append(item.nodeid)
        if e2e:
            item.add_marker(pytest.mark.e2e)
        elif not slow and not item.get_closest_marker("e2e"):
            item.add_marker(pytest.mark.unit)
    if conflicts:
        raise pytest.UsageError("marked unit but starts a server, loads the model or is slow: " + ", ".join(conflicts))


@pytest.fixture(scope="session")
def trained_agent() -> Agent:
    """The trained model (``make train``), loaded once per run for every test that parses in process."""
    if not MODEL.exists():
        pytest.fail(f"no trained model at {MODEL}: run `make train` first")
    from rasa.core.agent import Agent  # TensorFlow comes with it: only for the tests that need the model

    previous = os.getcwd()
    # The model's SpacyNLP loads `spacy_model` relative to the working directory.
    os.chdir(settings.REPO_ROOT)
    try:
        return Agent.load(str(MODEL))
    finally:
        os.chdir(previous)


@pytest.fixture(scope="session")
def parse_text(trained_agent: Agent) -> Iterator[Callable[[str], Dict[str, Any]]]:
    """The trained model's NLU as a plain function of one message, on a loop of its own."""
    loop = asyncio.new_event_loop()
    yield lambda text: loop.run_until_complete(trained_agent.parse_message(text))
    loop.close()


# The SQLite stack: the action server and one Rasa server with every channel, started by the first
# test that asks for it and shared by the rest of the run (end-to-end tests and the bench smoke).
@pytest.fixture(scope="session")
def stack_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the stack's logs and SQLite database go."""
    return tmp_path_factory.mktemp("stack")


@pytest.fixture(scope="session")
def telegram_api() -> Iterator[BotApiStandin]:
    """The local Bot API stand-in; up before the Rasa server, which calls it at start."""
    yield from running_standin()


@pytest.fixture(scope="session")
def extra_channels() -> Dict[str, dict]:
    """Channels added to credentials.yml for the test stack (module path -> settings)."""
    return {TELEGRAM_CHANNEL: {}}


@pytest.fixture(scope="session")
def stack_env(stack_dir: Path, telegram_api: BotApiStandin) -> Dict[str, str]:
    """The environment both servers run with."""
    action_port, web_port = free_port(), free_port()
    return base_env(stack_dir, ACTION_PORT=str(action_port),
                    ACTION_ENDPOINT_URL=f"http://127.0.0.1:{action_port}/webhook",
                    # The chat page's server (tests/e2e/test_web.py) and the only origin socket.io accepts.
                    WEB_PORT=str(web_port), WEB_ORIGINS=f"http://127.0.0.1:{web_port}",
                    **telegram_env(telegram_api))


@pytest.fixture(scope="session")
def action_server(stack_dir: Path, stack_env: Dict[str, str]) -> Iterator[Server]:
    """The real rasa-sdk action server."""
    server = start_actions(stack_dir, stack_env, port=int(stack_env["ACTION_PORT"]))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def rasa_server(
    stack_dir: Path, stack_env: Dict[str, str], extra_channels: Dict[str, dict], action_server: Server
) -> Iterator[Server]:
    """The real Rasa server with the trained model, REST plus ``extra_channels``, on SQLite."""
    credentials = yaml.safe_load((REPO / "credentials.yml").read_text()) or {}
    credentials.update(extra_channels)
    path = stack_dir / "credentials.yml"
    path.write_text(yaml.safe_dump(credentials))
    server = start_rasa(stack_dir, stack_env, path)
    yield server
    server.stop()


def load_repo_store() -> GuidanceStore:
    """The real guidance store from the repo (not GUIDANCE_DIR), for parametrizing tests."""
    return load_store(settings.REPO_ROOT / "guidance")


@pytest.fixture(scope="session")
def store() -> GuidanceStore:
    """The real guidance store, loaded once per run."""
    return load_repo_store()


@pytest.fixture(scope="session")
def index(store: GuidanceStore) -> GuidanceIndex:
    """The real ranker over the real store and encoder, built once per run."""
    return GuidanceIndex(store, get_encoder())


@pytest.fixture(scope="session")
def domain() -> Dict[str, Any]:
    """The real domain.yml, as the action server receives it."""
    return yaml.safe_load((settings.REPO_ROOT / "domain.yml").read_text())


def make_tracker(
    text: str = "",
    intent: str = "",
    entities: Sequence[Tuple[str, str]] = (),
    slots: Optional[Dict[str, Any]] = None,
    index: Optional[GuidanceIndex] = None,
    history: Sequence[str] = (),
) -> Tracker:
    """A tracker whose latest message is ``text`` with the given intent, entities and slots.

    It carries the recall kind the NLU would add, and with ``index`` the guidance ranking too,
    from the real ranker.
    """
    latest: Dict[str, Any] = {
        "text": text,
        "intent": {"name": intent, "confidence": 1.0},
        "intent_ranking": [{"name": intent, "confidence": 1.0}],
        "entities": [{"entity": kind, "value": value} for kind, value in entities],
    }
    kind = recall_kind(text)
    if kind is not None:
        latest[RECALL] = kind
    if index is not None:
        latest["guidance_ranking"] = [s.to_json() for s in index.rank(text, 20)]
    # Rasa's events end with the latest message; ``history`` is what the person typed before it.
    events = [{"event": "user", "text": t} for t in [*history, text]]
    return Tracker("test-user", dict(slots or {}), latest, events, False, None, {}, "action_listen")


def said(dispatcher: CollectingDispatcher) -> str:
    """Everything the action said, lowercased, for assertions on what a person reads."""
    return " ".join(m.get("text") or m.get("response") or "" for m in dispatcher.messages).lower()
