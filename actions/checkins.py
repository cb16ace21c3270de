"""Check-ins the person asks for: scheduling the 48-hour heat message, stopping them, forgetting."""

import re
from abc import ABC, abstractmethod
from typing import Any, Dict, List, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions import names
from actions.answer import ActionAnswerGuidance
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
STOPPED = "Done: I've cancelled your check-ins, so I won't message you unprompted."
NOTHING_TO_STOP = "You have no check-ins scheduled, so I won't message you unprompted."
UTTER_CONFIRM_FORGET = "utter_confirm_forget"
# "Stop check-ins" must say stop: a misread "remind me" must not cancel what the person asked for.
STOP_WORDS = re.compile(r"\b(stop|cancel|no more|don'?t|do not|turn off|unsubscribe|end|quit|enough)\b", re.IGNORECASE)
FORGOTTEN = (
    "Done: I'm deleting this conversation, when your pain started, what you mentioned and your "
    "check-ins. If you write again, we start afresh."
)


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
    """

    def __init__(self, checkins: Optional[CheckinStore] = None) -> None:
        self._checkins = checkins

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
        if not tapped and tracker.get_slot(names.LAST_ENTRY) != names.NO_HEAT_ENTRY:
            return await ActionAnswerGuidance().run(dispatcher, tracker, domain)
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
        return []


class ActionStopCheckins(CheckinAction):
    """Answers "stop check-ins" by cancelling this conversation's pending check-ins. Reads no slot.

    A message without a word for stopping was misread and is answered as a question.
    """

    def name(self) -> str:
        """The action's name in the domain."""
        return "action_stop_checkins"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        """Cancel the check-ins and say so."""
        if not STOP_WORDS.search(tracker.latest_message.get("text") or ""):
            return await ActionAnswerGuidance().run(dispatcher, tracker, domain)
        cancelled = self.checkins.cancel(tracker.sender_id)
        dispatcher.utter_message(text=STOPPED if cancelled else NOTHING_TO_STOP)
        return []


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
