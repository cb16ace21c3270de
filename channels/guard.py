"""Checks every channel applies to incoming text before it reaches the bot."""

import re
import unicodedata
from typing import Optional

from backcare import settings

# C0/C1 control characters except tab and newline: they carry no meaning in a chat message.
# Lone surrogates too: JSON may escape half an emoji ("\ud83d"), and spaCy cannot encode it.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")

EMPTY_REPLY = "I didn't get any text there. What would you like to know about your lower back?"
TOO_LONG_REPLY = "That message is too long for me to read. Please shorten it to a sentence or two."
APOLOGY = "Sorry, something went wrong on my side and I couldn't answer. Please try again in a moment."


def clean_text(text: str) -> str:
    """Normalise Unicode and drop control characters."""
    return _CONTROL.sub("", unicodedata.normalize("NFC", text)).strip()


def has_control(text: str) -> bool:
    """Whether ``text`` holds control characters or lone surrogates (not allowed in ids)."""
    return _CONTROL.search(text) is not None


def reply_instead(text: str) -> Optional[str]:
    """A friendly reply for text the bot should not read (empty or too long), else None."""
    if not text:
        return EMPTY_REPLY
    if len(text) > settings.max_message_chars():
        return TOO_LONG_REPLY
    return None
