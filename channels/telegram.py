"""Telegram, hardened: Rasa's connector with the gaps that matter in production closed.

Compared with ``rasa.core.channels.telegram`` as installed (3.6.21), this connector:

- registers the webhook with a secret token and answers 401/403 to any update that does not
  carry it in ``X-Telegram-Bot-Api-Secret-Token`` (constant-time compare); there is no open
  ``/set_webhook`` route;
- calls ``getMe`` once at start (to check the token and the bot's name), never per update;
- processes each ``update_id`` once, so Telegram's re-deliveries do not repeat a turn, and
  with a Redis lock store once across all Rasa servers (see ``channels.telegram_memory``);
- always answers Telegram 200 and the person something: an apology when the bot failed or said
  nothing, "I can only read text messages" for stickers, photos, voice notes and the like;
- splits replies longer than Telegram's 4096-character limit at paragraph or sentence breaks;
- builds its output channel without network I/O, so it works inside a running event loop;
- files chat 42 under the conversation ``telegram:42`` and sends only conversations of that
  namespace to Telegram (see ``channels.conversation_ids``).
"""

import base64
import hashlib
import hmac
import json
import logging
import re
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Dict, List, Optional

from aiogram import Bot
from aiogram.bot.api import TelegramAPIServer
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.exceptions import TelegramAPIError
from rasa.core.channels.channel import UserMessage
from rasa.core.channels.telegram import TelegramInput, TelegramOutput
from rasa.shared.exceptions import RasaException
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from backcare.settings import telegram_environ
from channels.conversation_ids import TELEGRAM, conversation_id, identity_in
from channels.guard import APOLOGY, clean_text, reply_instead
from channels.telegram_memory import TelegramMemory, shared_redis
from channels.telegram_settings import DEFAULT_API_URL, ConfigError, TelegramSettings

logger = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_MESSAGE_LENGTH = 4096
MAX_CALLBACK_DATA_BYTES = 64
NOT_TEXT_REPLY = "Sorry, I can only read text messages. Please type your question."
# Telegram's commands mapped to what the bot understands; /start is new users' first message.
COMMANDS = {"start": "/greet", "help": "/ask_capabilities"}
ALLOWED_UPDATES = ["message", "edited_message", "callback_query"]
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

# The sends of the turn being handled, so a turn that produced no reply can be told apart.
# A context variable because one output channel serves every conversation concurrently.
_turn_sends: ContextVar[Optional[List[str]]] = ContextVar("telegram_turn_sends", default=None)


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
        keyboard = InlineKeyboardMarkup()
        for button in buttons:
            data = await self.callback_data(button["payload"], chat)
            keyboard.row(InlineKeyboardButton(button["title"], callback_data=data))
        await self.send_message(chat, chunks[-1], reply_markup=keyboard)

    async def callback_data(self, payload: str, chat: str) -> str:
        """The ``callback_data`` for a button payload sent to ``chat``: itself if it fits, else a short key."""
        if len(payload.encode("utf-8")) <= MAX_CALLBACK_DATA_BYTES:
            return payload
        digest = hashlib.sha256(payload.encode("utf-8")).digest()
        key = _LONG_PAYLOAD_PREFIX + base64.urlsafe_b64encode(digest[:18]).decode("ascii")
        await self.memory.keep_payload(chat, key, payload)
        return key

    async def payload(self, data: str, chat: str) -> Optional[str]:
        """The payload behind a button's data tapped in ``chat``; ``None`` for a key no server issued."""
        if data.startswith(_LONG_PAYLOAD_PREFIX):
            return await self.memory.payload(chat, data)
        return data

    async def close_session(self) -> None:
        """Close the HTTP session if one was opened (aiogram opens it on the first call)."""
        if self._session is not None and not self._session.closed:
            await self._session.close()


class GuardedTelegramInput(TelegramInput):
    """``POST /webhooks/telegram/webhook`` for Telegram's updates, checked and answered once each.

    Settings come from ``TELEGRAM_*`` environment variables (see
    ``channels.telegram_settings``); a credentials.yml block may override them with Rasa's keys
    plus ``secret_token`` and ``api_url``. At server start it calls ``getMe`` (checking
    ``TELEGRAM_BOT_NAME`` if set) and ``setWebhook`` with the secret token; if either fails the
    server does not start.
    """

    def __init__(self, settings: TelegramSettings, debug_mode: bool = False) -> None:
        # debug_mode is kept for Rasa's signature only: re-raising would answer Telegram 500,
        # and Telegram would deliver the update again.
        super().__init__(settings.token, settings.bot_name, settings.webhook_url, debug_mode=debug_mode)
        self.settings = settings
        self.output = GuardedTelegramOutput(settings.token, settings.api_url)
        self._connected = False

    @classmethod
    def name(cls) -> str:
        """Keep Rasa's URL: /webhooks/telegram/webhook."""
        return "telegram"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[str, Any]]) -> "GuardedTelegramInput":
        """Build the channel from its credentials.yml block (may be empty) and the environment."""
        try:
            return cls(TelegramSettings.load(telegram_environ(), credentials))
        except ConfigError as error:
            raise RasaException(f"Telegram channel: {error}") from error

    def get_output_channel(self) -> GuardedTelegramOutput:
        """The shared output channel; building it does no network I/O."""
        return self.output

    async def connect(self) -> None:
        """Check the token with ``getMe`` and register the webhook with the secret token, once.

        Raises:
            RasaException: Telegram could not be reached or refused a call, or the token
                belongs to another bot than ``TELEGRAM_BOT_NAME``.
        """
        if self._connected:
            return
        try:
            username = await self._register()
        except BaseException:
            # The server will not start: leave no HTTP session open behind it.
            await self.output.close_session()
            raise
        self._connected = True
        logger.info("Telegram webhook registered for @%s at %s.", username, self.settings.webhook_url)

    async def _register(self) -> str:
        try:
            me = await self.output.get_me()
            if self.settings.bot_name and (me.username or "").lower() != self.settings.bot_name.lower():
                raise RasaException(
                    f"Telegram channel: the token belongs to @{me.username}, "
                    f"not to TELEGRAM_BOT_NAME @{self.settings.bot_name}."
                )
            # aiogram 2.15's set_webhook() has no secret_token argument; the raw method does.
            registered = await self.output.request(
                "setWebhook",
                {
                    "url": self.settings.webhook_url,
                    "secret_token": self.settings.secret_token,
                    "allowed_updates": json.dumps(ALLOWED_UPDATES),
                },
            )
        except TelegramAPIError as error:
            raise RasaException(
                f"Telegram channel: could not register the webhook with the Bot API at "
                f"{self.settings.api_url}: {error}"
            ) from error
        if registered is not True:
            raise RasaException(f"Telegram channel: setWebhook answered {registered!r}.")
        return str(me.username)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """The health route, the webhook route, and the start and stop hooks."""
        hook = Blueprint("guarded_telegram_webhook", __name__)

        @hook.listener("before_server_start")
        async def start(_app: Any, _loop: Any) -> None:
            await self.connect()

        # After the start, when the agent and its lock store exist: with a Redis lock store the
        # Rasa servers share one conversation store, so they share update ids and button keys too.
        @hook.listener("after_server_start")
        async def share(app: Any, _loop: Any) -> None:
            agent = getattr(app.ctx, "agent", None)
            self.output.memory.red = shared_redis(getattr(agent, "lock_store", None))
            # For "forget me", which the check-in delivery (started by the REST channel) carries out.
            app.ctx.telegram_memory = self.output.memory
            if self.output.memory.red is not None:
                logger.info("Telegram update ids and button keys are shared through the Redis lock store.")

        @hook.listener("after_server_stop")
        async def stop(_app: Any, _loop: Any) -> None:
            await self.output.close_session()

        @hook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @hook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            received = request.headers.get(SECRET_HEADER)
            if not secret_matches(self.settings.secret_token, received):
                logger.warning(
                    "Rejected a Telegram update from %s: %s secret token.",
                    request.remote_addr or request.ip,
                    "wrong" if received else "no",
                )
                return response.json({"ok": False}, status=403 if received else 401)
            try:
                update = json.loads(request.body or b"")
            except (ValueError, UnicodeDecodeError):
                update = None
            if not isinstance(update, dict):
                # Only Telegram knows the secret; a retry of a malformed body would fail again.
                logger.error("Ignored a Telegram update that is not a JSON object.")
                return response.json({"ok": True})
            await self.handle_update(update, on_new_message)
            return response.json({"ok": True})

        return hook

    async def handle_update(
        self, update: Dict[str, Any], on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> None:
        """Answer one update at most once; never raises, so Telegram always gets a 200."""
        update_id = update.get("update_id")
        if not isinstance(update_id, int):
            logger.error("Ignored a Telegram update without an update_id.")
            return
        # Claimed before the turn runs, so a retry arriving during a slow turn is dropped too.
        if not await self.output.memory.claim_update(update_id):
            logger.info("Telegram update %s was already handled; ignoring the re-delivery.", update_id)
            return
        incoming = read_update(update)
        if incoming is None:
            logger.debug("Telegram update %s needs no answer.", update_id)
        else:
            try:
                await self._answer(incoming, on_new_message)
            except Exception:  # noqa: BLE001 - Telegram must get its 200 whatever happened
                logger.exception("Failed to answer Telegram update %s.", update_id)
        # Not when the turn was cancelled (the server stopping): its claim then runs out, and
        # Telegram's re-delivery is answered by whichever server gets it.
        await self.output.memory.handled(update_id)

    async def _answer(
        self, incoming: Incoming, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> None:
        text = incoming.text
        if incoming.callback_query_id is not None:
            await self._acknowledge(incoming.callback_query_id)
            if text is not None:
                # A key from before a restart: the button's label is the next best message.
                text = await self.output.payload(text, incoming.chat_id) or incoming.button_title
        if text is None:
            await self.output.send_text_message(incoming.chat_id, NOT_TEXT_REPLY)
            return
        text = clean_text(text)
        instead = reply_instead(text)
        if instead:
            await self.output.send_text_message(incoming.chat_id, instead)
            return
        sends: List[str] = []
        failed = False
        token = _turn_sends.set(sends)
        try:
            await on_new_message(
                UserMessage(
                    text, self.output, conversation_id(TELEGRAM, incoming.chat_id), input_channel=self.name()
                )
            )
        except Exception:  # noqa: BLE001 - the person gets an apology instead of silence
            logger.exception("The bot failed to handle a Telegram message in chat %s.", incoming.chat_id)
            failed = True
        finally:
            _turn_sends.reset(token)
        # A turn can also fail quietly: Rasa drops the reply when the action server is down.
        if failed or not sends:
            await self.output.send_text_message(incoming.chat_id, APOLOGY)

    async def _acknowledge(self, callback_query_id: str) -> None:
        # Stops the tapped button's spinner; a failure here must not cost the answer.
        try:
            await self.output.answer_callback_query(callback_query_id)
        except TelegramAPIError:
            logger.exception("answerCallbackQuery failed.")
