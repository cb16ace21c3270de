"""Erasure requests decide by rule: "delete my data" is forget_me, "yes, delete it all" its confirmation."""

from typing import Optional

import pytest

from nlu.data_requests import CONFIRM_FORGET, FORGET_ME, data_request_intent


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("forget me", FORGET_ME),
        ("please delete my data", FORGET_ME),
        ("Can you erase my information please?", FORGET_ME),
        ("wipe everything you know about me", FORGET_ME),
        ("delete this conversation", FORGET_ME),
        ("get rid of my chat history", FORGET_ME),
        ("i want you to forget everything i told you", FORGET_ME),
        ("yes, delete it all", CONFIRM_FORGET),
        ("Yes please delete my data", CONFIRM_FORGET),
        ("sure, forget me", CONFIRM_FORGET),
        # Not requests to erase: negated, about the back, or saying much more.
        ("don't delete my data", None),
        ("how do I get rid of the knot in my back?", None),
        ("will you remember me tomorrow?", None),
        ("clear my head with a walk, is that good for back pain?", None),
        ("I forget my stretches every morning, how do I remember to do them and which ones help most?", None),
        ("/forget_me", None),
    ],
)
def test_erasure_requests_are_read_by_rule(text: str, intent: Optional[str]) -> None:
    assert data_request_intent(text) == intent
