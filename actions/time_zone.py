"""The person's time zone, asked once when a check-in is first scheduled, for the quiet hours."""

import time
from typing import Any, Dict, List, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import names
from actions.answer import ActionAnswerGuidance
from backcare import settings
from backcare.store import GuidanceStore
from backcare.time_zones import local_time, read_zone

ASK = (
    "So I don't message you at night: what time is it where you are? A city or a UTC offset works "
    'too, like "London" or "UTC+2".'
)
SEVERAL = "{place} has several time zones. What time is it where you are, for example 3pm?"
NOTED = "Thanks: I've set your time zone to {zone} (it's {clock} there now)."
QUIET = " I won't message you between {start}:00 and {end}:00 your time."
# Only Telegram check-ins are pushed unprompted; elsewhere they come with the person's next
# message, when quiet hours do not matter, so nobody else is asked.
PUSHED_PREFIX = "telegram:"


def ask_once(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[EventType]:
    """Ask for the time zone if this conversation gets pushed check-ins and never said or was asked.

    The check-in is already scheduled: an unanswered question leaves the quiet hours in UTC.
    Sets ``time_zone_asked``.
    """
    if not tracker.sender_id.startswith(PUSHED_PREFIX):
        return []
    if tracker.get_slot(names.TIME_ZONE) or tracker.get_slot(names.TIME_ZONE_ASKED):
        return []
    dispatcher.utter_message(text=ASK)
    return [SlotSet(names.TIME_ZONE_ASKED, True)]


class ActionSetTimeZone(Action):
    """Answers "UTC+2", "it's 3pm" or "London" by keeping the time zone in the ``time_zone`` slot.

    A country with several zones gets asked for the time instead. A message that is no such
    answer after all (the NLU rule misfired) is answered as a question, from ``store``.
    """

    def __init__(self, store: Optional[GuidanceStore] = None) -> None:
        self._store = store

    def name(self) -> str:
        """The action's name in the domain."""
        return "action_set_time_zone"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        """Keep the zone and say the local time it gives, so a wrong guess shows at once."""
        now = time.time()
        reply = read_zone(tracker.latest_message.get("text") or "", now)
        if reply is None:
            return await ActionAnswerGuidance(self._store).run(dispatcher, tracker, domain)
        if reply.zone is None:
            dispatcher.utter_message(text=SEVERAL.format(place=reply.several or "That country"))
            return []
        text = NOTED.format(zone=reply.zone, clock=f"{local_time(now, reply.zone):%H:%M}")
        quiet = settings.checkin_quiet_hours()
        if quiet is not None and quiet[0] != quiet[1]:
            text += QUIET.format(start=f"{quiet[0]:02d}", end=f"{quiet[1]:02d}")
        dispatcher.utter_message(text=text)
        return [SlotSet(names.TIME_ZONE, reply.zone), SlotSet(names.TIME_ZONE_ASKED, True)]
