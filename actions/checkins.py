"""Check-ins the person asks for: the 48-hour heat message, pain check-ins, stopping them, forgetting."""

import re
from abc import ABC, abstractmethod
from typing import Any, Dict, List, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import names, time_zone
from actions.answer import ActionAnswerGuidance
from backcare import settings
from backcare.checkins import HEAT_WINDOW_HOURS, CheckinStore, get_checkins
from backcare.onset import describe, hours_since

NO_ONSET = (
    "I can only time that message from when your pain started, and I don't know that yet. "
    "When did it start?"
)
ALREADY_PAST = "It's already more than 48 hours since your pain started, so heat is an option now."
SCHEDULED = (
    "Okay: I'll message you in about {wait}, when 48 hours have passed since your pain started. "
    'Say "stop check-ins" if you change your mind.'
)
# REST and the shell cannot be messaged unprompted: the check-in comes with the next reply.
SCHEDULED_NOT_PUSHED = " If you're not on Telegram, you'll get it with my first reply after that."
PAIN_SCHEDULED = (
    "Okay: in about {wait} I'll ask how your back is, on a scale from 0 to 10, and keep track of "
    'your answers. Say "stop check-ins" if you change your mind.'
)
STOPPED = "Done: I've cancelled your check-ins, so I won't message you unprompted."
NOTHING_TO_STOP = "You have no check-ins scheduled, so I won't message you unprompted."
UTTER_CONFIRM_FORGET = "utter_confirm_forget"
# "Stop check-ins" must say stop: a misread "remind me" must not cancel what the person asked for.
STOP_WORDS = re.compile(r"\b(stop|cancel|no more|don'?t|do not|turn off|unsubscribe|end|quit|enough)\b", re.IGNORECASE)
# A typed "yes" to the pain check-in must say what it agrees to: a misread question is answered.
CHECK_IN_WORDS = re.compile(
    r"\b(check|checking|follow|ask|message|text|ping|nudge|remind|track|keep tabs|get back|contact)\b", re.IGNORECASE
)
FORGOTTEN = (
    "Done: I'm deleting this conversation, when your pain started, what you mentioned and your "
    "check-ins. If you write again, we start afresh."
)


def offered_just_before(tracker: Tracker, payload: str) -> bool:
    """Whether the bot's last message before the person's latest one had a button with ``payload``."""
    seen_user = False
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            if seen_user:
                return False
            seen_user = True
        elif seen_user and event.get("event") == "bot":
            buttons = (event.get("data") or {}).get("buttons") or []
            return any(b.get("payload") == payload for b in buttons)
    return False


def asked_just_before(tracker: Tracker, action: str) -> bool:
    """Whether ``action`` was the bot's last action before the person's latest message."""
    seen_user = False
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            if seen_user:
                return False
            seen_user = True
        elif seen_user and event.get("event") == "action" and event.get("name") != "action_listen":
            return event.get("name") == action
    return False


class CheckinAction(Action, ABC):
    """Base for actions on the person's check-ins, with the store handed in or the shared one.

    The rasa-sdk server builds actions with no arguments; tests pass a store on a temporary database.

    Args:
        checkins: The check-in store (default: the shared one).
        answer: What answers a message misread as being about check-ins (default: the
            answering action on the shared guidance store).
    """

    def __init__(
        self, checkins: Optional[CheckinStore] = None, answer: Optional[ActionAnswerGuidance] = None
    ) -> None:
        self._checkins = checkins
        self._answer = answer or ActionAnswerGuidance()

    @property
    def checkins(self) -> CheckinStore:
        """The check-in store on the conversations' database."""
        if self._checkins is None:
            self._checkins = get_checkins()
        return self._checkins

    # Abstract so that the action server, which registers every concrete Action subclass,
    # skips the base class.
    @abstractmethod
    def name(self) -> str:
        """The action's name in the domain."""


class ActionScheduleCheckin(CheckinAction):
    """Answers "yes, message me at 48 hours" by storing a check-in due at onset + 48 hours.

    Reads the onset and last_entry slots; sets none itself. Without a known onset it asks when
    the pain started; past 48 hours it says heat is an option now instead. A typed message
    after anything but the first-48-hours heat advice was a question ("can you remind me how
    long to use the mat?") and is answered as one; the offer's button always schedules.
    """

    def name(self) -> str:
        """The action's name in the domain."""
        return "action_schedule_checkin"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        """Schedule the 48-hour message and say when it will come."""
        tapped = (tracker.latest_message.get("text") or "").startswith("/")
        pain_offered = offered_just_before(tracker, f"/{names.ACCEPT_PAIN_CHECKIN}")
        if not tapped and pain_offered:
            # "Yes, check in with me" after the pain check-in offer, read as the heat one.
            return await ActionSchedulePainCheckin(self._checkins, self._answer).run(dispatcher, tracker, domain)
        if not tapped and tracker.get_slot(names.LAST_ENTRY) != names.NO_HEAT_ENTRY:
            return await self._answer.run(dispatcher, tracker, domain)
        hours = hours_since(tracker.get_slot(names.ONSET))
        if hours is None:
            dispatcher.utter_message(text=NO_ONSET)
            return []
        if hours >= HEAT_WINDOW_HOURS:
            dispatcher.utter_message(text=ALREADY_PAST)
            return []
        self.checkins.schedule_heat_check(tracker.sender_id, hours)
        text = SCHEDULED.format(wait=describe(HEAT_WINDOW_HOURS - hours))
        if not tracker.sender_id.startswith("telegram:"):
            text += SCHEDULED_NOT_PUSHED
        dispatcher.utter_message(text=text)
        return time_zone.ask_once(dispatcher, tracker)


class ActionSchedulePainCheckin(CheckinAction):
    """Answers "yes, check in with me in a few days" by storing a pain check-in due in ``CHECKIN_PAIN_DAYS``.

    Sets ``pain_checkins``; asks for the time zone once (``time_zone_asked``). The offer's button
    always schedules; a typed message only right after the offer or when it asks for a check-in
    ("can you check on me in a few days?"), else it was a question and is answered as one.
    """

    def name(self) -> str:
        """The action's name in the domain."""
        return "action_schedule_pain_checkin"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        """Schedule the pain check-in and say when it will come."""
        text = tracker.latest_message.get("text") or ""
        offered = offered_just_before(tracker, f"/{names.ACCEPT_PAIN_CHECKIN}")
        if not (text.startswith("/") or offered or CHECK_IN_WORDS.search(text)):
            return await self._answer.run(dispatcher, tracker, domain)
        days = settings.checkin_pain_days()
        self.checkins.schedule_pain_check(tracker.sender_id, days)
        reply = PAIN_SCHEDULED.format(wait=describe(days * 24))
        if not tracker.sender_id.startswith("telegram:"):
            reply += SCHEDULED_NOT_PUSHED
        dispatcher.utter_message(text=reply)
        return [SlotSet(names.PAIN_CHECKINS, True), *time_zone.ask_once(dispatcher, tracker)]


class ActionStopCheckins(CheckinAction):
    """Answers "stop check-ins" by cancelling this conversation's pending check-ins, of every kind.

    Clears ``pain_checkins`` and ``pain_question`` (no score is wanted any more). A typed
    message without a word for stopping was misread and is answered as a question; the button
    under a pain check-in always stops.
    """

    def name(self) -> str:
        """The action's name in the domain."""
        return "action_stop_checkins"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        """Cancel the check-ins and say so."""
        text = tracker.latest_message.get("text") or ""
        if text != f"/{names.STOP_CHECKINS}" and not STOP_WORDS.search(text):
            return await self._answer.run(dispatcher, tracker, domain)
        cancelled = self.checkins.cancel(tracker.sender_id)
        dispatcher.utter_message(text=STOPPED if cancelled else NOTHING_TO_STOP)
        slots = (names.PAIN_CHECKINS, names.PAIN_QUESTION)
        return [SlotSet(slot, None) for slot in slots if tracker.get_slot(slot) is not None]


class ActionForgetMe(CheckinAction):
    """Answers a confirmed "forget me": cancels the check-ins and queues the erasure.

    Only right after the bot asked ``utter_confirm_forget``: a "yes, delete it" out of the blue
    gets the question first, so nothing is erased on a misunderstood message.

    The Rasa server erases the conversation's rows (channels/checkin_loop.py) once this turn is
    saved and no other turn of it runs: erased from here, Rasa would write the whole
    conversation back when it saves this turn.
    """

    def name(self) -> str:
        """The action's name in the domain."""
        return "action_forget_me"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        """Queue the erasure and say what goes."""
        if not asked_just_before(tracker, UTTER_CONFIRM_FORGET):
            dispatcher.utter_message(response=UTTER_CONFIRM_FORGET)
            return []
        self.checkins.request_forget(tracker.sender_id)
        dispatcher.utter_message(text=FORGOTTEN)
        return []
