"""Check-ins and Telegram on the scale-out stack: two replicas, PostgreSQL, Redis, the Bot API stand-in.

The session's cluster (tests/e2e/conftest.py) polls for check-ins twice a second on each replica,
at ``CLUSTER_CHECKIN_SCALE``: how long before a check-in falls due is set by the onset each test
gives. Pain that started 47 hours ago has its check-in due within seconds; pain of one hour
leaves time to restart every server first, which ``CHECKIN_TIME_SCALE=86400`` cannot (a 48-hour
check-in is due after 2 s there, while a Rasa server needs a minute or more to start). The
restart comes first in this module, and the other tests run while that check-in waits.

Every Telegram update here goes to one replica and its button tap to the other, as a load
balancer in front of them would do.
"""

import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, Dict, Iterator, List

import pytest
import sqlalchemy as sa

from backcare.checkins import HEAT_WINDOW_HOURS
from channels.checkins import INTRO
from tests.cluster import Cluster
from tests.e2e.conftest import CLUSTER_CHECKIN_SCALE
from tests.e2e.telegram_standin import BotApiStandin
from tests.e2e.test_telegram import new_chat, post, tap, text_update
from tests.servers import Server

pytestmark = pytest.mark.e2e
OFFER = "Shall I message you when 48 hours have passed?"
AFTER_48H = "the first 48 hours are behind you: heat or ice are both fine now"
SOON = 47  # hours since onset: the check-in is due in (48 - 47) h / CLUSTER_CHECKIN_SCALE
LATER = 1
# A question about using equipment that was never named; the buttons that ask it again about
# each piece carry it in their payloads, too long for Telegram's 64-byte callback_data.
UNNAMED_EQUIPMENT = "how many minutes can i use it each time without hurting myself?"


def heat_question(hours: int) -> str:
    return f"i hurt my back {hours} hour{'s' if hours != 1 else ''} ago, can i use a heat pack?"


def seconds_until_due(hours: int) -> float:
    return (HEAT_WINDOW_HOURS - hours) * 3600 / CLUSTER_CHECKIN_SCALE


def wait_until(condition: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.25)
    return condition()


class Telegram:
    """People on Telegram talking to the cluster, and what reached their chats."""

    def __init__(self, cluster: Cluster, api: BotApiStandin) -> None:
        self.cluster, self.api = cluster, api

    def replica(self, index: int) -> Server:
        return self.cluster.replicas[index % len(self.cluster.replicas)]

    def say(self, replica: int, chat: int, text: str) -> List[str]:
        return self.deliver(replica, chat, text_update(chat, text))

    def deliver(self, replica: int, chat: int, update: Dict[str, Any]) -> List[str]:
        mark = self.api.mark()
        reply = post(self.replica(replica), update)
        assert reply.status_code == 200, reply.text
        return [c.params["text"] for c in self.api.calls_since(mark, "sendMessage") if c.params["chat_id"] == str(chat)]

    def tap(self, replica: int, chat: int, title: str) -> List[str]:
        offered = next(c for c in reversed(self.api.delivered)
                       if c.params["chat_id"] == str(chat) and title in c.params.get("reply_markup", ""))
        return self.deliver(replica, chat, tap(chat, offered, title))

    def schedule(self, chat: int, hours: int, replica: int = 0) -> str:
        """Ask about heat on one replica and say yes to the offer on the other; the reply to the yes."""
        self.say(replica, chat, "/start")
        assert any("inside the first 48 hours" in t for t in self.say(replica, chat, heat_question(hours)))
        return " ".join(self.tap(replica + 1, chat, OFFER))

    def check_ins(self, chat: int) -> List[str]:
        return [c.params["text"] for c in self.api.delivered
                if c.params["chat_id"] == str(chat) and c.params["text"].startswith(INTRO)]


@pytest.fixture
def telegram(cluster: Cluster, cluster_telegram_api: BotApiStandin) -> Telegram:
    return Telegram(cluster, cluster_telegram_api)


@dataclass
class Restarted:
    """A check-in scheduled, then every server restarted: when it is due, and what was seen right after."""

    chat: int
    scheduled_reply: str
    due_at: float
    restarted_at: float
    sent_before_due: List[str]


@pytest.fixture(scope="module")
def restarted(running_cluster: Cluster, cluster_telegram_api: BotApiStandin) -> Iterator[Restarted]:
    """Schedule a check-in due in minutes, then restart the action server and both replicas.

    PostgreSQL and Redis stay up: they are where the check-in and the conversation live.
    """
    running_cluster.revive()
    telegram = Telegram(running_cluster, cluster_telegram_api)
    chat = new_chat()
    reply = telegram.schedule(chat, LATER, replica=1)
    [row] = check_in_rows(running_cluster, chat)
    running_cluster.restart_servers()
    yield Restarted(chat, reply, float(row.due_at), time.time(), telegram.check_ins(chat))


def check_in_rows(cluster: Cluster, chat: int) -> List[sa.engine.Row]:
    engine = sa.create_engine(cluster.postgres.url)
    try:
        with engine.connect() as connection:
            return list(connection.execute(
                sa.text("SELECT due_at, attempts, delivered_at FROM backcare_checkins WHERE sender_id = :s"),
                {"s": f"telegram:{chat}"},
            ))
    finally:
        engine.dispose()


def test_every_server_restarted_before_the_check_in_was_due(restarted: Restarted) -> None:
    assert "I'll message you in about 2 days" in restarted.scheduled_reply
    assert restarted.restarted_at < restarted.due_at, "the restart took longer than the check-in's wait"
    assert restarted.sent_before_due == []


def test_an_update_redelivered_to_the_other_replica_is_answered_once(telegram: Telegram) -> None:
    chat = new_chat()
    telegram.say(0, chat, "/start")
    update = text_update(chat, "how do i use a foam roller?")
    [answer] = telegram.deliver(0, chat, update)
    assert "roll" in answer.lower()
    assert telegram.deliver(1, chat, update) == []
    # Telegram re-delivering while the first delivery is still being answered, to both replicas at once.
    update = text_update(chat, "is walking good for lower back pain?")
    mark = telegram.api.mark()
    statuses: List[int] = []
    posts = [threading.Thread(target=lambda i=i: statuses.append(post(telegram.replica(i), update).status_code))
             for i in (0, 1)]
    for thread in posts:
        thread.start()
    for thread in posts:
        thread.join()
    assert statuses == [200, 200]
    [answer] = [c.params["text"] for c in telegram.api.calls_since(mark, "sendMessage")]
    assert "walk" in answer.lower()


def test_a_long_button_sent_by_one_replica_works_when_tapped_on_the_other(telegram: Telegram) -> None:
    chat = new_chat()
    telegram.say(0, chat, "/start")
    assert telegram.say(0, chat, UNNAMED_EQUIPMENT) == ["Which equipment do you mean?"]
    offered = telegram.api.delivered[-1]
    [data] = [b["callback_data"] for row in offered.json("reply_markup")["inline_keyboard"] for b in row
              if b["text"] == "Acupressure mat"]
    assert data.startswith("#"), "the payload travels as a key"
    [answer] = telegram.tap(1, chat, "Acupressure mat")
    # The question asked again about the mat; the bare label would get how to lay the mat out.
    assert "build up gradually to about 20 minutes" in answer.lower()


def test_with_two_replicas_each_check_in_arrives_once_in_its_own_chat(telegram: Telegram) -> None:
    chats = [new_chat() for _ in range(6)]
    for index, chat in enumerate(chats):
        assert "I'll message you in about 1 hour" in telegram.schedule(chat, SOON, replica=index)
    assert wait_until(lambda: all(telegram.check_ins(c) for c in chats), seconds_until_due(SOON) + 30)
    time.sleep(3)  # six more polls of each replica, in which nothing more may arrive
    for chat in chats:
        [message] = telegram.check_ins(chat)
        assert AFTER_48H in message
        [row] = check_in_rows(telegram.cluster, chat)
        assert row.delivered_at is not None and row.attempts == 0


@pytest.mark.parametrize("outage", ["HTTP 503", "connection refused"])
def test_with_telegram_refusing_for_10_s_the_check_in_arrives_once_after(telegram: Telegram, outage: str) -> None:
    chat = new_chat()
    telegram.schedule(chat, SOON)
    if outage == "HTTP 503":
        telegram.api.refuse_for(10, 503)
    else:
        telegram.api.down_for(10)
    back_at = time.monotonic() + 10
    assert wait_until(lambda: bool(telegram.check_ins(chat)), seconds_until_due(SOON) + 45)
    arrived_at = time.monotonic()
    time.sleep(3)
    [message] = telegram.check_ins(chat)
    assert AFTER_48H in message and arrived_at >= back_at
    [row] = check_in_rows(telegram.cluster, chat)
    assert row.attempts >= 1, "tried while Telegram was down, and backed off"
    if outage == "HTTP 503":
        refused = [c for c in telegram.api.calls if c.method == "sendMessage" and c.status == 503
                   and c.params["chat_id"] == str(chat)]
        assert len(refused) == row.attempts


def test_the_check_in_scheduled_before_the_restart_arrives_once_in_its_chat(
    restarted: Restarted, telegram: Telegram
) -> None:
    """Last: the check-in of the restart at the top of the module falls due while the other tests run."""
    chat = restarted.chat
    assert wait_until(lambda: bool(telegram.check_ins(chat)), restarted.due_at - time.time() + 45)
    time.sleep(3)
    [message] = telegram.check_ins(chat)
    assert AFTER_48H in message
    # The restarted servers know it was sent: "why?" explains it.
    [why] = telegram.say(0, chat, "why?")
    assert why.startswith("After 48 hours the early inflammation has usually settled")
