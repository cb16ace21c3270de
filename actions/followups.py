"""Answers about the last answer: why, tell me more, where is that from, and button picks."""

from abc import ABC
from typing import Any, Dict, List, Optional

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions import names
from actions.base import StoreAction
from backcare.store import Entry


class FollowUpAction(StoreAction, ABC):
    """Base for follow-ups on the entry in the ``last_entry`` slot."""

    def last(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> Optional[Entry]:
        """The last entry given, or None after telling the person there is none yet."""
        entry = self.store.get(tracker.get_slot(names.LAST_ENTRY) or "")
        if entry is None:
            dispatcher.utter_message(response=names.UTTER_NO_CONTEXT)
        return entry


class ActionExplainWhy(FollowUpAction):
    """Answers "why?" with the rationale of the last answer. Reads last_entry."""

    def name(self) -> str:
        """The action's name in the domain."""
        return "action_explain_why"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        """Say why the last advice holds."""
        entry = self.last(dispatcher, tracker)
        if entry is not None:
            dispatcher.utter_message(
                text=entry.rationale,
                buttons=[{"title": "Source", "payload": f"/{names.ASK_SOURCE}"}],
                entry_id=entry.id,
            )
        return []


class ActionCiteSource(FollowUpAction):
    """Answers "where is that from?" with the source of the last answer. Reads last_entry."""

    def name(self) -> str:
        """The action's name in the domain."""
        return "action_cite_source"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        """Name the source, its publisher and its address when it has one."""
        entry = self.last(dispatcher, tracker)
        if entry is not None:
            source = self.store.source_of(entry)
            where = f" ({source.url})" if source.url else ""
            dispatcher.utter_message(
                text=f"That comes from \"{source.title}\", {source.publisher}{where}, in my own words.",
                entry_id=entry.id,
            )
        return []


class ActionTellMore(FollowUpAction):
    """Answers "tell me more" with the next related entry, or the last one's other cautions."""

    def name(self) -> str:
        """The action's name in the domain."""
        return "action_tell_more"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        """Give the first follow-up of the last entry; sets last_entry to it."""
        entry = self.last(dispatcher, tracker)
        if entry is None:
            return []
        hours = self.onset_hours(tracker)
        for target in entry.follow_ups:
            follow = self.store.get(target)
            if follow is not None and follow.fits(hours):
                return self.answer(dispatcher, tracker, follow)
        extra = " ".join(entry.cautions[1:]) or "That's everything I have on this one."
        dispatcher.utter_message(text=extra, entry_id=entry.id)
        return []


class ActionAnswerEntry(StoreAction):
    """Answers a quick-reply button that names an entry (``/ask_entry{"entry_id": ...}``)."""

    def name(self) -> str:
        """The action's name in the domain."""
        return "action_answer_entry"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        """Give the named entry; an unknown id gets the topics list."""
        entry_id = next(tracker.get_latest_entity_values(names.ENTRY_ID), None)
        entry = self.store.get(str(entry_id or ""))
        if entry is None:
            dispatcher.utter_message(response="utter_capabilities")
            return []
        return self.answer(dispatcher, tracker, entry)
