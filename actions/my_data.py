"""What the bot keeps about the person, for "what do you know about me?"."""

import re
import time
from typing import Any, Dict, List, Optional

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions import names
from actions.checkins import CheckinAction
from backcare.checkins import PAIN
from backcare.onset import UNKNOWN, describe
from backcare.pain_scores import scores_from_slot, show
from backcare.time_zones import local_time

INTRO = "Here's what I keep about you in this conversation:"
NOTHING = "I don't keep anything about you yet beyond this conversation's messages."
OUTRO = 'Say "forget me" to delete all of it, or "stop check-ins" to cancel check-ins.'
# "What do you know about heat?" asks about heat, not about the person.
ABOUT_ME = re.compile(r"\b(me|my|mine|myself|i|personal)\b", re.IGNORECASE)
MENTIONED = {names.EQUIPMENT: "equipment", names.BODY_AREA: "where it hurts", names.THERAPY: "heat or ice"}
CHECKIN_LABELS = {PAIN: "how your back is, 0–10"}
HEAT_LABEL = "the 48-hour heat message"


class ActionMyData(CheckinAction):
    """Answers "what do you know about me?": the onset, what was mentioned, scores, time zone, check-ins.

    Reads the onset, equipment, body_area, therapy, pain_scores and time_zone slots and the
    pending check-ins; sets none.
    A message that is not about the person ("what do you know about heat?") is answered as a question.
    """

    def name(self) -> str:
        """The action's name in the domain."""
        return "action_my_data"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        """List what is kept, one line each."""
        if not ABOUT_ME.search(tracker.latest_message.get("text") or ""):
            return await self._answer.run(dispatcher, tracker, domain)
        lines = []
        onset = tracker.get_slot(names.ONSET)
        if onset and onset != UNKNOWN:
            lines.append(f"- when your pain started: {onset}")
        for slot, label in MENTIONED.items():
            value = tracker.get_slot(slot)
            if value:
                lines.append(f"- {label}: {value}")
        zone = tracker.get_slot(names.TIME_ZONE)
        scores = scores_from_slot(tracker.get_slot(names.PAIN_SCORES))
        if scores:
            said = ", ".join(f"{show(s.score)} on {day(s.time, zone)}" for s in scores)
            lines.append(f"- your pain scores: {said}")
        if zone:
            lines.append(f"- your time zone: {zone}")
        now = time.time()
        for checkin in self.checkins.pending(tracker.sender_id):
            wait = max(0.0, checkin.due_at - now) * self.checkins.scale / 3600.0
            when = f"in about {describe(wait)}" if wait >= 1 else "now"
            lines.append(f"- a check-in {when}: {CHECKIN_LABELS.get(checkin.kind, HEAT_LABEL)}")
        text = "\n".join([INTRO, *lines]) if lines else NOTHING
        dispatcher.utter_message(text=f"{text}\nThe messages of this conversation are stored too. {OUTRO}")
        return []


def day(moment: float, zone: Optional[str]) -> str:
    """The date of ``moment`` on the person's clock, as "3 Dec 14:05"."""
    local = local_time(moment, zone)
    return f"{local.day} {local:%b %H:%M}"
