"""Whether the person is replying to "how is your back today, 0–10?", and the friendly re-ask.

Apart from the other pain check-in actions so that the answering actions can use it without
importing them (they import the answering actions).
"""

from typing import Any, Dict, List, Optional

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import names
from backcare.english import is_question

REASK = (
    f"Sorry, I didn't catch a score there. {names.PAIN_CHECKIN_QUESTION} {names.PAIN_SCALE} "
    "A number like 4 is enough."
)
OUT_OF_RANGE = f"The scale only goes from 0 to 10. {names.PAIN_CHECKIN_QUESTION} {names.PAIN_SCALE}"
# A reply this short that asks nothing is an attempt at the score ("not great"), not a new question.
SHORT_REPLY_WORDS = 6


def last_bot_text(events: List[Dict[str, Any]]) -> Optional[str]:
    """The text of the bot's last message before the person's latest one."""
    seen_user = False
    for event in reversed(events):
        if event.get("event") == "user":
            if seen_user:
                return None
            seen_user = True
        elif seen_user and event.get("event") == "bot" and event.get("text"):
            return str(event["text"])
    return None


def replying_to_score_question(tracker: Tracker) -> bool:
    """Whether a score is still wanted and the bot's last message before this one asked for it."""
    if tracker.get_slot(names.PAIN_QUESTION) is None:
        return False
    return names.PAIN_CHECKIN_QUESTION in (last_bot_text(tracker.events) or "")


def reask_if_replying(dispatcher: CollectingDispatcher, tracker: Tracker) -> bool:
    """Ask for the score again when a short non-question reply to the check-in gave none.

    For the answering actions: "pretty sore today" right after the check-in is its answer
    without a number, so it is asked again; a real question is answered as usual. Whether it
    asked.
    """
    text = tracker.latest_message.get("text") or ""
    if not replying_to_score_question(tracker) or text.startswith("/"):
        return False
    if is_question(text) or len(text.split()) > SHORT_REPLY_WORDS:
        return False
    dispatcher.utter_message(text=REASK)
    return True
