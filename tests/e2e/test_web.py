"""A person using the chat page in headless Chromium, against the real Rasa and action servers."""

import json
import os
import re
import shutil
import uuid
from pathlib import Path
from typing import AsyncIterator, Dict, Iterator, List

import pytest
import socketio
from aiohttp import web
from playwright.async_api import Browser, BrowserContext, Dialog, Locator, Page, async_playwright, expect

from scripts import servers
from tests.servers import REPO, Server, free_port

# Browsers, contexts and the stand-in server live on the session's event loop.
pytestmark = pytest.mark.asyncio(loop_scope="session")

CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-quic",
]
ANSWER_TIMEOUT_MS = 60_000
# Screenshots go to this git-ignored folder; docs/screenshot.png only changes on request
# (`make screenshot` sets UPDATE_SCREENSHOT=1), so a test run leaves the tree clean.
ARTIFACTS = REPO / "tests" / "artifacts"
README_SCREENSHOT = REPO / "docs" / "screenshot.png"
XSS = "<img src=x onerror=alert(1)>"
# The last bubble of a new conversation's hello (utter_greet in domain.yml).
GREETING = "What would you like to know about your lower back?"


def start_web(workdir: Path, web_port: int, rasa_port: int) -> Server:
    """Start web/serve.py the way `make web` does (the launcher's start_web)."""
    if not (REPO / "web" / "node_modules" / ".installed").exists():
        pytest.fail("web/node_modules is missing: run `make web-deps`.")
    return servers.start_web(workdir, {**os.environ, "RASA_PORT": str(rasa_port)}, port=web_port)


@pytest.fixture(scope="session")
def web_server(stack_dir: Path, stack_env: Dict[str, str], rasa_server: Server) -> Iterator[Server]:
    """The chat page on the port (and so the origin) the Rasa server accepts."""
    server = start_web(stack_dir, int(stack_env["WEB_PORT"]), int(rasa_server.url.rsplit(":", 1)[1]))
    yield server
    server.stop()


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    """Debian's Chromium, headless (Playwright's own browser download is unreachable here)."""
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(
            executable_path=shutil.which("chromium") or "/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        await chromium.close()


class Chat:
    """The page as a user sees it: what they type, click and read."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.dialogs: List[str] = []
        page.on("dialog", self._dialog)

    async def _dialog(self, dialog: Dialog) -> None:
        self.dialogs.append(dialog.message)
        await dialog.dismiss()

    def bot(self, text: str = "") -> Locator:
        return self.page.locator(".message--bot .message__text").filter(has_text=text)

    def user(self) -> Locator:
        return self.page.locator(".message--user .message__text")

    async def open(self, url: str, hello: str = GREETING) -> None:
        await self.page.goto(url)
        # A new conversation opens with the bot's hello (the disclaimer, then the greeting's
        # question, which comes last: counting bubbles before it shows races it); the text box has
        # the focus.
        await expect(self.bot(hello).first).to_be_visible(timeout=ANSWER_TIMEOUT_MS)
        await expect(self.page.get_by_label("Your message")).to_be_focused()

    async def ask(self, text: str, expected: str) -> None:
        box = self.page.get_by_label("Your message")
        await box.fill(text)
        await box.press("Enter")
        await expect(self.user().last).to_have_text(text)
        await expect(self.bot(expected).last).to_be_visible(timeout=ANSWER_TIMEOUT_MS)


@pytest.fixture
async def context(browser: Browser) -> AsyncIterator[BrowserContext]:
    """A fresh profile: empty localStorage, so a new session id."""
    ctx = await browser.new_context(viewport={"width": 1280, "height": 800})
    yield ctx
    await ctx.close()


async def test_question_quick_reply_and_reload(context: BrowserContext, web_server: Server) -> None:
    chat = Chat(await context.new_page())
    await chat.open(web_server.url)
    await expect(chat.page.get_by_role("button", name="Heat or ice?")).to_be_visible()

    await chat.ask("hurt my back yesterday, can i use a heating pad?", "48 hours")
    # The README's picture: a question, the answer and its quick replies.
    ARTIFACTS.mkdir(exist_ok=True)
    await chat.page.screenshot(path=str(ARTIFACTS / "chat.png"))
    if os.environ.get("UPDATE_SCREENSHOT") == "1":
        shutil.copyfile(ARTIFACTS / "chat.png", README_SCREENSHOT)

    await chat.page.get_by_role("button", name="Why?").click()
    await expect(chat.user().last).to_have_text("Why?")
    await expect(chat.bot("inflam").last).to_be_visible(timeout=ANSWER_TIMEOUT_MS)
    # Quick replies belong to the newest answer only.
    await expect(chat.page.get_by_role("button", name="Why?")).to_have_count(0)

    shown = await chat.page.locator(".message").all_text_contents()
    await chat.page.reload()
    await expect(chat.page.locator(".message")).to_have_text(shown)
    await expect(chat.user().first).to_have_text("hurt my back yesterday, can i use a heating pad?")
    await expect(chat.page.get_by_label("Your message")).to_be_focused()
    await expect(chat.page.locator("time").first).to_have_attribute("datetime", re.compile(r"^\d{4}-\d\d-\d\dT"))
    # The server kept the conversation too: "where is that from?" still knows the last answer.
    await chat.ask("where is that from?", "comes from")
    assert chat.dialogs == []


async def test_new_conversation_starts_a_new_session(context: BrowserContext, web_server: Server) -> None:
    chat = Chat(await context.new_page())
    await chat.open(web_server.url)
    # Keyboard only: from the text box, Shift+Tab reaches the last quick reply and Enter sends it.
    await expect(chat.page.get_by_role("button", name="Exercise")).to_be_visible(timeout=ANSWER_TIMEOUT_MS)
    await chat.page.keyboard.press("Shift+Tab")
    await expect(chat.page.get_by_role("button", name="Exercise")).to_be_focused()
    await chat.page.keyboard.press("Enter")
    await expect(chat.user().last).to_have_text("Exercise")
    await expect(chat.page.locator(".message--user ~ .message--bot").first).to_be_visible(timeout=ANSWER_TIMEOUT_MS)
    first_session = await chat.page.evaluate("JSON.parse(localStorage.getItem('backcare-chat')).sessionId")

    await chat.page.get_by_role("button", name="New conversation").click()
    await expect(chat.user()).to_have_count(0)
    await expect(chat.bot().first).to_be_visible(timeout=ANSWER_TIMEOUT_MS)
    second_session = await chat.page.evaluate("JSON.parse(localStorage.getItem('backcare-chat')).sessionId")
    assert second_session != first_session
    await expect(chat.page.get_by_label("Your message")).to_be_focused()


async def test_typed_html_shows_literally(context: BrowserContext, web_server: Server) -> None:
    chat = Chat(await context.new_page())
    await chat.open(web_server.url)
    answers = await chat.bot().count()

    box = chat.page.get_by_label("Your message")
    await box.fill(XSS)
    await box.press("Enter")
    await expect(chat.user().last).to_have_text(XSS)
    await expect(chat.bot()).to_have_count(answers + 1, timeout=ANSWER_TIMEOUT_MS)

    await expect(chat.page.locator("#messages img")).to_have_count(0)
    assert chat.dialogs == []


async def test_bot_text_with_html_shows_literally(context: BrowserContext, web_server: Server) -> None:
    # Bot text takes the same path whether it comes live or from the saved transcript.
    hostile = f'{XSS} javascript:alert(2) https://example.org/"onmouseover="alert(3)'
    transcript = {
        "sessionId": "xss-check",
        "messages": [{"from": "bot", "text": hostile, "time": "2025-01-01T10:00:00Z",
                      "replies": [{"title": "<b>bold</b>", "payload": "/greet"}]}],
    }
    saved = json.dumps(json.dumps(transcript))
    await context.add_init_script(f"localStorage.setItem('backcare-chat', {saved})")
    chat = Chat(await context.new_page())
    await chat.page.goto(web_server.url)

    await expect(chat.bot().first).to_have_text(hostile)
    await expect(chat.page.get_by_role("button", name="<b>bold</b>")).to_be_visible()
    await expect(chat.page.locator("#messages img, #messages b")).to_have_count(0)
    # Only the https address became a link, and the quote ended it.
    links = chat.page.locator("#messages a")
    await expect(links).to_have_count(1)
    await expect(links).to_have_attribute("href", "https://example.org/")
    await chat.page.mouse.move(10, 10)
    assert chat.dialogs == []


async def test_phone_viewport(browser: Browser, web_server: Server) -> None:
    phone = {"width": 360, "height": 740}
    context = await browser.new_context(viewport=phone, is_mobile=True, has_touch=True)
    chat = Chat(await context.new_page())
    await chat.open(web_server.url)
    await chat.ask("should i use heat or ice on my lower back", "when did this pain start")

    # Nothing wider than the screen: no sideways scrolling on a phone.
    assert await chat.page.evaluate("document.documentElement.scrollWidth") <= 360
    await expect(chat.page.get_by_role("button", name="New conversation")).to_be_in_viewport()
    await expect(chat.page.get_by_role("button", name="Send")).to_be_in_viewport()
    ARTIFACTS.mkdir(exist_ok=True)
    await chat.page.screenshot(path=str(ARTIFACTS / "chat-phone.png"))
    await context.close()


class StandInRasa:
    """A bare socket.io server speaking Rasa's events, which the test can stop and start again."""

    def __init__(self, port: int, origin: str) -> None:
        self.port, self.origin = port, origin
        self.runner: web.AppRunner | None = None

    async def start(self) -> None:
        sio = socketio.AsyncServer(async_mode="aiohttp", cors_allowed_origins=[self.origin])

        @sio.on("session_request")
        async def session_request(sid: str, data: dict) -> None:
            # As Rasa's channel of ours does: a page without an id is issued one.
            session = data.get("session_id") or uuid.uuid4().hex
            await sio.enter_room(sid, session)
            await sio.emit("session_confirm", session, to=sid)

        @sio.on("user_uttered")
        async def user_uttered(sid: str, data: dict) -> None:
            await sio.sleep(1)  # slow enough to see the typing indicator
            # Sent to the session's room: only a socket that asked for the session again gets it.
            await sio.emit("bot_uttered", {"text": f"echo: {data['message']}"}, room=data["session_id"])

        app = web.Application()
        sio.attach(app)
        self.runner = web.AppRunner(app, shutdown_timeout=0.5)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", self.port).start()

    async def stop(self) -> None:
        assert self.runner is not None
        await self.runner.cleanup()


async def test_reconnects_after_server_restart(context: BrowserContext, stack_dir: Path) -> None:
    socket_port, web_port = free_port(), free_port()
    rasa = StandInRasa(socket_port, f"http://127.0.0.1:{web_port}")
    await rasa.start()
    page_server = start_web(stack_dir, web_port, socket_port)
    try:
        chat = Chat(await context.new_page())
        await chat.open(page_server.url, hello="echo: /greet")  # the stand-in echoes the page's opening "/greet"
        status = chat.page.get_by_role("status")

        await rasa.stop()
        await expect(status).to_have_text("Offline — reconnecting…")
        await rasa.start()
        await expect(status).to_be_hidden(timeout=20_000)

        typing = chat.page.get_by_text("Assistant is typing…")
        await chat.page.get_by_label("Your message").fill("still there?")
        await chat.page.get_by_label("Your message").press("Enter")
        await expect(typing).to_be_visible()
        await expect(chat.bot("echo: still there?")).to_be_visible()
        await expect(typing).to_be_hidden()
    finally:
        page_server.stop()
        await rasa.stop()
