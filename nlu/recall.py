"""Rasa NLU component that routes recalls to ``ask_guidance`` and bare repeats to ``ask_repeat``.

"What was that about pressure again?" is a recall; "sorry, what did you say?" a bare repeat.

Such a message asks for an earlier answer, which the answering action finds among the entries
said so far. A classifier reads it as "say that again" or "tell me more" on one training run and
as a guidance question on the next, so the phrases of :mod:`backcare.recall` decide instead,
and the kind of recall goes into the parse data. The red-flag detector, later in the pipeline,
still has the last word.
"""

from __future__ import annotations

from typing import List

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from backcare.recall import RECALL, asks_repeat, recall_kind
from nlu.components import UntrainedComponent
from nlu.intents import set_intent

ASK_GUIDANCE = "ask_guidance"
ASK_REPEAT = "ask_repeat"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class RecallDetector(UntrainedComponent):
    """Sets ``ask_guidance`` and ``guidance_recall`` on recalls, ``ask_repeat`` on bare repeats."""

    def process(self, messages: List[Message]) -> List[Message]:
        """Mark each message that asks for an earlier answer; leave the others as they are."""
        for message in messages:
            text = message.get(TEXT) or ""
            # First: "sorry, what did you say?" points back but names nothing to look for.
            if asks_repeat(text):
                set_intent(message, ASK_REPEAT)
            elif (kind := recall_kind(text)) is not None:
                set_intent(message, ASK_GUIDANCE)
                message.set(RECALL, kind, add_to_output=True)
        return messages
