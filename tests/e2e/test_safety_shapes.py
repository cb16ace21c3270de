"""Warning signs in the shapes that slipped past the rules, through the real servers.

The phrasings here are our own; the held-out probe set (bench/eval/red_flags_fresh.csv) is
only scored by the bench, never tested or tuned on.
"""

import uuid

import pytest

from tests.servers import Conversation, Server


def chat(rasa_server: Server) -> Conversation:
    return Conversation(rasa_server.url, f"e2e-{uuid.uuid4().hex[:8]}")


EMERGENCY = "call your local emergency number now"


@pytest.mark.parametrize(
    "message",
    [
        # Everyday words instead of the clinical term.
        "i keep wetting myself and i don't even feel it happening",
        "my bum and privates have gone numb since last night",
        # Buried in a long message about something else.
        "i've been using my foam roller most evenings and it helps a bit, but i wanted to ask whether i "
        "should switch to a lacrosse ball. oh and both my legs have gone weak and wobbly today",
        # In the words of another topic.
        "what pillow should i use? i keep waking up in the night and i've lost control of my bowels twice",
    ],
)
def test_an_emergency_sign_in_any_shape_escalates_and_withholds_advice(rasa_server: Server, message: str) -> None:
    talk = chat(rasa_server)
    reply = talk.text(message)
    assert EMERGENCY in reply and "not a doctor" in reply
    assert not [m for m in talk.replies[-1] if (m.get("metadata") or {}).get("entry_id")]


def test_an_emergency_sign_right_after_an_answer_escalates(rasa_server: Server) -> None:
    talk = chat(rasa_server)
    talk.text("how long should i use an acupressure mat")
    assert EMERGENCY in talk.text("since lunch i can't feel the toilet paper when i wipe")


def test_a_fever_described_as_a_sleep_problem_goes_to_a_doctor_today(rasa_server: Server) -> None:
    talk = chat(rasa_server)
    reply = talk.text("i wake up drenched in sweat and shivering every night and my back is agony, best mattress?")
    assert "see a doctor today" in reply


@pytest.mark.parametrize(
    "message",
    [
        "no numbness, no bladder problems, just a stiff lower back. is walking ok?",
        "this commute is a pain in the backside, any tips for sitting in the car?",
        "my left foot tingled after sitting cross-legged for an hour, then it went away. can i still stretch?",
    ],
)
def test_a_near_miss_stays_calm_and_gets_its_question_answered(rasa_server: Server, message: str) -> None:
    talk = chat(rasa_server)
    reply = talk.text(message)
    assert "emergency" not in reply and "see a doctor today" not in reply
    assert [m for m in talk.replies[-1] if (m.get("metadata") or {}).get("entry_id")]


@pytest.mark.parametrize(
    ("message", "entry"),
    [
        # A figure of speech that borrows a sign's words: its clause must not steer the answer.
        ("I almost wet myself laughing at the physio's jokes, but what actually happens at a physio appointment?",
         "doctor.what_to_expect"),
        # Someone else's sign beside the writer's own milder back: calm, and the writer's question answered.
        ("my brother came off his motorbike last year and hurt his spine. my own back is only a little stiff, "
         "is swimming good for it?", "exercise.aerobic"),
        # Denied signs ahead of the question.
        ("no tingling in my privates, bladder fine. how long should I lie on an acupressure mat?",
         "equipment.acupressure_mat_how_long"),
    ],
)
def test_a_near_miss_gets_its_own_question_answered(rasa_server: Server, message: str, entry: str) -> None:
    talk = chat(rasa_server)
    reply = talk.text(message)
    assert "emergency" not in reply and "see a doctor today" not in reply
    assert [(m.get("metadata") or {}).get("entry_id") for m in talk.replies[-1]][-1] == entry
