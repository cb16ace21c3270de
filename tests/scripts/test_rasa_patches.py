"""The action server's replies are checked exactly as Rasa checks them, with the schema compiled once."""

from typing import Any, Dict, Iterator

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction

from scripts import rasa_patches

REPLIES = [
    {"events": [{"event": "slot", "name": "last_entry", "value": "heat_ice.after_48h"}],
     "responses": [{"text": "Use a wrapped ice pack.", "buttons": [], "custom": {"entry_id": "x"}}]},
    {"events": [], "responses": []},
    {},
    # Not what an action server may send: a response that is not an object, an unknown event.
    {"events": [], "responses": ["just a string"]},
    {"events": [{"event": "no_such_event"}], "responses": []},
    {"events": "not a list"},
]


@pytest.fixture
def stock() -> Iterator[Any]:
    """Rasa's own check, restored after the test."""
    original = RemoteAction._validate_action_result
    yield original
    RemoteAction._validate_action_result = original


def _outcome(check: Any, action: RemoteAction, reply: Dict[str, Any]) -> str:
    try:
        check(action, reply)
        return "valid"
    except ValidationError as error:
        return error.message


@pytest.mark.parametrize("reply", REPLIES)
def test_same_verdict_and_message_as_rasa(stock: Any, reply: Dict[str, Any]) -> None:
    action = RemoteAction("action_answer_guidance", None)
    assert _outcome(rasa_patches._validate_action_result, action, reply) == _outcome(stock, action, reply)


def test_installed_check_refuses_a_bad_reply(stock: Any) -> None:
    rasa_patches.install()
    action = RemoteAction("action_answer_guidance", None)
    assert action._validate_action_result(REPLIES[0]) is True
    with pytest.raises(ValidationError, match="Failed to validate Action server response"):
        action._validate_action_result({"events": "not a list"})
