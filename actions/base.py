"""Shared machinery for actions that answer from the guidance store."""

from abc import ABC, abstractmethod
from typing import Any, Dict, List, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import names
from actions.history import advice_for, aged_signs, standing_signs
from backcare import settings, subject
from backcare.guidance_loader import get_store
from backcare.guidance_schema import Entry, Topic
from backcare.ongoing_pain import about_ongoing_pain
from backcare.onset import describe, hours_since
from backcare.red_flag_data import RedFlagData, Tier, get_red_flags
from backcare.store import GuidanceStore

KINDS = (names.EQUIPMENT, names.BODY_AREA, names.THERAPY)
MAX_FOLLOW_UP_BUTTONS = 2
# Advice for the person doing the lifting: "how do I pick my son up?" after "my son is 2" is about
# the back of the person typing, not "for your son".
CARRYING_ENTRIES = frozenset({"lifting.children"})
# Medicine advice is written for adults (NICE NG59 covers over-16s); a child's medicine is the
# pharmacist's or GP's call, whatever the entry says.
ADULT_AGE = 16
CHILD_MEDICINE = (
    "As this is for a child, please ask a pharmacist or GP before giving any medicine: what is "
    "suitable, and how much, depends on their age."
)


def entry_button(entry: Entry) -> Dict[str, Any]:
    """A quick reply that asks for one entry: its question as the title."""
    return {"title": entry.question, "payload": f'/{names.ASK_ENTRY}{{"{names.ENTRY_ID}": "{entry.id}"}}'}


def pain_checkin_button() -> Dict[str, Any]:
    """The quick reply that accepts a pain check-in in ``CHECKIN_PAIN_DAYS``."""
    wait = describe(settings.checkin_pain_days() * 24)
    return {"title": names.PAIN_CHECKIN_OFFER.format(wait=wait), "payload": f"/{names.ACCEPT_PAIN_CHECKIN}"}


def escalate(
    dispatcher: CollectingDispatcher, tracker: Tracker, red_flags: RedFlagData, tier: Tier, signs: List[str]
) -> List[EventType]:
    """Say ``tier``'s message for ``signs`` and end any active form and pending question."""
    # The signs go with the reply so a vague follow-up ("what do I do?") can say the same again.
    dispatcher.utter_message(text=red_flags.message_for(tier, signs), red_flag_tier=tier.value, red_flag_signs=signs)
    events: List[EventType] = [ActiveLoop(None), SlotSet(names.REQUESTED_SLOT, None)]
    # A question the onset form was asking for is dropped: the escalation is the answer.
    if tracker.get_slot(names.PENDING_ENTRY) is not None:
        events.append(SlotSet(names.PENDING_ENTRY, None))
    return events


class StoreAction(Action, ABC):
    """An action that reads the guidance store, handed in or loaded on first use.

    The rasa-sdk server builds every action with no arguments, so the store (and the red-flag
    data) default to the shared lazily loaded ones; tests pass a small store of their own.
    """

    def __init__(self, store: Optional[GuidanceStore] = None, red_flags: Optional[RedFlagData] = None) -> None:
        self._store = store
        self._red_flags = red_flags

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

    @property
    def red_flags(self) -> RedFlagData:
        """The red-flag data, for age-bound signs whose age was said in an earlier turn."""
        if self._red_flags is None:
            self._red_flags = get_red_flags()
        return self._red_flags

    def escalate_for_age(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> Optional[List[EventType]]:
        """Escalate an age-bound sign said without an age, if an earlier message gave an age in range.

        "He's never had back pain before" after "my dad is 77". None when there is nothing to escalate.
        """
        aged = aged_signs(tracker, self.red_flags)
        if not aged:
            return None
        tier = max((s.tier for s in aged), key=lambda t: t.rank)
        return escalate(dispatcher, tracker, self.red_flags, tier, [s.id for s in aged])

    def mentioned(self, tracker: Tracker, message: Optional[Dict[str, Any]] = None) -> Dict[str, str]:
        """Vocabulary ids named in the latest message (or in ``message``'s parse data), by entity kind."""
        found: Dict[str, str] = {}
        for entity in (tracker.latest_message if message is None else message).get("entities") or []:
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

    def answer(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        entry: Entry,
        also: Optional[Entry] = None,
        onset: Optional[str] = None,
    ) -> List[EventType]:
        """Say ``entry`` for this conversation's onset, in 2-4 sentences with follow-up buttons.

        Every action that names an entry comes through here. An entry that depends on when the
        pain started is swapped for its variant that fits the onset; when the onset was never
        asked, this sets ``pending_entry`` and says nothing, and the rules in
        data/rules/guidance.yml run the onset form and then answer the pending entry; once
        it was asked and not known ("not sure"), the onset-free entry is said instead.
        ``also``, an entry for a second question in the same message, is offered as a button;
        advice for the first 48 hours comes with the offer of a message when they are over, and
        an answer about pain that goes on (``backcare.ongoing_pain``) with the offer of a pain
        check-in in a few days, unless pain check-ins are already on.
        Sets ``last_entry`` for "why?" and adds the entry to ``said_entries``; ``onset``, a
        corrected onset, is answered for and replaces the ``onset`` slot.

        A question about someone else ("can my dad use heat?") is answered for them, and so are
        the next ones until the person asks for themselves again; an age-bound warning sign ("he's
        never had back pain before") escalates when the age said for them, in any turn, is in range.
        Medicine advice for a child (an age under 16 said for them) adds that a pharmacist or GP
        decides what they may take.
        """
        escalated = self.escalate_for_age(dispatcher, tracker)
        if escalated is not None:
            return escalated
        # A first-ever back pain at an age in range, said earlier for this person, still holds.
        standing = standing_signs(tracker, self.red_flags)
        if standing:
            tier = max((s.tier for s in standing), key=lambda t: t.rank)
            return escalate(dispatcher, tracker, self.red_flags, tier, [s.id for s in standing])
        who, age = advice_for(tracker)
        if entry.id in CARRYING_ENTRIES and subject.carried(who):
            who = None
        onset = onset or tracker.get_slot(names.ONSET)
        hours = hours_since(onset)
        # With the onset unknown, "heat or ice?" and "can I use a heat pad?" get the general rule
        # of their family at once ("it depends on when it started: ..."), then the onset question
        # (pending_entry), so the next answer says which half applies ("a warm bath is fine" is
        # never said before the onset is known). Advice with no onset-free form waits for it.
        asked = entry
        ask_after = False
        if self.store.depends_on_onset(entry) and onset is None:
            entry = self.store.for_onset(entry, None)
            if not entry.fits(None):
                return [SlotSet(names.PENDING_ENTRY, asked.id)]
            ask_after = self.store.is_fallback(entry)
        entry = self.store.for_onset(entry, hours)
        buttons = self.buttons(entry, hours)
        if also is not None and also.id != entry.id:
            buttons.insert(1, entry_button(also))
        if entry.id == names.NO_HEAT_ENTRY:
            # Heat becomes an option at 48 hours: offer to say so then (actions/checkins.py).
            buttons.insert(1, {"title": names.CHECKIN_OFFER, "payload": f"/{names.ACCEPT_CHECKIN}"})
        elif who is None and not tracker.get_slot(names.PAIN_CHECKINS) and about_ongoing_pain(
            entry, tracker.latest_message.get("text") or "", hours
        ):
            # Check-ins follow the person's own back, never the one they ask for ("my dad").
            buttons.insert(1, pain_checkin_button())
        advice = entry.render(hours)
        medicine = entry.topic is Topic.MEDICINE or entry.id == names.MEDICINE_ENTRY
        if medicine and who is not None and age is not None and age < ADULT_AGE:
            advice = f"{advice} {CHILD_MEDICINE}"
        dispatcher.utter_message(text=f"For {who}: {advice}" if who else advice, buttons=buttons, entry_id=entry.id)
        said = [e for e in tracker.get_slot(names.SAID_ENTRIES) or [] if e != entry.id]
        events: List[EventType] = [SlotSet(names.LAST_ENTRY, entry.id), SlotSet(names.SAID_ENTRIES, [*said, entry.id])]
        if ask_after:
            events.append(SlotSet(names.PENDING_ENTRY, asked.id))
        elif tracker.get_slot(names.PENDING_ENTRY) is not None:
            events.append(SlotSet(names.PENDING_ENTRY, None))
        if onset != tracker.get_slot(names.ONSET):
            events.append(SlotSet(names.ONSET, onset))
        return events

    def buttons(self, entry: Entry, hours: Optional[float]) -> List[Dict[str, Any]]:
        """Quick replies for the natural next questions about an entry that fit the onset."""
        buttons = [{"title": "Why?", "payload": f"/{names.ASK_WHY}"}]
        follows = [self.store.get(target) for target in entry.follow_ups]
        fitting = [f for f in follows if f is not None and f.fits(hours) and f.id != entry.id]
        buttons += [entry_button(f) for f in fitting[:MAX_FOLLOW_UP_BUTTONS]]
        buttons.append({"title": "Source", "payload": f"/{names.ASK_SOURCE}"})
        return buttons
