"""Checks the onset form's answer: when the pain started."""

from typing import Any, Dict, Text

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import names
from backcare.onset import UNKNOWN, hours_since


class ValidateOnsetForm(FormValidationAction):
    """Checks the answer to "when did the pain start?" can be read as a time."""

    def name(self) -> Text:
        """The form validation action's name in the domain."""
        return "validate_onset_form"

    def validate_onset(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        """Keep the onset if it parses (or is "unknown"); otherwise ask again."""
        if value == UNKNOWN or hours_since(str(value)) is not None:
            return {names.ONSET: value}
        dispatcher.utter_message(text="Sorry, I didn't catch when it started.")
        return {names.ONSET: None}
