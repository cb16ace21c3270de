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

This module is the webhook (the input channel Rasa builds from credentials.yml); replies go out
through :mod:`channels.telegram_output`, and reading updates, splitting texts and keying buttons
are the pure functions of :mod:`channels.telegram_messages`.
"""

import json
import logging
from typing import Any, Awaitable, Callable, Dict, Optional

from aiogram.utils.exceptions import TelegramAPIError
from rasa.core.channels.channel import UserMessage
from rasa.core.channels.telegram import TelegramInput
from rasa.shared.exceptions import RasaException
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from backcare.settings import telegram_environ
from channels.conversation_ids import TELEGRAM, conversation_id
from channels.guard import APOLOGY, clean_text, reply_instead
from channels.telegram_memory import shared_redis
from channels.telegram_messages import Incoming, read_update, secret_matches
from channels.telegram_output import GuardedTelegramOutput, counting_sends
from channels.telegram_settings import ConfigError, TelegramSettings

logger = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
NOT_TEXT_REPLY = "Sorry, I can only read text messages. Please type your question."
ALLOWED_UPDATES = ["message", "edited_message", "callback_query"]


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
        failed = False
        with counting_sends() as sends:
            try:
                await on_new_message(
                    UserMessage(
                        text, self.output, conversation_id(TELEGRAM, incoming.chat_id), input_channel=self.name()
                    )
                )
            except Exception:  # noqa: BLE001 - the person gets an apology instead of silence
                logger.exception("The bot failed to handle a Telegram message in chat %s.", incoming.chat_id)
                failed = True
        # A turn can also fail quietly: Rasa drops the reply when the action server is down.
        if failed or not sends:
            await self.output.send_text_message(incoming.chat_id, APOLOGY)

    async def _acknowledge(self, callback_query_id: str) -> None:
        # Stops the tapped button's spinner; a failure here must not cost the answer.
        try:
            await self.output.answer_callback_query(callback_query_id)
        except TelegramAPIError:
            logger.exception("answerCallbackQuery failed.")
