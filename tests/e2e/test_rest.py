"""A person talking to the real servers over REST, several turns in one conversation."""

import uuid

import requests

from tests.servers import Conversation, Server


def chat(rasa_server: Server) -> Conversation:
    return Conversation(rasa_server.url, f"e2e-{uuid.uuid4().hex[:8]}")


def test_multi_turn_conversation_keeps_context(rasa_server: Server) -> None:
    talk = chat(rasa_server)
    first = talk.text("hi there")
    assert "not a doctor" in first

    heat = talk.text("hurt my back yesterday, can i put a heating pad on it?")
    assert "48 hours" in heat and "heat" in heat
    assert talk.replies[-1][-1]["metadata"]["entry_id"] == "heat_ice.no_heat_first_48h"

    assert "inflam" in talk.text("why?")
    assert "article" in talk.text("where is that from?")

    assert "acupressure mat" in talk.text("i just bought an acupressure mat")
    assert "20 minutes" in talk.text("how long should i use it?")


def test_heat_question_asks_when_it_started(rasa_server: Server) -> None:
    talk = chat(rasa_server)
    assert "when did this pain start" in talk.text("should i use heat or ice on my lower back")
    after = talk.text("5 days ago")
    assert "48 hours" in after and ("either" in after or "both" in after)


def test_emergency_sign_escalates_mid_conversation(rasa_server: Server) -> None:
    talk = chat(rasa_server)
    talk.text("how do i use a foam roller")
    reply = talk.text("also since this morning i can't control my bladder")
    assert "999" in reply and "not a doctor" in reply


def test_request_without_sender_is_rejected(rasa_server: Server) -> None:
    reply = requests.post(f"{rasa_server.url}/webhooks/rest/webhook", json={"message": "hi"}, timeout=10)
    assert reply.status_code == 400
    assert "sender" in reply.json()["error"]


def test_an_unknown_onset_never_becomes_heat_is_fine(rasa_server: Server) -> None:
    talk = chat(rasa_server)
    first = talk.text("should I use heat on my back?")
    assert "depends on when" in first and "when did this pain start" in first
    # The rule just said stands; heat is never said to be fine.
    assert "leave heat off" in talk.text("not sure")
    for message in ("tell me more", '/ask_entry{"entry_id": "heat_ice.after_48h"}'):
        reply = talk.text(message)
        assert "{" not in reply and "}" not in reply
        assert "behind you" not in reply and "started about" not in reply


def test_an_onset_button_asks_when_it_started_first(rasa_server: Server) -> None:
    talk = chat(rasa_server)
    assert "when did this pain start" in talk.text('/ask_entry{"entry_id": "heat_ice.after_48h"}')
    assert "5 days ago" in talk.text("5 days ago")
    assert [m["metadata"]["entry_id"] for m in talk.replies[-1] if m.get("metadata")] == ["heat_ice.after_48h"]
