"""Shared machinery for actions that answer from the guidance store."""

from abc import ABC, abstractmethod
from typing import Any, Dict, List, Optional, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import names
from backcare.onset import hours_since
from backcare.store import Entry, GuidanceStore, Topic, get_store

KINDS = (names.EQUIPMENT, names.BODY_AREA, names.THERAPY)
MAX_FOLLOW_UP_BUTTONS = 2
# Ranking weights: a named thing or a matching onset window outweighs loose word overlap.
TOPIC_BONUS = 3.0
RELATED_TOPIC_BONUS = 1.5
ONSET_BONUS = 5.0
# Equipment and therapy pin an answer down; "lower back" is in almost every question.
NAMED_BONUS = {names.EQUIPMENT: 5.0, names.THERAPY: 3.0, names.BODY_AREA: 1.5}
CONTEXT_BONUS = 2.0
DEFAULT_BONUS = 1.0


def entry_button(entry: Entry) -> Dict[str, Any]:
    """A quick reply that asks for one entry: its question as the title."""
    return {"title": entry.question, "payload": f'/{names.ASK_ENTRY}{{"{names.ENTRY_ID}": "{entry.id}"}}'}


class StoreAction(Action, ABC):
    """An action that reads the guidance store, handed in or loaded on first use.

    The rasa-sdk server builds every action with no arguments, so the store defaults to the
    shared lazily loaded one; tests pass a small store of their own.
    """

    def __init__(self, store: Optional[GuidanceStore] = None) -> None:
        self._store = store

    # Abstract so that the action server, which registers every concrete Action subclass,
    # skips the base classes.
    @abstractmethod
    def name(self) -> str:
        """The action's name in the domain."""

    @property
    def store(self) -> GuidanceStore:
        """The store this action answers from."""
        if self._store is None:
            self._store = get_store()
        return self._store

    def mentioned(self, tracker: Tracker) -> Dict[str, str]:
        """Vocabulary ids named in the latest message, by entity kind."""
        found: Dict[str, str] = {}
        for entity in tracker.latest_message.get("entities", []):
            kind = entity.get("entity")
            if kind in KINDS and kind not in found:
                canonical = self.store.canonical(kind, str(entity.get("value", "")))
                if canonical:
                    found[kind] = canonical
        return found

    def remembered(self, tracker: Tracker) -> Dict[str, str]:
        """Vocabulary ids from the slots: what the conversation was about before."""
        found = {}
        for kind in KINDS:
            canonical = self.store.canonical(kind, tracker.get_slot(kind))
            if canonical:
                found[kind] = canonical
        return found

    @staticmethod
    def onset_hours(tracker: Tracker) -> Optional[float]:
        """Hours since the pain started, from the onset slot, if known."""
        return hours_since(tracker.get_slot(names.ONSET))

    def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker, entry: Entry) -> List[EventType]:
        """Say ``entry`` for this conversation's onset, in 2-4 sentences with follow-up buttons.

        Every action that names an entry comes through here. An entry that depends on when the
        pain started is swapped for its variant that fits the onset; when the onset was never
        asked, the onset form asks first and ``pending_entry`` keeps the question for after; once
        it was asked and not known ("not sure"), the onset-free entry is said instead.
        Sets ``last_entry`` for "why?".
        """
        hours = self.onset_hours(tracker)
        if entry.needs_onset and tracker.get_slot(names.ONSET) is None:
            return [SlotSet(names.PENDING_ENTRY, entry.id), FollowupAction(names.ONSET_FORM)]
        entry = self.store.for_onset(entry, hours)
        dispatcher.utter_message(text=entry.render(hours), buttons=self.buttons(entry, hours), entry_id=entry.id)
        events: List[EventType] = [SlotSet(names.LAST_ENTRY, entry.id)]
        if tracker.get_slot(names.PENDING_ENTRY) is not None:
            events.append(SlotSet(names.PENDING_ENTRY, None))
        return events

    def buttons(self, entry: Entry, hours: Optional[float]) -> List[Dict[str, Any]]:
        """Quick replies for the natural next questions about an entry that fit the onset."""
        buttons = [{"title": "Why?", "payload": f"/{names.ASK_WHY}"}]
        follows = [self.store.get(target) for target in entry.follow_ups]
        fitting = [f for f in follows if f is not None and f.fits(hours) and f.id != entry.id]
        buttons += [entry_button(f) for f in fitting[:MAX_FOLLOW_UP_BUTTONS]]
        buttons.append({"title": "Source", "payload": f"/{names.ASK_SOURCE}"})
        return buttons


class TopicAction(StoreAction, ABC):
    """Answers a topic question with the entry that best fits what was said.

    Subclasses set ``topics`` (the first is the action's own topic) and ``action_name``.
    Reads the equipment, body_area and therapy slots; sets ``last_entry``. The domain must
    declare those slots and the ``ask_why``, ``ask_source`` and ``ask_entry`` intents.
    """

    @property
    @abstractmethod
    def action_name(self) -> str:
        """The action's name in the domain (a class attribute in subclasses)."""

    @property
    @abstractmethod
    def topics(self) -> Tuple[Topic, ...]:
        """The topics this action answers from, its own first (a class attribute in subclasses)."""

    def name(self) -> str:
        """The action's name in the domain."""
        return self.action_name

    def choose(self, tracker: Tracker) -> Optional[Entry]:
        """The entry that best answers the latest message.

        Ranks every entry by how well its words match (BM25), plus bonuses: for this action's
        own topic and its related topics, for the equipment, body area or therapy named now
        (more) or earlier in the conversation (less), and for an onset window that holds.
        Entries whose onset window excludes the onset (or needs an unknown one) never win.
        """
        text = tracker.latest_message.get("text") or ""
        now = self.mentioned(tracker)
        before = self.remembered(tracker)
        hours = self.onset_hours(tracker)
        words = self.store.scores(text)
        best: Optional[Tuple[float, Entry]] = None
        for entry in self.store.entries:
            window = entry.applies_to.hours_since_onset
            if window is not None and (hours is None or not window.contains(hours)):
                continue
            score = words[entry.id] + ONSET_BONUS * (window is not None)
            if entry.topic == self.topics[0]:
                score += TOPIC_BONUS + DEFAULT_BONUS * entry.default
            elif entry.topic in self.topics:
                score += RELATED_TOPIC_BONUS
            for kind, value in now.items():
                score += NAMED_BONUS[kind] * (value in getattr(entry.applies_to, kind))
            for kind, value in before.items():
                score += CONTEXT_BONUS * (value in getattr(entry.applies_to, kind))
            if best is None or score > best[0]:
                best = (score, entry)
        return best[1] if best else None

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        """Answer the latest message from this action's topics."""
        entry = self.store.get(tracker.get_slot(names.PENDING_ENTRY) or "") or self.choose(tracker)
        if entry is None:
            dispatcher.utter_message(response="utter_capabilities")
            return []
        return self.answer(dispatcher, tracker, entry)
