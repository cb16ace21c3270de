"""Rasa NLU component: ranks the guidance entries a message may be asking about.

It puts the best entries, by the hybrid of meaning and words in :mod:`backcare.ranking`, into
the parse data as ``guidance_ranking`` (ids and scores only), so the answering action reads them
from ``tracker.latest_message`` and adds the conversation's context. Ranking here, in the Rasa
server, reuses the message vector the featurizer already computed and keeps the encoder out of
the action server.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from backcare.encoder import get_encoder
from backcare.ranking import GuidanceIndex
from backcare.store import get_store

RANKING = "guidance_ranking"
LIMIT = 20


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class GuidanceRanker(GraphComponent):
    """Adds ``guidance_ranking``: the best entries for the message's text, best first."""

    def __init__(self, config: Dict[Text, Any], index: Optional[GuidanceIndex] = None) -> None:
        self._config = config
        self._index = index

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> GuidanceRanker:
        """The component; the index is built on the first message, from the current guidance."""
        return cls(config)

    @property
    def index(self) -> GuidanceIndex:
        """Entry vectors for the store, computed once per process."""
        if self._index is None:
            self._index = GuidanceIndex(get_store(), get_encoder())
        return self._index

    def process(self, messages: List[Message]) -> List[Message]:
        """Rank the entries for each message with text (button payloads name their entry)."""
        for message in messages:
            text = message.get(TEXT)
            if text and not text.startswith("/"):
                ranking = [s.to_json() for s in self.index.rank(text, LIMIT)]
                message.set(RANKING, ranking, add_to_output=True)
        return messages
