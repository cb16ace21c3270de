"""What goes in and out of Telegram as data, with no I/O: updates read, replies split, buttons keyed.

The network side (the webhook, the Bot API calls, the shared memory of update ids and button
keys) is :mod:`channels.telegram`; everything here is a pure function of its arguments, so it
is tested without a Bot API.
"""

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence, Tuple

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from channels.conversation_ids import TELEGRAM, identity_in

MAX_MESSAGE_LENGTH = 4096
MAX_CALLBACK_DATA_BYTES = 64
# Telegram's commands mapped to what the bot understands; /start is new users' first message.
COMMANDS = {"start": "/greet", "help": "/ask_capabilities"}
# Message fields of content the bot cannot read. Service messages (someone joined a group,
# a pinned message) have none of these and get no reply at all.
NOT_TEXT_CONTENT = frozenset(
    {
        "animation", "audio", "contact", "dice", "document", "game", "location", "photo",
        "poll", "sticker", "venue", "video", "video_note", "voice",
    }
)
_CHAT_ID = re.compile(r"-?[0-9]+")
_COMMAND = re.compile(r"^/([A-Za-z0-9_]+)(?:@[A-Za-z0-9_]+)?(?:\s|$)")
_SENTENCE_END = re.compile(r"[.!?…][\"')\]]*\s+")
_LONG_PAYLOAD_PREFIX = "#"


def telegram_length(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units (an emoji may count as two)."""
    return len(text.encode("utf-16-le")) // 2


def _longest_prefix(text: str, limit: int) -> int:
    """Number of characters of ``text`` that fit in ``limit`` UTF-16 code units."""
    units = 0
    for index, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > limit:
            return index
    return len(text)


def _break_at(head: str) -> int:
    """Where to end a chunk taken from ``head``: the last paragraph, line or sentence end.

    Paragraph and line breaks win only in the second half, so a chunk is not cut short to a
    line or two when a sentence end further on would do.
    """
    half = len(head) // 2
    for separator in ("\n\n", "\n"):
        at = head.rfind(separator)
        if at > half:
            return at
    sentence_ends = [match.end() for match in _SENTENCE_END.finditer(head)]
    if sentence_ends:
        return sentence_ends[-1]
    space = max(head.rfind(" "), head.rfind("\n"))
    return space if space > 0 else len(head)


def split_message(text: str, limit: int = MAX_MESSAGE_LENGTH) -> List[str]:
    """Split ``text`` into messages Telegram accepts, at paragraph or sentence breaks if possible.

    Args:
        text: The reply.
        limit: The longest message, in UTF-16 code units as Telegram counts.

    Returns:
        The non-empty chunks in order, each at most ``limit`` long; ``[]`` for blank text.
    """
    chunks: List[str] = []
    rest = text.strip()
    while telegram_length(rest) > limit:
        head = rest[: _longest_prefix(rest, limit)]
        at = _break_at(head)
        chunks.append(rest[:at].rstrip())
        rest = rest[at:].lstrip()
    if rest:
        chunks.append(rest)
    return chunks


def secret_matches(expected: str, received: Optional[str]) -> bool:
    """Whether the header value equals the secret, compared in constant time."""
    if not received:
        return False
    return hmac.compare_digest(expected.encode("utf-8"), received.encode("utf-8"))


@dataclass(frozen=True)
class Incoming:
    """What one update asks of the bot.

    Attributes:
        chat_id: The chat to answer in; its conversation is ``telegram:<chat_id>``.
        text: What the person said or the tapped button's data; ``None`` for non-text content.
        callback_query_id: Set for a button tap, which Telegram wants acknowledged.
        button_title: For a tap, the tapped button's label as shown in the message.
    """

    chat_id: str
    text: Optional[str]
    callback_query_id: Optional[str] = None
    button_title: Optional[str] = None


def _chat_id(message: Any) -> Optional[str]:
    chat = message.get("chat") if isinstance(message, dict) else None
    chat_id = chat.get("id") if isinstance(chat, dict) else None
    return str(chat_id) if isinstance(chat_id, int) else None


def _button_title(message: Any, data: Optional[str]) -> Optional[str]:
    markup = message.get("reply_markup") if isinstance(message, dict) else None
    rows = markup.get("inline_keyboard") if isinstance(markup, dict) else None
    for row in rows if isinstance(rows, list) else []:
        for button in row if isinstance(row, list) else []:
            if isinstance(button, dict) and button.get("callback_data") == data:
                title = button.get("text")
                return title if isinstance(title, str) else None
    return None


def _typed_text(text: str) -> str:
    """Map Telegram commands; strip the "/" of others so typed text cannot trigger intents."""
    command = _COMMAND.match(text)
    if command and command.group(1).lower() in COMMANDS:
        return COMMANDS[command.group(1).lower()]
    return text.lstrip("/") if text.startswith("/") else text


def read_update(update: Dict[str, Any]) -> Optional[Incoming]:
    """What an update asks of the bot, or ``None`` if it needs no answer.

    Args:
        update: A Telegram ``Update`` as JSON.

    Returns:
        An ``Incoming`` for a message, an edited message or a button tap; ``None`` for other
        update kinds and service messages.
    """
    query = update.get("callback_query")
    if isinstance(query, dict):
        message = query.get("message")
        sender = query.get("from")
        chat_id = _chat_id(message)
        if chat_id is None and isinstance(sender, dict) and isinstance(sender.get("id"), int):
            # The tapped message is too old to be attached: a private chat's id is the user's.
            chat_id = str(sender["id"])
        data = query.get("data")
        if chat_id is None or not isinstance(query.get("id"), str):
            return None
        text = data if isinstance(data, str) else None
        return Incoming(chat_id, text, str(query["id"]), _button_title(message, text))
    message = update.get("message") or update.get("edited_message")
    chat_id = _chat_id(message)
    if chat_id is None or not isinstance(message, dict):
        return None
    if isinstance(message.get("text"), str):
        return Incoming(chat_id, _typed_text(message["text"]))
    if NOT_TEXT_CONTENT.intersection(message):
        return Incoming(chat_id, None)
    return None


def chat_of(recipient: Any) -> Optional[str]:
    """The Telegram chat to send to: that of a ``telegram:`` conversation, or a chat id itself.

    Args:
        recipient: A conversation id (what Rasa passes) or a chat id (what this module passes).

    Returns:
        The chat id; None for a conversation of another channel, which must never reach a
        Telegram chat of the same number.
    """
    text = str(recipient)
    chat = identity_in(TELEGRAM, text) or text
    return chat if _CHAT_ID.fullmatch(chat) else None



def fits_callback_data(payload: str) -> bool:
    """Whether a button payload can travel as Telegram's ``callback_data`` itself (64 bytes at most)."""
    return len(payload.encode("utf-8")) <= MAX_CALLBACK_DATA_BYTES


def payload_key(payload: str) -> str:
    """The short key a payload too long for ``callback_data`` travels as; the same payload, the same key."""
    digest = hashlib.sha256(payload.encode("utf-8")).digest()
    return _LONG_PAYLOAD_PREFIX + base64.urlsafe_b64encode(digest[:18]).decode("ascii")


def is_payload_key(data: str) -> bool:
    """Whether a tapped button's data is a key of :func:`payload_key` rather than the payload itself."""
    return data.startswith(_LONG_PAYLOAD_PREFIX)


def inline_keyboard(buttons: Sequence[Tuple[str, str]]) -> InlineKeyboardMarkup:
    """An inline keyboard of (title, callback data) buttons, one per row so question-length titles stay readable."""
    keyboard = InlineKeyboardMarkup()
    for title, data in buttons:
        keyboard.row(InlineKeyboardButton(title, callback_data=data))
    return keyboard
