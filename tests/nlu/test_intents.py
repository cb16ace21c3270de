"""Held-out phrases (tests/data/nlu_phrases.yml) through the real trained pipeline."""

from collections import Counter
from typing import Any, Dict, List, Tuple

import pytest
from rasa.shared.nlu.training_data.loading import load_data

from backcare import settings
from tests.nlu.conftest import Parse

PHRASES = settings.REPO_ROOT / "tests" / "data" / "nlu_phrases.yml"
# Phrases that name a warning sign ("6 weeks and no better") are escalated by the red-flag
# detector on purpose; that is the right answer for them too.
ALSO_RIGHT = {"ask_guidance": {"red_flag_soon"}}
MIN_ACCURACY = 0.90


def examples() -> List[Tuple[str, str]]:
    return [(m.get("text"), m.get("intent")) for m in load_data(str(PHRASES)).intent_examples]


@pytest.fixture(scope="module")
def predictions(parse: Parse) -> Dict[str, Dict[str, Any]]:
    return parse([text for text, _ in examples()])


def test_held_out_phrases_are_understood(predictions: Dict[str, Dict[str, Any]]) -> None:
    misses = Counter()
    rows = examples()
    for text, intent in rows:
        got = predictions[text]["intent"]["name"]
        if got != intent and got not in ALSO_RIGHT.get(intent, set()):
            misses[(intent, got)] += 1
    accuracy = 1 - sum(misses.values()) / len(rows)
    print(f"\nheld-out intent accuracy: {accuracy:.1%} of {len(rows)}; misses: {dict(misses)}")
    assert accuracy >= MIN_ACCURACY, misses


@pytest.mark.parametrize(
    ("text", "entity", "value"),
    [
        ("got some lacrosse balls yesterday", "equipment", "lacrosse balls"),
        ("can i use a heating pad", "therapy", "heating pad"),
        ("my glute medius is tight", "body_area", "glute medius"),
        ("it started 3 days ago", "onset", "3 days ago"),
        ("foam rollers any good?", "equipment", "foam rollers"),
        ("hurt my back yday", "onset", "yday"),
    ],
)
def test_entity_ruler_tags_what_people_name(parse: Parse, text: str, entity: str, value: str) -> None:
    entities = parse([text])[text]["entities"]
    assert {"entity": entity, "value": value} in [{"entity": e["entity"], "value": e["value"]} for e in entities]


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        # A follow-up on a new situation is a self-care question, not "what can you do?".
        ("what about driving", "ask_guidance"),
        # A short "is X worth it?" about a treatment or gadget is in scope.
        ("tens machine any good", "ask_guidance"),
        ("yday", "inform_onset"),
    ],
)
def test_known_misreadings(parse: Parse, text: str, intent: str) -> None:
    assert parse([text])[text]["intent"]["name"] == intent
