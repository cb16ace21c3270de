"""Rasa NLU component for the two short answers to check-in questions: a pain score and a time zone.

"6", "about a 6", "six" or "7/10" reads as ``inform_pain_score``; "UTC+2", "it's 3pm" or
"London" as ``inform_time_zone``. A classifier trained on examples would meet numbers and city
names it never saw, so the parsers of :mod:`backcare.pain_scores` and :mod:`backcare.time_zones`
decide, and only when the whole message is such an answer. Whether a score was asked for is the
action's business (the NLU sees no conversation). The red-flag detector, later in the
pipeline, still has the last word.
"""

from __future__ import annotations

import time
from typing import List

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from backcare.pain_scores import read_score
from backcare.time_zones import read_zone
from nlu.components import UntrainedComponent
from nlu.intents import set_intent

# Intent names as domain.yml declares them (actions/names.py holds them for the actions).
INFORM_PAIN_SCORE = "inform_pain_score"
INFORM_TIME_ZONE = "inform_time_zone"


def short_reply_intent(text: str, now: float) -> str | None:
    """The intent of a message that is just a pain score or just a time zone, else None."""
    if text.startswith("/"):
        return None
    if read_score(text) is not None:
        return INFORM_PAIN_SCORE
    if read_zone(text, now) is not None:
        return INFORM_TIME_ZONE
    return None


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class ShortReplyDetector(UntrainedComponent):
    """Sets ``inform_pain_score`` or ``inform_time_zone`` on messages that are just that answer."""

    def process(self, messages: List[Message]) -> List[Message]:
        """Mark each message that is a score or a time zone; leave the others as they are."""
        for message in messages:
            intent = short_reply_intent(message.get(TEXT) or "", time.time())
            if intent is not None:
                set_intent(message, intent)
        return messages
