"""The socket.io channel for the web chat: allowed origins only, input checks, no silent turns."""

import logging
from typing import Any, Awaitable, Callable, Dict, List, Optional

from rasa.core.channels.channel import UserMessage, decode_bearer_token
from rasa.core.channels.socketio import SocketBlueprint, SocketIOInput, SocketIOOutput
from rasa.shared.exceptions import RasaException
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from socketio import AsyncServer

from backcare import settings
from channels import checkins
from channels.conversation_ids import WEB, conversation_id
from channels.guard import APOLOGY, EMPTY_REPLY, clean_text, reply_instead
from channels.web_session import SecretError, SessionSigner, signer_from_settings

logger = logging.getLogger(__name__)
# Engine.IO would buffer 1 MB per packet; a chat message needs far less (same cap as REST bodies).
MAX_PACKET_BYTES = 65536


def web_origins() -> List[str]:
    """Origins allowed to open a socket (``WEB_ORIGINS``, comma-separated).

    Defaults to the chat page's own origin as served by ``make web`` on ``WEB_PORT``.
    """
    origins = settings.web_origins()
    if origins:
        return origins
    port = settings.web_port()
    return [f"http://localhost:{port}", f"http://127.0.0.1:{port}"]


def _sent_session_id(data: Any) -> object:
    """What the client sent as ``session_id`` (any JSON value), or None."""
    return data.get("session_id") if isinstance(data, dict) else None


class CountingSocketIOOutput(SocketIOOutput):
    """Rasa's socket.io output (text plus ``quick_replies``), remembering whether it said anything."""

    def __init__(self, sio: AsyncServer, bot_message_evt: str) -> None:
        super().__init__(sio, bot_message_evt)
        self.sent = 0

    async def _send_message(self, socket_id: str, response: Any) -> None:
        self.sent += 1
        await super()._send_message(socket_id, response)

    async def send_custom_json(
        self, recipient_id: str, json_message: Dict[str, Any], **kwargs: Any
    ) -> None:
        """Send custom JSON, counting it as a reply."""
        self.sent += 1
        await super().send_custom_json(recipient_id, json_message, **kwargs)


class GuardedSocketIOInput(SocketIOInput):
    """Rasa's socket.io channel (``/socket.io``, ``session_request`` / ``user_uttered`` / ``bot_uttered``).

    Differences from Rasa's: the handshake is refused for origins outside :func:`web_origins`
    (Rasa allows every origin); session ids are issued and signed by the server
    (:mod:`channels.web_session`) and the conversation of session ``<id>`` is ``web:<id>``, so a
    client cannot pick another's; a message counts only for a session its socket requested;
    malformed ``session_request`` / ``user_uttered`` payloads are ignored or answered instead
    of raising; empty or over-long text gets a friendly reply
    without touching the conversation; and a turn that produced no bot message gets an
    apology rather than silence.
    """

    @classmethod
    def name(cls) -> str:
        """Keep Rasa's name, so the socket path stays /socket.io and the widget config works."""
        return "socketio"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """The socket.io server and its health route."""
        origins = web_origins()
        try:
            signer = signer_from_settings()
        except SecretError as error:
            raise RasaException(f"socket.io channel: {error}") from error
        sio = AsyncServer(
            async_mode="sanic", cors_allowed_origins=origins, max_http_buffer_size=MAX_PACKET_BYTES
        )
        # Rasa's get_output_channel() (reminders, external events) needs the server.
        self.sio = sio
        blueprint = SocketBlueprint(sio, self.socketio_path, "guarded_socketio_webhook", __name__)
        logger.info("socket.io accepts connections from %s", ", ".join(origins))

        @blueprint.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @sio.on("connect", namespace=self.namespace)
        async def connect(sid: str, environ: Dict, auth: Optional[Dict]) -> bool:
            if not self.jwt_key:
                return True
            token = auth.get("token") if isinstance(auth, dict) else None
            return bool(token and decode_bearer_token(token, self.jwt_key, self.jwt_algorithm))

        @sio.on("session_request", namespace=self.namespace)
        async def session_request(sid: str, data: Any = None) -> None:
            # Only an id this server signed resumes a conversation; a missing, unsigned, forged
            # or foreign one starts a new conversation under a new signed id, never someone else's.
            session, token = signer.resume_or_issue(_sent_session_id(data))
            if self.session_persistence:
                # The room is the conversation id: Rasa sends replies to the room named by it.
                await sio.enter_room(sid, conversation_id(WEB, session), namespace=self.namespace)
            await sio.emit("session_confirm", token, room=sid, namespace=self.namespace)

        # `data` defaults to None: a client may emit the event with no payload at all.
        @sio.on(self.user_message_evt, namespace=self.namespace)
        async def handle_message(sid: str, data: Any = None) -> None:
            await self._handle(sio, signer, on_new_message, sid, data)

        return blueprint

    async def _handle(
        self,
        sio: AsyncServer,
        signer: SessionSigner,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
        sid: str,
        data: Any,
    ) -> None:
        """Run one turn; every reply goes to the session's room so all its tabs see it."""
        if not isinstance(data, dict):
            logger.warning("Ignored a socket.io message that is not an object.")
            return
        if self.session_persistence:
            session = signer.verify(_sent_session_id(data))
            sender = conversation_id(WEB, session) if session else None
            # Only a session this socket asked for: knowing someone's id must not be enough to
            # write into their conversation (Rasa's channel takes any id).
            if sender is None or sender not in sio.rooms(sid, namespace=self.namespace):
                logger.warning("Ignored a socket.io message without a session_request for its session_id.")
                return
        else:
            sender = conversation_id(WEB, sid)
            await sio.enter_room(sid, sender, namespace=self.namespace)
        output = CountingSocketIOOutput(sio, self.bot_message_evt)
        raw = data.get("message")
        text = clean_text(raw) if isinstance(raw, str) else ""
        instead = EMPTY_REPLY if not isinstance(raw, str) else reply_instead(text)
        if instead:
            await output.send_text_message(sender, instead)
            return
        delivery = checkins.running()
        # The page cannot be messaged while it is closed: due check-ins come before the reply.
        for due in await delivery.due_replies_now(sender) if delivery is not None else []:
            await output.send_text_with_buttons(sender, due["text"], due["buttons"])
        metadata = data.get(self.metadata_key)
        try:
            await on_new_message(
                UserMessage(
                    text,
                    output,
                    sender,
                    input_channel=self.name(),
                    metadata=metadata if isinstance(metadata, dict) else None,
                )
            )
        except Exception:  # noqa: BLE001 - any failure must still get the user a reply
            logger.exception("The bot failed to handle a socket.io message.")
        if not output.sent:
            await output.send_text_message(sender, APOLOGY)
