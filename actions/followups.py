"""Answers about the last answer: why, tell me more, where is that from, and button picks."""

import re
from abc import ABC
from typing import Any, Dict, List, Optional

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions import names
from actions.answer import ActionAnswerGuidance
from actions.base import StoreAction
from backcare import english
from backcare.guidance_schema import Entry

# While the onset form asks, "why?" and "source?" are about the answer that is coming.
PENDING_WHY = "I'm asking when your pain started because the advice depends on it. "
PENDING_SOURCE = "The answer I'm about to give"
# "What is a slipped disc?" asks about a thing; "why?" asks about the last answer.
CONTENT_QUESTION = re.compile(r"^\s*(what is|what's|whats|what are|what does)\b\W*\w+\W+\w+", re.IGNORECASE)
# "Ok", "lol ok", "right, got it": after an answer that asked nothing, it takes the answer in; only
# a yes ("yes please", "go on") asks for more.
ACKNOWLEDGEMENT = re.compile(
    r"^\W*(?:(?:lol|haha|ah|oh|hmm|right|ok|okay|k|kk|cool|fine|alright|got it|gotcha|fair enough)\W*)+$", re.IGNORECASE
)


class FollowUpAction(StoreAction, ABC):
    """Base for follow-ups on the entry in the ``last_entry`` slot (``pending_entry`` first)."""

    def pending(self, tracker: Tracker) -> Optional[Entry]:
        """The onset-free form of the entry the onset form is asking for, if it is asking."""
        entry = self.store.get(tracker.get_slot(names.PENDING_ENTRY) or "")
        return None if entry is None else self.store.for_onset(entry, None)

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
        """Say why the last advice holds (or the coming one, while the onset form asks)."""
        if CONTENT_QUESTION.match(tracker.latest_message.get("text") or ""):
            return await ActionAnswerGuidance(self._store).run(dispatcher, tracker, domain)
        coming = self.pending(tracker)
        if coming is not None:
            dispatcher.utter_message(text=PENDING_WHY + coming.rationale, entry_id=coming.id)
            return []
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
        coming = self.pending(tracker)
        entry = coming or self.last(dispatcher, tracker)
        if entry is not None:
            source = self.store.source_of(entry)
            where = f" ({source.url})" if source.url else ""
            subject = PENDING_SOURCE if coming else "That"
            dispatcher.utter_message(
                text=f"{subject} comes from \"{source.title}\", {source.publisher}{where}, in my own words.",
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
        """Give the first follow-up of the last entry, setting last_entry to it; a plain "ok" gets "anything else?".

        A question read as a yes ("how long for?") is answered as the question it is.
        """
        text = tracker.latest_message.get("text") or ""
        if ACKNOWLEDGEMENT.match(text):
            dispatcher.utter_message(response="utter_anything_else")
            return []
        if tracker.latest_message.get("intent", {}).get("name") == names.AFFIRM and english.is_question(text):
            return await ActionAnswerGuidance(self._store).run(dispatcher, tracker, domain)
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


class ActionRepeat(StoreAction):
    """Answers "say that again" with the bot's messages of the previous turn, buttons included."""

    def name(self) -> str:
        """The action's name in the domain."""
        return "action_repeat"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        """Say the previous turn's messages again, or that there is nothing to repeat."""
        said = previous_turn(tracker.events)
        if not said:
            dispatcher.utter_message(response=names.UTTER_NO_CONTEXT)
        for event in said:
            data = event.get("data") or {}
            extra = {k: v for k, v in (event.get("metadata") or {}).items() if k == names.ENTRY_ID}
            dispatcher.utter_message(text=event.get("text"), buttons=data.get("buttons") or [], **extra)
        return []


def previous_turn(events: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """The bot messages between the last two user messages before this one."""
    users = [i for i, e in enumerate(events) if e.get("event") == "user"]
    if len(users) < 2:
        return []
    start, end = users[-2], users[-1]
    return [e for e in events[start:end] if e.get("event") == "bot" and e.get("text")]
