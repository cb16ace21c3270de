"""Rasa NLU component: ranks the guidance entries a message may be asking about.

It puts the best entries, by the hybrid of meaning and words in :mod:`backcare.ranking`, into
the parse data as ``guidance_ranking`` (ids and scores only), so the answering action reads them
from ``tracker.latest_message`` and adds the conversation's context. Ranking here, in the Rasa
server, reuses the message vector the featurizer already computed and keeps the encoder out of
the action server.
"""

from __future__ import annotations

import re
from dataclasses import replace
from functools import lru_cache
from typing import Any, Dict, List, Optional, Text

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import ENTITIES, ENTITY_ATTRIBUTE_TYPE, INTENT, INTENT_NAME_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from backcare.encoder import get_encoder
from backcare.guidance_loader import get_store
from backcare.ranking import ALSO, RANKING, GuidanceIndex, Scored
from nlu.components import UntrainedComponent
from nlu.intents import set_intent

LIMIT = 20
# A second question counts when its own best entry is at least this good (a cosine-scale score).
ALSO_MIN_SCORE = 0.6
_QUESTIONS = re.compile(r"(?<=\?)\s+|\s+(?:and also|also|plus|oh and)\s+", re.IGNORECASE)
MIN_QUESTION_WORDS = 3
_SENTENCES = re.compile(r"(?<=[.!?])\s+")
# A question sentence this long says what it asks without the sentences before it.
MIN_ASKED_WORDS = 4
# "Tens machine any good", "would a hot shower help": a message that fits a guidance entry this
# well is a guidance question, whatever the classifier says of a few words (its "out of scope" or
# "what can you do?" flips between trainings). None of the out-of-scope training examples fits any
# entry above 0.9; one that names a thing of the guidance's vocabulary needs less.
IN_SCOPE_ABOVE = 1.0
NAMED_IN_SCOPE_ABOVE = 0.8
UNSURE_INTENTS = frozenset({"out_of_scope", "nlu_fallback", "ask_capabilities"})
THING_ENTITIES = frozenset({"equipment", "therapy"})
ASK_GUIDANCE = "ask_guidance"


def asked_sentence(text: str) -> Optional[str]:
    """The last sentence, when it is a question told after sentences that are not ("...fine. what if...?")."""
    sentences = [p for p in _SENTENCES.split(text.strip()) if re.search(r"\w", p)]
    if len(sentences) < 2 or not sentences[-1].rstrip().endswith("?") or any("?" in p for p in sentences[:-1]):
        return None
    return sentences[-1] if len(sentences[-1].split()) >= MIN_ASKED_WORDS else None


@lru_cache(maxsize=None)
def get_index() -> GuidanceIndex:
    """The index of the current guidance, built on first use and shared (the red-flag detector re-ranks with it)."""
    return GuidanceIndex(get_store(), get_encoder())


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class GuidanceRanker(UntrainedComponent):
    """Adds ``guidance_ranking``: the best entries for the message's text, best first."""

    def __init__(self, config: Dict[Text, Any], index: Optional[GuidanceIndex] = None) -> None:
        self._config = config
        self._index = index

    @property
    def index(self) -> GuidanceIndex:
        """Entry vectors for the store, computed once per process."""
        if self._index is None:
            self._index = get_index()
        return self._index

    def process(self, messages: List[Message]) -> List[Message]:
        """Rank the entries for each message with text (button payloads name their entry).

        A message the classifier was unsure of (or read as out of scope, or as "what can you
        do?") that fits an entry well becomes ``ask_guidance`` (:meth:`in_scope`).
        """
        for message in messages:
            text = message.get(TEXT)
            if text and not text.startswith("/"):
                ranking = self.rank(text)
                message.set(RANKING, [s.to_json() for s in ranking], add_to_output=True)
                if ranking and self.in_scope(message, ranking[0].score):
                    set_intent(message, ASK_GUIDANCE)
                also = self.second_question(text, ranking[0].entry_id if ranking else "")
                if also is not None:
                    message.set(ALSO, also, add_to_output=True)
        return messages

    @staticmethod
    def in_scope(message: Message, best: float) -> bool:
        """Whether a message the classifier was unsure of fits an entry well enough to be a guidance question."""
        if (message.get(INTENT) or {}).get(INTENT_NAME_KEY) not in UNSURE_INTENTS:
            return False
        named = any(e.get(ENTITY_ATTRIBUTE_TYPE) in THING_ENTITIES for e in message.get(ENTITIES) or [])
        return best >= (NAMED_IN_SCOPE_ABOVE if named else IN_SCOPE_ABOVE)

    def rank(self, text: str) -> List[Scored]:
        """The best entries for the message, or for its question when context comes first.

        "No tingles, waterworks fine, just a sore back. What if a box is too heavy for me?": the
        told part pulls the whole message toward other entries, so the question sentence is
        ranked on its own as well. An entry keeps the better of its whole-message score and the
        mean of the two: a bare "how do I manage my back?" after "I drive a lorry all day" must
        not outrank the entry the context points to.
        """
        ranking = self.index.rank(text, LIMIT)
        question = asked_sentence(text)
        if question is None:
            return ranking
        whole = {s.entry_id: s for s in ranking}
        # An entry outside the whole message's top LIMIT scores at most the last one in it.
        floor = ranking[-1].score if ranking else 0.0
        best = dict(whole)
        for scored in self.index.rank(question, LIMIT):
            told = whole[scored.entry_id].score if scored.entry_id in whole else floor
            mean = (told + scored.score) / 2
            if mean > told:
                best[scored.entry_id] = replace(scored, score=mean)
        return sorted(best.values(), key=lambda s: s.score, reverse=True)[:LIMIT]

    def second_question(self, text: str, main: str) -> Optional[Dict[str, object]]:
        """The best entry of another question in the message, when it is not the main answer."""
        parts = [p for p in _QUESTIONS.split(text) if len(p.split()) >= MIN_QUESTION_WORDS]
        if len(parts) < 2:
            return None
        tops = [self.index.rank(part, 1)[0] for part in parts]
        others = [t for t in tops if t.entry_id != main and t.score >= ALSO_MIN_SCORE]
        return max(others, key=lambda t: t.score).to_json() if others else None
