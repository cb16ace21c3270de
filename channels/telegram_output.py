"""Sending to Telegram: Rasa's Telegram output pointed at a configurable Bot API, with long texts split.

The webhook that receives updates is :mod:`channels.telegram`; what is sent is shaped by the pure
functions of :mod:`channels.telegram_messages`.
"""

import logging
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Dict, Iterator, List, Optional

from aiogram import Bot
from aiogram.bot.api import TelegramAPIServer
from rasa.core.channels.telegram import TelegramOutput

from channels.conversation_ids import TELEGRAM, identity_in
from channels.telegram_memory import TelegramMemory
from channels.telegram_messages import (
    chat_of,
    fits_callback_data,
    inline_keyboard,
    is_payload_key,
    payload_key,
    split_message,
)
from channels.telegram_settings import DEFAULT_API_URL

logger = logging.getLogger(__name__)

# The sends of the turn being handled, so a turn that produced no reply can be told apart.
# A context variable because one output channel serves every conversation concurrently.
_turn_sends: ContextVar[Optional[List[str]]] = ContextVar("telegram_turn_sends", default=None)


@contextmanager
def counting_sends() -> Iterator[List[str]]:
    """The Bot API ``send*`` calls made inside the block by this task, so a silent turn can be told apart."""
    sends: List[str] = []
    token = _turn_sends.set(sends)
    try:
        yield sends
    finally:
        _turn_sends.reset(token)


class GuardedTelegramOutput(TelegramOutput):
    """Rasa's Telegram output pointed at a configurable Bot API, with long texts split.

    Buttons become an inline keyboard, one button per row so that question-length titles stay
    readable. A payload longer than Telegram's 64-byte ``callback_data`` is sent as a short key
    and looked up again on the tap, in ``memory`` (shared through Redis once the server says so).
    Rasa addresses replies by conversation id (``telegram:42``); they go to chat 42, and replies
    for another channel's conversation are dropped.
    """

    def __init__(self, access_token: Optional[str], api_url: str = DEFAULT_API_URL) -> None:
        # Rasa's __init__ cannot pass a server; aiogram's Bot does no I/O here, so this is safe
        # inside or outside a running event loop.
        Bot.__init__(self, access_token, server=TelegramAPIServer.from_base(api_url))
        self.memory = TelegramMemory(str(access_token or "").partition(":")[0])

    async def request(
        self, method: str, data: Optional[Dict] = None, files: Optional[Dict] = None, **kwargs: Any
    ) -> Any:
        """Call the Bot API, noting sends so the input channel knows the turn got a reply."""
        result = await super().request(method, data, files, **kwargs)
        sends = _turn_sends.get()
        if sends is not None and method.startswith("send"):
            sends.append(method)
        return result

    async def send_response(self, recipient_id: str, message: Dict[str, Any]) -> None:
        """Send one of the bot's messages to the chat of conversation ``recipient_id``."""
        # Rasa passes the tracker's conversation id: only a telegram: one names a chat. A bare
        # number here would be another channel's pre-namespace conversation or an API call.
        chat = identity_in(TELEGRAM, recipient_id)
        if chat is None or chat_of(chat) is None:
            logger.error("Not sending to Telegram a message of conversation %r: not a Telegram chat.", recipient_id)
            return
        await super().send_response(chat, message)

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        """Send a text, in several messages if it is longer than Telegram allows."""
        chat = self._chat(recipient_id)
        for chunk in split_message(text) if chat else []:
            await self.send_message(chat, chunk)

    @staticmethod
    def _chat(recipient_id: Any) -> Optional[str]:
        chat = chat_of(recipient_id)
        if chat is None:
            logger.error("Not sending to Telegram a message for %r: not a Telegram chat.", recipient_id)
        return chat

    async def send_text_with_buttons(
        self,
        recipient_id: str,
        text: str,
        buttons: List[Dict[str, Any]],
        button_type: Optional[str] = "inline",
        **kwargs: Any,
    ) -> None:
        """Send a text with an inline keyboard under its last part.

        ``button_type`` is accepted for Rasa's signature; the bot's buttons are always quick
        replies, so they are always inline.
        """
        chat = self._chat(recipient_id)
        if chat is None:
            return
        chunks = split_message(text)
        if not chunks:
            logger.warning("Not sending buttons without text: Telegram requires a text.")
            return
        for chunk in chunks[:-1]:
            await self.send_message(chat, chunk)
        keyed = [(button["title"], await self.callback_data(button["payload"], chat)) for button in buttons]
        await self.send_message(chat, chunks[-1], reply_markup=inline_keyboard(keyed))

    async def callback_data(self, payload: str, chat: str) -> str:
        """The ``callback_data`` for a button payload sent to ``chat``: itself if it fits, else a short key."""
        if fits_callback_data(payload):
            return payload
        key = payload_key(payload)
        await self.memory.keep_payload(chat, key, payload)
        return key

    async def payload(self, data: str, chat: str) -> Optional[str]:
        """The payload behind a button's data tapped in ``chat``; ``None`` for a key no server issued."""
        if is_payload_key(data):
            return await self.memory.payload(chat, data)
        return data

    async def close_session(self) -> None:
        """Close the HTTP session if one was opened (aiogram opens it on the first call)."""
        if self._session is not None and not self._session.closed:
            await self._session.close()
