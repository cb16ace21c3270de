"""What the bot keeps about the person, for "what do you know about me?"."""

import re
import time
from typing import Any, Dict, List

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions import names
from actions.answer import ActionAnswerGuidance
from actions.checkins import CheckinAction
from backcare.onset import UNKNOWN, describe

INTRO = "Here's what I keep about you in this conversation:"
NOTHING = "I don't keep anything about you yet beyond this conversation's messages."
OUTRO = 'Say "forget me" to delete all of it, or "stop check-ins" to cancel check-ins.'
# "What do you know about heat?" asks about heat, not about the person.
ABOUT_ME = re.compile(r"\b(me|my|mine|myself|i|personal)\b", re.IGNORECASE)
MENTIONED = {names.EQUIPMENT: "equipment", names.BODY_AREA: "where it hurts", names.THERAPY: "heat or ice"}


class ActionMyData(CheckinAction):
    """Answers "what do you know about me?": the onset, what was mentioned, scheduled check-ins.

    Reads the onset, equipment, body_area and therapy slots and the pending check-ins; sets none.
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
            return await ActionAnswerGuidance().run(dispatcher, tracker, domain)
        lines = []
        onset = tracker.get_slot(names.ONSET)
        if onset and onset != UNKNOWN:
            lines.append(f"- when your pain started: {onset}")
        for slot, label in MENTIONED.items():
            value = tracker.get_slot(slot)
            if value:
                lines.append(f"- {label}: {value}")
        now = time.time()
        for checkin in self.checkins.pending(tracker.sender_id):
            wait = max(0.0, checkin.due_at - now) * self.checkins.scale / 3600.0
            when = f"in about {describe(wait)}" if wait >= 1 else "now"
            lines.append(f"- a check-in {when}: the 48-hour heat message")
        text = "\n".join([INTRO, *lines]) if lines else NOTHING
        dispatcher.utter_message(text=f"{text}\nThe messages of this conversation are stored too. {OUTRO}")
        return []
