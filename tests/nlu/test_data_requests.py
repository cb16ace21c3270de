"""Erasure requests decide by rule: "delete my data" is forget_me, "yes, delete it all" its confirmation."""

from typing import Optional

import pytest

from nlu.data_requests import CONFIRM_FORGET, FORGET_ME, STOP_CHECKINS, data_request_intent


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
        # Requests to stop what the bot sends, however DIET splits them.
        ("please stop texting me", STOP_CHECKINS),
        ("no more reminders thanks", STOP_CHECKINS),
        ("don't check in with me again", STOP_CHECKINS),
        ("cancel the follow-up", STOP_CHECKINS),
        ("turn off those check ins", STOP_CHECKINS),
        # Not stop requests: about the back, asking for one, or saying much more.
        ("how do I stop my back pain coming back?", None),
        ("can you check in with me in a few days?", None),
        ("don't forget to remind me", None),
        ("I keep getting messages from my physio about exercises but I stopped doing them, is that bad?", None),
    ],
)
def test_erasure_requests_are_read_by_rule(text: str, intent: Optional[str]) -> None:
    assert data_request_intent(text) == intent
