"""The five conversations that were wrong before the sentence encoder, through the real servers."""

import uuid

from tests.servers import Conversation, Server


def chat(rasa_server: Server) -> Conversation:
    return Conversation(rasa_server.url, f"e2e-{uuid.uuid4().hex[:8]}")


def entry_ids(talk: Conversation) -> list:
    return [m["metadata"]["entry_id"] for m in talk.replies[-1] if (m.get("metadata") or {}).get("entry_id")]


def test_an_ice_only_question_is_answered_without_asking_the_onset(rasa_server: Server) -> None:
    talk = chat(rasa_server)
    reply = talk.text("an ice pack on my back, ok?")
    assert "when did this pain start" not in reply
    assert entry_ids(talk) == ["heat_ice.ice_pack_any_time"]


def test_what_is_a_slipped_disc_is_a_question_not_a_follow_up(rasa_server: Server) -> None:
    talk = chat(rasa_server)
    talk.text("how hard should i press with a massage ball")
    assert "disc" in talk.text("what's a slipped disc?")
    assert entry_ids(talk) == ["sciatica.slipped_disc"]


def test_say_that_again_repeats_the_last_answer(rasa_server: Server) -> None:
    talk = chat(rasa_server)
    talk.text("should i get a standing desk?")
    first = [m["text"] for m in talk.replies[-1] if (m.get("metadata") or {}).get("entry_id")]
    again = talk.say("sorry, what did you say?")
    assert first and first[0] in [m.get("text") for m in again]


def test_source_while_the_onset_is_asked_is_about_the_coming_answer(rasa_server: Server) -> None:
    talk = chat(rasa_server)
    assert "when did this pain start" in talk.text("can i put a heating pad on my back")
    reply = talk.text("source?")
    assert "i haven't given you any advice yet" not in reply
    assert "the answer i'm about to give comes from" in reply
    assert "48 hours" in talk.text("yesterday")


def test_lifting_a_toddler_gets_the_lifting_advice(rasa_server: Server) -> None:
    talk = chat(rasa_server)
    talk.text("how do I pick my toddler up without hurting my back")
    assert entry_ids(talk) == ["lifting.children"]
