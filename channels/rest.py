"""The REST channel with input checks, the answering entry in each reply, and no silent turns."""

import json
import logging
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from rasa.shared.exceptions import RasaException
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from backcare import settings
from channels.action_timeout import apply_action_timeout
from channels.checkins import CheckinDelivery, telegram_output
from channels.conversation_ids import REST, conversation_id
from channels.guard import APOLOGY, clean_text, has_control, reply_instead
from channels.rest_access import MIN_TOKEN_CHARS, RestAccess, bearer_matches, rest_access

logger = logging.getLogger(__name__)
MAX_SENDER_CHARS = 128


# What the actions say about a reply that REST clients (and the tests) may read: which guidance
# entry it came from, and the tier of an escalation.
REPLY_METADATA = ("entry_id", "red_flag_tier")


class EntryCollectingOutputChannel(CollectingOutputChannel):
    """Collects replies like Rasa's, keeping which guidance entry each one came from."""

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        """Collect a text reply with its entry id or escalation tier."""
        await self._persist_message(self._with_entry(self._message(recipient_id, text=text), kwargs))

    async def send_text_with_buttons(
        self, recipient_id: Text, text: Text, buttons: List[Dict[Text, Any]], **kwargs: Any
    ) -> None:
        """Collect a reply with quick-reply buttons and its entry id."""
        message = self._message(recipient_id, text=text, buttons=buttons)
        await self._persist_message(self._with_entry(message, kwargs))

    @staticmethod
    def _with_entry(message: Dict[Text, Any], kwargs: Dict[Text, Any]) -> Dict[Text, Any]:
        metadata = {key: kwargs[key] for key in REPLY_METADATA if kwargs.get(key)}
        if metadata:
            message["metadata"] = metadata
        return message


def _error(status: int, message: str, headers: Optional[Dict[str, str]] = None) -> HTTPResponse:
    return response.json({"error": message}, status=status, headers=headers)


class GuardedRestInput(RestInput):
    """``POST /webhooks/rest/webhook`` with ``{"sender": str, "message": str}``.

    Only trusted callers get in (:mod:`channels.rest_access`): with ``REST_TOKEN`` set a call
    without ``Authorization: Bearer <REST_TOKEN>`` gets 401; without it, the webhook answers 403
    unless the server listens on loopback only. Sender ``me`` talks in conversation ``rest:me``;
    replies name the sender as it was sent. Answers 400 for a body that is not a JSON object, a
    missing or non-string sender (Rasa would file it under a shared "default" conversation) or a
    non-string message; answers empty or over-long text with a friendly reply without touching
    the conversation; and apologises rather than staying silent when the bot produced no reply.
    """

    @classmethod
    def name(cls) -> Text:
        """Keep Rasa's URL: /webhooks/rest/webhook."""
        return "rest"

    def __init__(self, token: Optional[str] = None) -> None:
        """A REST channel that requires ``token`` as a bearer token, if given.

        Args:
            token: ``REST_TOKEN``, or None when unset.
        """
        self.token = token
        self.checkins: Optional[CheckinDelivery] = None
        # Until the server starts and says where it listens, judge by RASA_INTERFACE alone.
        self.access = rest_access([settings.rasa_interface()], token)

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        """Build the channel; every Rasa server of ours has it, so it also sets the action timeout.

        Raises:
            RasaException: ``REST_TOKEN`` is set but shorter than it must be.
        """
        token = settings.rest_token()
        if token is not None and len(token) < MIN_TOKEN_CHARS:
            raise RasaException(f"REST_TOKEN must be at least {MIN_TOKEN_CHARS} characters "
                                "(e.g. $(openssl rand -hex 32)).")
        apply_action_timeout()
        return cls(token)

    def refused(self, request: Request) -> Optional[HTTPResponse]:
        """The answer for a caller the access rule keeps out, or None to let it in."""
        if self.access is RestAccess.OPEN:
            return None
        if self.access is RestAccess.OFF or self.token is None:
            return _error(403, "The REST channel is off on this server.")
        if bearer_matches(self.token, request.headers.get("Authorization")):
            return None
        logger.warning("Refused a REST call from %s without the right bearer token.", request.remote_addr or request.ip)
        return _error(401, "A valid 'Authorization: Bearer' token is required.", {"WWW-Authenticate": "Bearer"})

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """The health and webhook routes."""
        hook = Blueprint("guarded_rest_webhook", __name__)

        @hook.listener("before_server_start")
        async def start(app: Any, _loop: Any) -> None:
            # RASA_INTERFACE and the address Sanic really binds: `rasa run --interface 0.0.0.0`
            # started by hand must not count as loopback because RASA_INTERFACE says so.
            self.access = rest_access([settings.rasa_interface(), app.state.host or ""], self.token)
            level = logging.WARNING if self.access is RestAccess.OFF else logging.INFO
            logger.log(level, "REST webhook: %s.", self.access.value)

        # Every Rasa server of ours has this channel, so it runs the check-in delivery.
        @hook.listener("after_server_start")
        async def start_checkins(app: Any, _loop: Any) -> None:
            self.checkins = CheckinDelivery(telegram=telegram_output())
            self.checkins.start(lambda: getattr(app.ctx, "agent", None),
                                lambda: getattr(app.ctx, "telegram_memory", None))

        @hook.listener("before_server_stop")
        async def stop_checkins(_app: Any, _loop: Any) -> None:
            if self.checkins is not None:
                await self.checkins.stop()

        # Open on every server: health checks need no token and reveal no conversation.
        @hook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @hook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            refused = self.refused(request)
            if refused is not None:
                return refused
            try:
                body = json.loads(request.body or b"")
            except (ValueError, UnicodeDecodeError):
                return _error(400, "The body must be JSON.")
            if not isinstance(body, dict):
                return _error(400, "The body must be a JSON object.")
            sender, text = body.get("sender"), body.get("message")
            # Control characters and lone surrogates in an id break PostgreSQL (NUL) and encoders.
            if (
                not isinstance(sender, str)
                or not sender.strip()
                or len(sender) > MAX_SENDER_CHARS
                or has_control(sender)
            ):
                return _error(400, f"'sender' must be a non-empty string of at most {MAX_SENDER_CHARS} characters, "
                                   "without control characters.")
            if not isinstance(text, str):
                return _error(400, "'message' must be a string.")
            metadata = body.get("metadata") if isinstance(body.get("metadata"), dict) else None
            due = await self.due_checkins(sender)
            return response.json([*due, *await self.handle(on_new_message, sender, text, metadata)])

        return hook

    async def due_checkins(self, sender: str) -> List[Dict[Text, Any]]:
        """The sender's check-ins that fell due since their last message, to come before the reply.

        REST cannot message anyone unprompted, so they wait for the person's next message.
        """
        if self.checkins is None:
            return []
        replies = await self.checkins.due_replies_now(conversation_id(REST, sender))
        return [{"recipient_id": sender, **reply} for reply in replies]

    async def handle(
        self,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
        sender: str,
        text: str,
        metadata: Optional[Dict[Text, Any]],
    ) -> List[Dict[Text, Any]]:
        """Run one turn in conversation ``rest:<sender>`` and return the bot's replies, never an empty list."""
        text = clean_text(text)
        instead = reply_instead(text)
        if instead:
            return [{"recipient_id": sender, "text": instead}]
        collector = EntryCollectingOutputChannel()
        try:
            await on_new_message(
                UserMessage(
                    text, collector, conversation_id(REST, sender), input_channel=self.name(), metadata=metadata
                )
            )
        except Exception:  # noqa: BLE001 - any failure must still get the user a reply
            logger.exception("The bot failed to handle a REST message.")
        # The caller knows its conversation by the sender it sent, as before namespacing.
        replies = [{**message, "recipient_id": sender} for message in collector.messages]
        return replies or [{"recipient_id": sender, "text": APOLOGY}]
