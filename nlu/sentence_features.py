"""Rasa NLU featurizer: the shared sentence encoder's vector of each message, for DIET.

DIET then sees what a message means beside which words and character n-grams it has, so
"hiya" lands near "hello" although no example says "hiya". The vector comes from
:func:`backcare.encoder.get_encoder`, whose cache lets the guidance ranker and the red-flag
detector reuse it within the same turn.
"""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from backcare.encoder import SentenceEncoder, get_encoder


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class SentenceEncoderFeaturizer(DenseFeaturizer, GraphComponent):
    """Adds one dense sentence feature (384 numbers) to the text of every message."""

    def __init__(self, config: Dict[Text, Any], name: Text, encoder: SentenceEncoder | None = None) -> None:
        super().__init__(name, config)
        self._encoder = encoder

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> SentenceEncoderFeaturizer:
        """The component; the encoder loads on first use, once per process."""
        return cls(config, execution_context.node_name)

    @property
    def encoder(self) -> SentenceEncoder:
        """The encoder handed in, or the process's shared one."""
        if self._encoder is None:
            self._encoder = get_encoder()
        return self._encoder

    def process(self, messages: List[Message]) -> List[Message]:
        """Featurize the messages that have text, in one batch."""
        with_text = [m for m in messages if m.get(TEXT)]
        if with_text:
            vectors = self.encoder.encode([m.get(TEXT) for m in with_text])
            for message, vector in zip(with_text, vectors):
                features = Features(vector[None, :], FEATURE_TYPE_SENTENCE, TEXT, self._config["alias"])
                message.add_features(features)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Featurize every training example (once, at training time)."""
        self.process(training_data.training_examples)
        return training_data

    @classmethod
    def validate_config(cls, config: Dict[Text, Any]) -> None:
        """No settings beyond Rasa's featurizer alias."""
