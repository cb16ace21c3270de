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


def tier(talk: Conversation) -> str:
    """The escalation tier of the last reply, or "" when it did not escalate."""
    tiers = [(m.get("metadata") or {}).get("red_flag_tier") for m in talk.replies[-1]]
    return next((t for t in tiers if t), "")


def test_a_correction_answers_the_question_that_was_asked_for_the_new_onset(rasa_server: Server) -> None:
    talk = chat(rasa_server)
    talk.text("is a warm bath ok for my back? it started this morning")
    assert last_entry(talk) == "heat_ice.no_heat_first_48h"
    talk.text("my mistake, it was 6 days ago, not this morning")
    # The bath question again, now past 48 hours: not the general heat-or-ice answer.
    assert last_entry(talk) == "heat_ice.hot_bath" and "a warm bath is one easy way to use heat" in answer_text(talk)


def test_a_correction_keeps_the_time_it_means_not_the_last_one_named(rasa_server: Server) -> None:
    talk = chat(rasa_server)
    talk.text("heat or ice? hurt it 5 days ago")
    assert last_entry(talk) == "heat_ice.after_48h"
    talk.text("sorry no, it was a couple of hours ago, not 5 days")
    assert last_entry(talk) == "heat_ice.no_heat_first_48h" and "about 2 hours ago" in answer_text(talk)
    # The corrected onset is the one kept: "why?" and later answers use it.
    talk.text("can i use a heat wrap at work?")
    assert last_entry(talk) == "heat_ice.no_heat_first_48h"


def test_it_is_the_equipment_named_before_when_a_body_area_is_named_now(rasa_server: Server) -> None:
    talk = chat(rasa_server)
    talk.text("i use a theragun after the gym")
    talk.text("how hard should i push it against my lower back?")
    assert last_entry(talk) == "equipment.massager_how_hard" and "press the massager" in answer_text(talk)


def test_it_is_the_treatment_of_the_last_answer_not_older_equipment(rasa_server: Server) -> None:
    talk = chat(rasa_server)
    talk.text("where do i put my acupressure mat")
    talk.text("thanks. does acupuncture help?")
    talk.text("is it worth a try?")
    assert last_entry(talk) == "treatments.acupuncture" and "acupuncture" in answer_text(talk)


def test_an_age_said_after_a_first_back_pain_escalates(rasa_server: Server) -> None:
    talk = chat(rasa_server)
    talk.text("my dad has never had back trouble before but now his lower back aches")
    assert answer_text(talk).startswith("for your dad: ")
    reply = talk.text("he is 74. can he use a hot water bottle?")
    assert tier(talk) == "urgent" and "see a doctor today" in reply and "not a doctor" in reply


def test_the_next_question_about_someone_else_is_answered_for_them(rasa_server: Server) -> None:
    talk = chat(rasa_server)
    talk.text("my partner put his back out moving a sofa")
    talk.text("can he still go to the gym?")
    assert last_entry(talk) == "exercise.gym_weights" and answer_text(talk).startswith("for your partner: ")


def test_it_in_a_calm_sentence_late_on_does_not_point_at_old_equipment(rasa_server: Server) -> None:
    talk = chat(rasa_server)
    for message in ("how firmly should i use a massage gun", "thanks"):
        talk.text(message)
    talk.text("my legs are fine, it's only my lower back that's sore. how long can i sit before i should get up?")
    assert tier(talk) == "" and last_entry(talk) == "posture.sitting_breaks"


def test_an_earlier_answer_is_found_by_what_it_was_on(rasa_server: Server) -> None:
    talk = chat(rasa_server)
    talk.text("is ibuprofen gel any use for back pain")
    gel = last_entry(talk)
    talk.text("should i sleep on my side?")
    talk.text("what was the answer on the gel again?")
    assert last_entry(talk) == gel


def test_a_new_topic_after_equipment_says_nothing_of_the_equipment(rasa_server: Server) -> None:
    talk = chat(rasa_server)
    talk.text("how long should i lie on my acupressure mat")
    talk.text("different thing: how should i sit when driving?")
    assert last_entry(talk) == "posture.driving" and "mat" not in answer_text(talk)


def test_a_time_taken_back_is_a_correction_and_a_new_question_is_not(rasa_server: Server) -> None:
    talk = chat(rasa_server)
    talk.text("hot or cold pack for my back? it went last week")
    assert last_entry(talk) == "heat_ice.after_48h"
    talk.text("my bad, it was last night not last week")
    assert last_entry(talk) == "heat_ice.no_heat_first_48h"
    talk.text("actually, where should i put a foam roller? it started last night")
    assert last_entry(talk).startswith("equipment.foam_roller")


def test_an_answer_to_when_did_it_start_keeps_the_time_it_means(rasa_server: Server) -> None:
    talk = chat(rasa_server)
    assert "when did this pain start" in talk.text("is a heat pad ok for my back?")
    talk.text("about two hours ago, not last week")
    assert last_entry(talk) == "heat_ice.no_heat_first_48h" and "about 2 hours ago" in answer_text(talk)


def test_what_to_do_right_after_an_escalation_gets_the_escalation_again(rasa_server: Server) -> None:
    talk = chat(rasa_server)
    talk.text("since last night I can't feel the toilet paper when I wipe")
    assert tier(talk) == "emergency"
    reply = talk.text("ok so what do i do")
    assert tier(talk) == "emergency" and "not a doctor" in reply and "did you mean" not in reply


def test_a_past_cancer_holds_for_the_next_question_about_that_person(rasa_server: Server) -> None:
    talk = chat(rasa_server)
    assert "advice for your stepmum" in talk.text("my stepmum is 63").lower()
    talk.text("she had breast cancer a few years ago and now her lower back aches all the time")
    assert tier(talk) == "urgent"
    reply = talk.text("can she go for walks?")
    assert tier(talk) == "urgent" and "cancer" in reply
    talk.text("she's been seen by her doctor now, they said it's fine. can she go for walks?")
    assert tier(talk) == "" and answer_text(talk).startswith("for your stepmum: ")


def test_it_handled_is_the_equipment_named_before_another_topic(rasa_server: Server) -> None:
    talk = chat(rasa_server)
    for message in ("got a foam roller for my birthday", "are stretches good for a stiff back?", "cheers"):
        talk.text(message)
    talk.text("can i use it at the very bottom of my back?")
    assert last_entry(talk) == "equipment.foam_roller_where"


def test_a_plain_ok_after_an_answer_says_nothing_new(rasa_server: Server) -> None:
    talk = chat(rasa_server)
    talk.text("do stretches help a stiff back?")
    assert "anything else" in talk.text("ah ok").lower() and last_entry(talk) == ""
    talk.text("how often should i do it?")
    assert last_entry(talk).startswith("exercise.")
