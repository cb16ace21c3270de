"""Rasa NLU component that sets the intent ``non_english`` on messages in another language.

It sits after the FallbackClassifier and before the red-flag detector (which still has the last
word), so Spanish, French or German messages get the "English only" reply instead of a guess.
The check itself is :func:`nlu.language_check.looks_non_english`.
"""

from __future__ import annotations

from typing import Any, Dict, List, Text, Type

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.constants import SPACY_DOCS
from rasa.nlu.utils.spacy_utils import SpacyModel, SpacyNLP
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from nlu.components import UntrainedComponent
from nlu.intents import set_intent
from nlu.language_check import looks_non_english

NON_ENGLISH = "non_english"


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False, model_from="SpacyNLP"
)
class LanguageDetector(UntrainedComponent):
    """Marks messages written mostly in another language with the intent ``non_english``."""

    @classmethod
    def required_components(cls) -> List[Type]:
        """SpacyNLP provides the tokens and the entity ruler's matches."""
        return [SpacyNLP]

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        """Shorter messages are left to the classifiers; ``share`` is the non-English word fraction."""
        return {"min_words": 3, "share": 0.5}

    def __init__(self, config: Dict[Text, Any]) -> None:
        self._config = {**self.get_default_config(), **config}

    def process(self, messages: List[Message], model: SpacyModel) -> List[Message]:
        """Set ``non_english`` first in the ranking for messages in another language."""
        for message in messages:
            text = message.get(TEXT)
            if not text:
                continue
            doc = message.get(SPACY_DOCS[TEXT]) or model.model(text.lower())
            # Words the entity ruler recognised (foam roller, theragun...) are our vocabulary.
            known = [t.text for ent in doc.ents for t in ent]
            if looks_non_english(
                [t.text for t in doc], text, known, self._config["min_words"], self._config["share"]
            ):
                set_intent(message, NON_ENGLISH)
        return messages
