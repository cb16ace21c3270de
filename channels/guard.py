"""Checks every channel applies to incoming text before it reaches the bot."""

import re
import unicodedata
from typing import Optional

from actions import settings

# C0/C1 control characters except tab and newline: they carry no meaning in a chat message.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")

EMPTY_REPLY = "I didn't get any text there. What would you like to know about your lower back?"
TOO_LONG_REPLY = "That message is too long for me to read. Please shorten it to a sentence or two."
APOLOGY = "Sorry, something went wrong on my side and I couldn't answer. Please try again in a moment."


def clean_text(text: str) -> str:
    """Normalise Unicode and drop control characters."""
    return _CONTROL.sub("", unicodedata.normalize("NFC", text)).strip()


def reply_instead(text: str) -> Optional[str]:
    """A friendly reply for text the bot should not read (empty or too long), else None."""
    if not text:
        return EMPTY_REPLY
    if len(text) > settings.max_message_chars():
        return TOO_LONG_REPLY
    return None
