"""A local stand-in for Telegram's Bot API that records every call, for end-to-end tests.

It serves ``POST /bot<token>/<method>`` on 127.0.0.1 from its own thread and event loop, so it
keeps answering while the test thread blocks (starting the Rasa server, posting an update and
waiting for the reply). It answers the methods the connector uses with JSON shaped like
Telegram's, and refuses other tokens and methods as Telegram does. To play Telegram being down
it can answer every call with a proxy's 502/503 page for a while (``refuse_for``), or stop
listening so that connections are refused (``down_for``).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
from dataclasses import dataclass
from typing import Any, Dict, Iterator, List, Optional

from aiohttp import web

from tests.servers import free_port

TOKEN = "123456789:AAF-backcare-standin-token_0123456789"
BOT_NAME = "backcare_test_bot"
SECRET = "standin-secret-0123456789abcdef"
WEBHOOK_URL = "https://backcare.example.org/webhooks/telegram/webhook"
BOT_USER = {"id": 123456789, "is_bot": True, "first_name": "Back care", "username": BOT_NAME}


@dataclass
class Call:
    """One Bot API call as received: the method, its parameters as sent (strings), the status answered."""

    method: str
    params: Dict[str, str]
    status: int = 200

    def json(self, name: str) -> Any:
        """A parameter that aiogram sends JSON-encoded, such as ``reply_markup``, decoded."""
        return json.loads(self.params[name])


class BotApiStandin:
    """The stand-in server: start it, point ``TELEGRAM_API_URL`` at ``url``, read ``calls``."""

    def __init__(self, token: str = TOKEN) -> None:
        self.token = token
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._calls: List[Call] = []
        self._failures: Dict[str, int] = {}
        self._refusing_until = 0.0
        self._refusal_status = 503
        self._lock = threading.Lock()
        self._message_ids = itertools.count(1000)
        self._loop = asyncio.new_event_loop()
        self._runner: Optional[web.AppRunner] = None
        self._thread = threading.Thread(target=self._loop.run_forever, name="bot-api-standin", daemon=True)

    def __enter__(self) -> BotApiStandin:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(timeout=10)
        return self

    def __exit__(self, *_: object) -> None:
        asyncio.run_coroutine_threadsafe(self._stop_serving(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()

    @property
    def calls(self) -> List[Call]:
        """Every call so far, in order."""
        with self._lock:
            return list(self._calls)

    def calls_since(self, mark: int, method: Optional[str] = None) -> List[Call]:
        """Calls after the first ``mark`` ones (see ``mark``), optionally of one method."""
        return [c for c in self.calls[mark:] if method is None or c.method == method]

    def mark(self) -> int:
        """A position in the call log, for ``calls_since``."""
        with self._lock:
            return len(self._calls)

    def fail_next(self, method: str, times: int = 1) -> None:
        """Answer the next ``times`` calls of ``method`` with a Telegram 400 error."""
        with self._lock:
            self._failures[method] = self._failures.get(method, 0) + times

    def refuse_for(self, seconds: float, status: int = 503) -> None:
        """For ``seconds`` from now, answer every call with ``status`` and an HTML page, as a proxy in front does.

        The calls are still recorded, with that status.
        """
        with self._lock:
            self._refusing_until = time.monotonic() + seconds
            self._refusal_status = status

    def down_for(self, seconds: float) -> None:
        """Stop listening for ``seconds`` from now (connections refused, open ones closed), then listen again."""
        asyncio.run_coroutine_threadsafe(self._stop_serving(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(lambda: self._loop.call_later(seconds, self._serve_again))

    @property
    def delivered(self) -> List[Call]:
        """The ``sendMessage`` calls that were answered with a message, i.e. reached the chat."""
        return [c for c in self.calls if c.method == "sendMessage" and c.status == 200]

    def wait_for_calls(self, mark: int, count: int, timeout: float = 10) -> List[Call]:
        """Wait until at least ``count`` calls arrived after ``mark``; return them."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and len(self.calls_since(mark)) < count:
            time.sleep(0.05)
        return self.calls_since(mark)

    async def _start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    async def _stop_serving(self) -> None:
        # Cleaning up the runner also closes kept-alive connections, which a client would
        # otherwise go on using as if the server were up.
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    def _serve_again(self) -> None:
        self._loop.create_task(self._start())

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return _error(401, "Unauthorized")
        method = request.match_info["method"]
        params = await _params(request)
        with self._lock:
            refusing = time.monotonic() < self._refusing_until
            status = self._refusal_status if refusing else 200
            failing = 0 if refusing else self._failures.get(method, 0)
            if failing:
                self._failures[method] = failing - 1
            self._calls.append(Call(method, params, 400 if failing else status))
        if refusing:
            return web.Response(status=status, text=f"<html><body><h1>{status}</h1></body></html>",
                                content_type="text/html")
        if failing:
            return _error(400, "Bad Request: chat not found")
        answer = getattr(self, f"_{method}", None)
        if answer is None:
            return _error(404, "Not Found")
        return web.json_response({"ok": True, "result": answer(params)})

    def _getMe(self, _: Dict[str, str]) -> Any:  # noqa: N802 - named after the Bot API method
        return {**BOT_USER, "can_join_groups": True, "can_read_all_group_messages": False,
                "supports_inline_queries": False}

    def _setWebhook(self, _: Dict[str, str]) -> Any:  # noqa: N802 - named after the Bot API method
        return True

    def _answerCallbackQuery(self, _: Dict[str, str]) -> Any:  # noqa: N802 - named after the Bot API method
        return True

    def _sendMessage(self, params: Dict[str, str]) -> Any:  # noqa: N802 - named after the Bot API method
        message: Dict[str, Any] = {
            "message_id": next(self._message_ids),
            "from": BOT_USER,
            "chat": {"id": int(params["chat_id"]), "type": "private"},
            "date": int(time.time()),
            "text": params["text"],
        }
        if "reply_markup" in params:
            message["reply_markup"] = json.loads(params["reply_markup"])
        return message


async def _params(request: web.Request) -> Dict[str, str]:
    """The call's parameters from the query, a form (what aiogram sends) or a JSON body."""
    params = {k: str(v) for k, v in request.query.items()}
    if request.content_type == "application/json":
        body = await request.json()
        params.update({k: v if isinstance(v, str) else json.dumps(v) for k, v in body.items()})
    elif request.can_read_body:
        form = await request.post()
        params.update({k: v if isinstance(v, str) else str(v) for k, v in form.items()})
    return params


def _error(status: int, description: str) -> web.Response:
    return web.json_response({"ok": False, "error_code": status, "description": description}, status=status)


def telegram_env(standin: BotApiStandin) -> Dict[str, str]:
    """The environment that points the connector at the stand-in."""
    return {
        "TELEGRAM_TOKEN": standin.token,
        "TELEGRAM_BOT_NAME": BOT_NAME,
        "TELEGRAM_WEBHOOK_URL": WEBHOOK_URL,
        "TELEGRAM_SECRET_TOKEN": SECRET,
        "TELEGRAM_API_URL": standin.url,
    }


def running_standin() -> Iterator[BotApiStandin]:
    """Body of the session fixture in conftest.py: a started stand-in, stopped afterwards."""
    with BotApiStandin() as standin:
        yield standin
