"""Rasa NLU component for "forget me", its typed yes, and "stop the check-ins", decided by rule.

Erasure is the one request that must never be lost to a classifier's split vote: DIET,
trained on a few dozen examples, divides "delete my data" between ``forget_me`` and
``confirm_forget`` (the typed yes to the question) and the fallback then takes it. So a message
that is only such a request decides by rule: a verb of erasing with what the bot keeps as its
object, not negated; said after "yes" or "sure" it is the confirmation. Nothing is erased on
this alone: the action asks first unless its question came just before (actions/checkins.py).
A request to stop the messages the bot sends is read the same way: DIET split "stop texting me"
between the fallback and "no more reminders thanks" into ``thanks``, and a person who asked the
bot to stop must not be messaged again.
"""

from __future__ import annotations

import re
from typing import List, Optional

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from nlu.components import UntrainedComponent
from nlu.intents import set_intent

# Intent names as domain.yml declares them.
FORGET_ME = "forget_me"
CONFIRM_FORGET = "confirm_forget"
STOP_CHECKINS = "stop_checkins"
# Longer messages say more than the request; the classifiers and the actions read those.
MAX_WORDS = 12
_ERASE = r"(?:forget|delete|erase|wipe|remove|clear|get\s+rid\s+of)"
_KEPT = (
    r"(?:me|my\s+(?:data|info(?:rmation)?|details|history|conversations?|chats?(?:\s+history)?|messages|records?|stuff)"
    r"|(?:it\s+)?(?:all|everything)(?:\s+(?:about\s+me|you\s+(?:know|have|kept|stored)(?:\s+(?:about|on)\s+me)?"
    r"|i\s+(?:told|said\s+to)\s+you))?|this\s+(?:conversation|chat)|what\s+you\s+(?:know|have|kept|stored)(?:\s+(?:about|on)\s+me)?)"
)
_REQUEST = re.compile(rf"\b{_ERASE}\b(?:\s+(?:all\s+of\s+)?)?\s*{_KEPT}(?=\s*(?:please|now|then|[.!?,]|$))")
_NEGATED = re.compile(r"\b(?:don'?t|do\s+not|never|not|no\s+need\s+to|won'?t)\b")
_STOP = re.compile(
    r"\b(?:stop|cancel|end|turn\s+off|switch\s+off|unsubscribe(?:\s+me)?(?:\s+from)?|no\s+more|don'?t|do\s+not|quit)\b"
    r"(?:\s+\w+){0,3}?\s+(?:check(?:ing)?[\s-]?ins?|reminders?|follow[\s-]?ups?|messag(?:es|ing)|texts|texting|nudges|pings)\b"
)
_YES = re.compile(r"^(?:yes|yeah|yep|yup|sure|ok(?:ay)?|go\s+ahead|i\s+confirm|confirmed?)\b")


def data_request_intent(text: str) -> Optional[str]:
    """``forget_me``, ``confirm_forget`` or ``stop_checkins`` for a message that is only such a request, else None."""
    said = " ".join(text.lower().replace("’", "'").split())
    if said.startswith("/") or len(said.split()) > MAX_WORDS:
        return None
    # "Don't check in with me" stops; "don't delete my data" erases nothing.
    if _STOP.search(said):
        return STOP_CHECKINS
    if _NEGATED.search(said) or not _REQUEST.search(said):
        return None
    return CONFIRM_FORGET if _YES.match(said) else FORGET_ME


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class DataRequestDetector(UntrainedComponent):
    """Sets ``forget_me``, ``confirm_forget`` or ``stop_checkins`` on messages that are only that request."""

    def process(self, messages: List[Message]) -> List[Message]:
        """Mark each erasure request; leave the other messages as they are."""
        for message in messages:
            intent = data_request_intent(message.get(TEXT) or "")
            if intent is not None:
                set_intent(message, intent)
        return messages
