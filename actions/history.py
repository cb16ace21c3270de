"""What the conversation so far says about who the advice is for, read from the tracker's events."""

from typing import List, Optional, Tuple

from rasa_sdk import Tracker

from backcare import subject
from backcare.red_flag_data import IF_AGE, RedFlagData, Sign


def user_texts(tracker: Tracker) -> List[str]:
    """What the person typed in this session, oldest first (button payloads left out)."""
    texts: List[str] = []
    for event in tracker.events:
        if event.get("event") == "session_started":
            texts = []
        elif event.get("event") == "user" and not str(event.get("text") or "").startswith("/"):
            texts.append(str(event.get("text") or ""))
    return texts


def advice_for(tracker: Tracker) -> Tuple[Optional[str], Optional[float]]:
    """Who the latest question is about ("your dad", None for the person typing) and their age if said.

    Read from every message of the session, not from slots: the age may come in a message no
    answering action saw ("my mum's 81 and lives alone").
    """
    return subject.of_conversation(user_texts(tracker))


def aged_signs(tracker: Tracker, red_flags: RedFlagData) -> List[Sign]:
    """Age-bound signs the latest message mentioned without an age, that count at the age said earlier."""
    _, age = advice_for(tracker)
    if age is None:
        return []
    signs = [red_flags.sign(i) for i in tracker.latest_message.get(IF_AGE) or []]
    return [s for s in signs if s is not None and s.age is not None and s.age.fits(age)]
