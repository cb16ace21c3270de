"""Check-ins end to end: scheduled through the real servers, due while they are down, sent once after.

Its own stack at ``CHECKIN_TIME_SCALE=86400`` (a 48-hour check-in is due within 2 s) with its
own Telegram stand-in and SQLite database, so the shared session stack keeps real time. The
first run polls only once, at start, so everything scheduled in it falls due while the servers
are down; the second run polls twice a second.
"""

import asyncio
import json
import sqlite3
import time
import uuid
from pathlib import Path
from typing import Any, Dict, Iterator, List

import pytest
import yaml

from channels.checkins import INTRO, PAIN_TEXT
from channels.telegram_settings import TELEGRAM_CHANNEL
from tests.e2e.telegram_standin import BotApiStandin, telegram_env
from tests.e2e.test_persistence import start_both
from tests.e2e.test_socketio import Client
from tests.e2e.test_telegram import new_chat, post, tap, text_update
from tests.servers import REPO, Conversation, Server, base_env, free_port

# slow: the module's stack starts twice (the check-ins must outlive a restart).
pytestmark = [pytest.mark.e2e, pytest.mark.slow]
HEAT = "hurt my back this morning, can i use a heat pack?"
OFFER = "Shall I message you when 48 hours have passed?"
PAIN_OFFER = "Shall I check in with you in 3 days?"
ORIGIN = "http://127.0.0.1:8080"


async def web_schedule(url: str) -> str:
    """Schedule a check-in from a web page; its session id, which the page keeps across restarts."""
    page = Client()
    await page.connect(url, ORIGIN)
    try:
        await page.say("hi")
        await page.say(HEAT)
        await page.say("/accept_checkin")
        return page.session_id
    finally:
        await page.close()


async def web_return(url: str, session_id: str) -> List[List[Dict[str, Any]]]:
    """Reopen the page with its session and say "thanks" twice; the replies of both turns."""
    page = Client()
    await page.connect(url, ORIGIN)
    try:
        assert await page.request_session({"session_id": session_id}) == session_id
        page.session_id = session_id
        return [await page.say("thanks"), await page.say("thanks")]
    finally:
        await page.close()


class Stack:
    """Both servers of this module, restartable, and the stand-in they talk to."""

    def __init__(self, folder: Path, api: BotApiStandin) -> None:
        self.folder, self.api = folder, api
        self.action_port = free_port()
        self.env = base_env(folder, ACTION_PORT=str(self.action_port),
                            ACTION_ENDPOINT_URL=f"http://127.0.0.1:{self.action_port}/webhook",
                            CHECKIN_TIME_SCALE="86400", CHECKIN_QUIET_HOURS="", WEB_ORIGINS=ORIGIN, **telegram_env(api))
        channels = yaml.safe_load((REPO / "credentials.yml").read_text()) or {}
        self.credentials = folder / "credentials.yml"
        self.credentials.write_text(yaml.safe_dump({**channels, TELEGRAM_CHANNEL: {}}))
        self.servers: List[Server] = []

    @property
    def rasa(self) -> Server:
        return self.servers[1]

    def start(self, poll_seconds: float) -> None:
        self.servers = list(start_both(self.folder, {**self.env, "CHECKIN_POLL_SECONDS": str(poll_seconds)},
                                       self.credentials, self.action_port))

    def stop(self) -> None:
        for server in reversed(self.servers):
            server.stop()

    def say(self, chat: int, text: str) -> List[str]:
        mark = self.api.mark()
        assert post(self.rasa, text_update(chat, text)).status_code == 200
        return [c.params["text"] for c in self.api.calls_since(mark, "sendMessage")]

    def tap(self, chat: int, title: str) -> List[str]:
        sent = [c for c in self.api.calls if c.method == "sendMessage" and c.params["chat_id"] == str(chat)]
        offered = next(c for c in reversed(sent) if "reply_markup" in c.params and title in c.params["reply_markup"])
        mark = self.api.mark()
        assert post(self.rasa, tap(chat, offered, title)).status_code == 200
        return [c.params["text"] for c in self.api.calls_since(mark, "sendMessage")]

    def check_ins(self, chat: int) -> List[str]:
        return [c.params["text"] for c in self.api.calls if c.method == "sendMessage"
                and c.params["chat_id"] == str(chat) and c.params["text"].startswith(INTRO)]

    def pain_questions(self, chat: int) -> List[str]:
        return [c.params["text"] for c in self.api.calls if c.method == "sendMessage"
                and c.params["chat_id"] == str(chat) and c.params["text"] == PAIN_TEXT]

    def next_pain_question(self, chat: int, seen: int, timeout: float = 30) -> float:
        """Wait for the chat's pain check-in number ``seen + 1``; the seconds it took."""
        start = time.monotonic()
        while len(self.pain_questions(chat)) <= seen:
            assert time.monotonic() - start < timeout, f"pain check-in {seen + 1} did not arrive"
            time.sleep(0.2)
        return time.monotonic() - start

    def rows(self, table: str, sender: str) -> int:
        with sqlite3.connect(self.folder / "trackers.db") as connection:
            return int(connection.execute(f"SELECT COUNT(*) FROM {table} WHERE sender_id = ?", (sender,)).fetchone()[0])


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dict[str, object]]:
    """Schedule check-ins in four conversations, restart after they fell due, and hand over what happened."""
    with BotApiStandin() as api:
        stack = Stack(tmp_path_factory.mktemp("checkins"), api)
        kept, stopped, forgotten, typed = new_chat(), new_chat(), new_chat(), new_chat()
        rest = Conversation("", f"checkin-{uuid.uuid4().hex[:8]}")
        stack.start(poll_seconds=3600)
        try:
            scheduled = {}
            for chat in (kept, stopped, forgotten, typed):
                stack.say(chat, "/start")
                assert any("48 hours" in t for t in stack.say(chat, HEAT))
                scheduled[chat] = " ".join(stack.tap(chat, OFFER))
            stopped_reply = " ".join(stack.say(stopped, "stop check-ins"))
            forget_question = " ".join(stack.say(forgotten, "forget me"))
            forget_reply = " ".join(stack.tap(forgotten, "Yes, forget me"))
            stack.say(typed, "please delete my data")
            typed_reply = " ".join(stack.say(typed, "yes"))
            rest.url = stack.rasa.url
            rest.text("hi")
            rest_offer = rest.say(HEAT)[-1]
            rest_scheduled = rest.text("/accept_checkin")
            web_session = asyncio.run(web_schedule(stack.rasa.url))
        finally:
            stack.stop()
        time.sleep(2.5)  # on the check-in clock, more than 48 hours since onset: all are due now
        stack.start(poll_seconds=0.5)
        rest.url = stack.rasa.url  # the restarted server listens on another free port
        try:
            deadline = time.monotonic() + 30
            erased = f"telegram:{forgotten}"
            while time.monotonic() < deadline and not (
                stack.check_ins(kept) and stack.rows("events", erased) == 0 == stack.rows("events", f"telegram:{typed}")
            ):
                time.sleep(0.25)
            time.sleep(3)  # a few more polls, in which nothing more may arrive
            web_replies = asyncio.run(web_return(stack.rasa.url, web_session))
            yield {"stack": stack, "kept": kept, "stopped": stopped, "forgotten": forgotten, "rest": rest,
                   "typed": typed, "typed_reply": typed_reply,
                   "scheduled": scheduled, "stopped_reply": stopped_reply, "forget_question": forget_question,
                   "forget_reply": forget_reply, "rest_offer": rest_offer, "rest_scheduled": rest_scheduled,
                   "web_replies": web_replies}
        finally:
            stack.stop()


def test_yes_to_the_offer_schedules_the_message(stack: Dict[str, object]) -> None:
    scheduled = stack["scheduled"]
    assert isinstance(scheduled, dict)
    for reply in scheduled.values():
        assert "i'll message you in about 2 days" in reply.lower()


def test_due_while_the_servers_were_down_it_arrives_once_in_the_right_chat(stack: Dict[str, object]) -> None:
    s = stack["stack"]
    assert isinstance(s, Stack)
    [message] = s.check_ins(stack["kept"])  # type: ignore[arg-type]
    assert "the first 48 hours are behind you: heat or ice are both fine now" in message
    # Its age on the check-in clock, where every real second of the restart counted as a day.
    assert "Your pain started about" in message and "Check your skin" in message


def test_why_after_the_check_in_explains_the_after_48_hours_advice(stack: Dict[str, object]) -> None:
    s = stack["stack"]
    assert isinstance(s, Stack)
    [reply] = s.say(stack["kept"], "why?")  # type: ignore[arg-type]
    assert reply.startswith("After 48 hours the early inflammation has usually settled")
    with sqlite3.connect(s.folder / "trackers.db") as connection:
        rows = connection.execute(
            "SELECT data FROM events WHERE sender_id = ? AND type_name = 'bot' ORDER BY id",
            (f"telegram:{stack['kept']}",),
        ).fetchall()
    assert any(INTRO[:20] in data for (data,) in rows)


def test_after_stop_check_ins_nothing_arrives(stack: Dict[str, object]) -> None:
    s = stack["stack"]
    assert isinstance(s, Stack)
    assert "cancelled your check-ins" in str(stack["stopped_reply"])
    assert s.check_ins(stack["stopped"]) == []  # type: ignore[arg-type]


def test_forget_me_asks_then_leaves_no_row_and_nothing_arrives(stack: Dict[str, object]) -> None:
    s = stack["stack"]
    assert isinstance(s, Stack)
    assert "delete everything" in str(stack["forget_question"]) and "cannot be undone" in str(stack["forget_question"])
    assert "start afresh" in str(stack["forget_reply"])
    chat = stack["forgotten"]
    assert s.check_ins(chat) == []  # type: ignore[arg-type]
    assert s.rows("events", f"telegram:{chat}") == 0
    assert s.rows("backcare_checkins", f"telegram:{chat}") == 0
    # It starts afresh: the next message opens a new conversation with the disclaimer.
    assert any("not a doctor" in t for t in s.say(chat, "hello"))  # type: ignore[arg-type]


def test_a_typed_yes_to_the_forget_me_question_erases_too(stack: Dict[str, object]) -> None:
    s = stack["stack"]
    assert isinstance(s, Stack)
    assert "start afresh" in str(stack["typed_reply"])
    chat = stack["typed"]
    assert s.check_ins(chat) == []  # type: ignore[arg-type]
    assert s.rows("events", f"telegram:{chat}") == 0 and s.rows("backcare_checkins", f"telegram:{chat}") == 0


def test_rest_gets_the_check_in_with_its_next_reply_once(stack: Dict[str, object]) -> None:
    offer = stack["rest_offer"]
    assert isinstance(offer, dict)
    assert {"title": OFFER, "payload": "/accept_checkin"} in offer["buttons"]
    assert "first reply after that" in str(stack["rest_scheduled"])
    rest = stack["rest"]
    assert isinstance(rest, Conversation)
    first = rest.say("thanks")
    assert first[0]["text"].startswith(INTRO) and first[-1]["text"] == "You're welcome. Anything else about your back?"
    assert not any(m["text"].startswith(INTRO) for m in rest.say("thanks"))


def test_the_web_page_gets_the_check_in_when_it_comes_back_once(stack: Dict[str, object]) -> None:
    replies = stack["web_replies"]
    assert isinstance(replies, list)
    first, second = replies
    assert first[0]["text"].startswith(INTRO) and first[-1]["text"] == "You're welcome. Anything else about your back?"
    assert not any(m.get("text", "").startswith(INTRO) for m in second)


def test_pain_check_ins_ask_keep_the_scores_and_send_a_worse_one_to_a_doctor(stack: Dict[str, object]) -> None:
    """Offer, yes, time zone, the 0-10 question, a score, a worse one: book a doctor; all of it listed."""
    s = stack["stack"]
    assert isinstance(s, Stack)
    chat = new_chat()
    s.say(chat, "/start")
    s.say(chat, "my back has ached for two weeks now, how long until it gets better?")
    accepted = s.tap(chat, PAIN_OFFER)
    assert "in about 3 days i'll ask how your back is" in accepted[0].lower()
    assert accepted[-1].startswith("So I don't message you at night: what time is it where you are?")
    assert s.say(chat, "UTC+2")[0].startswith("Thanks: I've set your time zone to UTC+02:00 (it's ")

    s.next_pain_question(chat, 0)  # 3 days at 86400: about 3 s
    assert s.say(chat, "eleven") == [
        "The scale only goes from 0 to 10. How is your back today, 0–10? (0 is no pain, 10 the worst pain you can "
        "imagine.)"
    ]
    assert s.say(chat, "about a 5") == [
        "Thanks, I've noted 5/10. I'll ask again in about 3 days, so we can see how it changes."
    ]

    s.next_pain_question(chat, 1)
    flagged = " ".join(s.say(chat, "8/10 and since this morning I can't feel anything between my legs"))
    assert "call your local emergency number now" in flagged and "noted" not in flagged
    [worse] = s.say(chat, "8/10")
    assert worse.startswith("You mentioned a pain score of 8/10, up from 5/10. That is worth having looked at, so "
                            "please book an appointment with your doctor or a physiotherapist")
    assert "I'm not a doctor" in worse

    known = " ".join(s.say(chat, "what do you know about me?"))
    assert "- your pain scores: 5/10 on " in known and ", 8/10 on " in known
    assert "- your time zone: UTC+02:00" in known
    assert "- a check-in in about 3 days: how your back is, 0–10" in known or "- a check-in now" in known
    with sqlite3.connect(s.folder / "trackers.db") as connection:
        slots = [json.loads(data) for (data,) in connection.execute(
            "SELECT data FROM events WHERE sender_id = ? AND type_name = 'slot'", (f"telegram:{chat}",))]
    kept = [e["value"] for e in slots if e.get("name") == "pain_scores"]
    assert [item["score"] for item in kept[-1]] == [5, 8]


def test_stop_check_ins_ends_pain_check_ins(stack: Dict[str, object]) -> None:
    s = stack["stack"]
    assert isinstance(s, Stack)
    chat = new_chat()
    s.say(chat, "/start")
    s.say(chat, "is walking good for a sore back?")
    s.tap(chat, PAIN_OFFER)
    assert "cancelled your check-ins" in " ".join(s.say(chat, "stop check-ins"))
    time.sleep(4.5)  # past the 3 days, and then some polls
    assert s.pain_questions(chat) == []


def test_a_stop_request_in_other_words_cancels_the_check_ins(stack: Dict[str, object]) -> None:
    s = stack["stack"]
    assert isinstance(s, Stack)
    chat = new_chat()
    s.say(chat, "/start")
    s.say(chat, "is walking good for a sore back?")
    s.tap(chat, PAIN_OFFER)
    assert "cancelled your check-ins" in " ".join(s.say(chat, "no more reminders thanks"))
