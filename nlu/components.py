"""What our untrained NLU components share: Rasa builds them from their config alone."""

from __future__ import annotations

from typing import Any, Dict, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage


class UntrainedComponent(GraphComponent):
    """A component with no training and nothing stored with the model: built from its config.

    Subclasses whose ``__init__`` takes more (an index, a matcher) give it defaults, so tests
    can hand in their own and Rasa's ``create`` builds the shared ones.
    """

    def __init__(self, config: Dict[Text, Any]) -> None:
        self._config = config

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> GraphComponent:
        """Create the component (see GraphComponent)."""
        return cls(config)
