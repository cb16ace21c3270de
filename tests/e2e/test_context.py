"""Conversations whose last message only makes sense with the earlier ones, through the real servers."""

import uuid
from typing import List

from tests.servers import Conversation, Server


def chat(rasa_server: Server) -> Conversation:
    return Conversation(rasa_server.url, f"e2e-{uuid.uuid4().hex[:8]}")


def last_entry(talk: Conversation) -> str:
    ids: List[str] = [m["metadata"]["entry_id"] for m in talk.replies[-1] if (m.get("metadata") or {}).get("entry_id")]
    return ids[-1] if ids else ""


def answer_text(talk: Conversation) -> str:
    """The text of the last reply's answer (after any greeting), lowercased."""
    texts = [m.get("text", "") for m in talk.replies[-1] if (m.get("metadata") or {}).get("entry_id")]
    return texts[-1].lower() if texts else ""


def test_a_corrected_onset_re_answers_heat_or_ice(rasa_server: Server) -> None:
    talk = chat(rasa_server)
    talk.text("i strained my back this morning, is a heating pad ok?")
    assert last_entry(talk) == "heat_ice.no_heat_first_48h"
    reply = talk.text("oh sorry, actually it was 5 days ago")
    assert last_entry(talk) == "heat_ice.after_48h" and "5 days" in reply


def test_a_question_that_points_back_uses_the_thing_named_before(rasa_server: Server) -> None:
    talk = chat(rasa_server)
    talk.text("i just bought an acupressure mat")
    assert "20 minutes" in talk.text("how long should i use it?")


def test_an_earlier_answer_is_found_again_after_other_turns(rasa_server: Server) -> None:
    talk = chat(rasa_server)
    talk.text("how hard should i press when massaging my lower back?")
    pressure = last_entry(talk)
    talk.text("ok thanks")
    talk.text("should i get a standing desk?")
    talk.text("what was that about pressure again?")
    assert last_entry(talk) == pressure


def test_a_new_topic_is_not_dragged_back_to_the_old_one(rasa_server: Server) -> None:
    talk = chat(rasa_server)
    talk.text("i use a foam roller most evenings")
    talk.text("what exercise helps a bad back?")
    assert last_entry(talk).startswith("exercise.")


def test_a_warning_sign_late_in_a_calm_conversation_escalates(rasa_server: Server) -> None:
    talk = chat(rasa_server)
    for message in ("hi", "how do i use a foam roller", "thanks", "is a standing desk worth it", "ok cool"):
        talk.text(message)
    reply = talk.text("also since this morning i can't feel anything down there when i wipe")
    assert "emergency" in reply and "not a doctor" in reply


def test_a_near_miss_late_in_a_conversation_stays_calm_and_is_answered(rasa_server: Server) -> None:
    talk = chat(rasa_server)
    for message in ("hi", "how hard should i press with a massage ball", "thanks"):
        talk.text(message)
    reply = talk.text("no numbness or anything, just stiff. what stretches can i try?")
    assert "emergency" not in reply
    assert last_entry(talk).startswith("exercise.")


def test_a_question_about_someone_else_is_answered_for_them_and_their_age_is_checked(rasa_server: Server) -> None:
    talk = chat(rasa_server)
    talk.text("my mum is 81 and her back is sore, would a foam roller help her?")
    assert answer_text(talk).startswith("for your mum: ") and last_entry(talk).startswith("equipment.")
    reply = talk.text("she's never had back pain before though")
    tiers = [(m.get("metadata") or {}).get("red_flag_tier") for m in talk.replies[-1]]
    assert "urgent" in tiers and "see a doctor today" in reply and "not a doctor" in reply


def test_the_person_typing_gets_their_own_advice_back(rasa_server: Server) -> None:
    talk = chat(rasa_server)
    talk.text("can my husband use a heat pad? he pulled his back a week ago")
    assert answer_text(talk).startswith("for your husband: ")
    talk.text("and what about me, how hard should I press with a massage ball?")
    assert not answer_text(talk).startswith("for ") and last_entry(talk) == "equipment.ball_how_hard"


def test_a_new_question_instead_of_the_onset_is_answered(rasa_server: Server) -> None:
    talk = chat(rasa_server)
    assert "when did this pain start" in talk.text("is a heat pad ok for my back?")
    talk.text("never mind that, how should i sit at my desk?")
    assert last_entry(talk).startswith("posture.")
