"""Random text through the real trained NLU pipeline and the real actions: nothing may crash.

Hypothesis generates text (any Unicode, the store's own words, time phrases); each message goes
the way a channel sends it (``clean_text``, then the empty / too-long check), is parsed by the
trained model (``models/backcare.tar.gz``, as ``make train`` builds it) and is then handed, with
what NLU found, to every action the action server would register.
"""

import asyncio
import importlib
import inspect
import pkgutil
from typing import Any, Callable, Dict, List, Set

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rasa_sdk import Action, FormValidationAction
from rasa_sdk.executor import CollectingDispatcher

import actions
from actions import names
from backcare.store import GuidanceStore
from channels.guard import clean_text, reply_instead
from tests.conftest import make_tracker

SLOT_ENTITIES = (names.EQUIPMENT, names.BODY_AREA, names.THERAPY, names.ONSET)


def all_actions() -> List[Action]:
    """Every concrete action in ``actions/``, built the way rasa-sdk builds them (no arguments).

    Form validation actions are left out: Rasa only calls them while their form is active.
    """
    for module in pkgutil.iter_modules(actions.__path__):
        importlib.import_module(f"actions.{module.name}")
    found: Dict[str, Action] = {}
    stack = list(Action.__subclasses__())
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        if cls.__module__.startswith("actions.") and not inspect.isabstract(cls):
            if not issubclass(cls, FormValidationAction):
                action = cls()
                found[action.name()] = action
    return list(found.values())


@pytest.fixture(scope="module")
def intents(domain: Dict[str, Any]) -> Set[str]:
    """Every intent the domain declares, plus the one the fallback classifier sets."""
    return {i if isinstance(i, str) else next(iter(i)) for i in domain["intents"]} | {"nlu_fallback"}


TEXT = st.one_of(
    st.text(max_size=300),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=60),
    st.lists(st.sampled_from(["yesterday", "heat", "ice", "foam", "roller", "mat", "back", "why", "hurts",
                              "bladder", "numb", "sleep", "walk", "massage", "?", "!", "🙂", "2", "days", "ago"]),
             max_size=20).map(" ".join),
    st.from_regex(r"(about )?\d{1,4} (minutes?|hours?|days?|weeks?|months?|years?) ago", fullmatch=True),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=TEXT, data=st.data())
def test_random_text_never_crashes_nlu_or_actions(
    parse_text: Callable[[str], Dict[str, Any]],
    intents: Set[str],
    store: GuidanceStore,
    domain: Dict[str, Any],
    text: str,
    data: st.DataObject,
) -> None:
    cleaned = clean_text(text)
    instead = reply_instead(cleaned)
    if instead is not None:
        assert instead.strip()
        return
    parsed = parse_text(cleaned)
    assert parsed["text"] == cleaned
    assert parsed["intent"]["name"] in intents
    entities = [(str(e["entity"]), str(e["value"])) for e in parsed.get("entities", [])]
    slots: Dict[str, Any] = {kind: value for kind, value in entities if kind in SLOT_ENTITIES}
    # What earlier turns may have left behind: a real entry, or an id that no longer exists.
    slots[names.LAST_ENTRY] = data.draw(st.sampled_from([None, "no.such_entry", *[e.id for e in store.entries[:20]]]))
    tracker = make_tracker(cleaned, parsed["intent"]["name"], entities, slots)
    tracker.latest_message.update(
        intent_ranking=parsed.get("intent_ranking", []), entities=parsed.get("entities", []),
        guidance_ranking=parsed.get("guidance_ranking", []),
    )
    loop = asyncio.new_event_loop()
    try:
        for action in all_actions():
            dispatcher = CollectingDispatcher()
            events = loop.run_until_complete(action.run(dispatcher, tracker, domain))
            assert isinstance(events, list), action.name()
            for message in dispatcher.messages:
                assert message.get("text") or message.get("response"), (action.name(), message)
    finally:
        loop.close()


def test_every_action_is_exercised() -> None:
    """The property above runs more than a handful of actions (a broken discovery would pass it)."""
    assert len(all_actions()) >= 10
