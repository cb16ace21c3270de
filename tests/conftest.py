"""Shared pytest fixtures."""

from __future__ import annotations

from typing import Any, Dict, Optional, Sequence, Tuple

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from backcare import settings
from backcare.encoder import get_encoder
from backcare.ranking import GuidanceIndex
from backcare.recall import RECALL, recall_kind
from backcare.store import GuidanceStore, load_store


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
