"""The short-reply component (nlu/short_replies.py): a bare score or time zone gets its intent."""

from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from nlu.short_replies import INFORM_PAIN_SCORE, INFORM_TIME_ZONE, ShortReplyDetector
from tests.nlu.conftest import Parse


def message(text: str, intent: str = "ask_guidance") -> Message:
    msg = Message(data={TEXT: text})
    msg.set(INTENT, {"name": intent, "confidence": 0.6})
    msg.set(INTENT_RANKING_KEY, [{"name": intent, "confidence": 0.6}])
    return msg


def test_scores_and_time_zones_override_the_classifier_and_other_messages_are_left_alone() -> None:
    detector = ShortReplyDetector.create({}, None, None, None)  # type: ignore[arg-type]
    texts = ["about a 6", "15", "UTC+2", "I'm in London", "how long until my back is better?", "/accept_checkin"]
    parsed = detector.process([message(t) for t in texts])
    assert [m.get(INTENT)["name"] for m in parsed] == [
        INFORM_PAIN_SCORE, INFORM_PAIN_SCORE, INFORM_TIME_ZONE, INFORM_TIME_ZONE, "ask_guidance", "ask_guidance"
    ]
    assert [r["name"] for r in parsed[0].get(INTENT_RANKING_KEY)] == [INFORM_PAIN_SCORE, "ask_guidance"]


def test_the_trained_pipeline_reads_check_in_replies(parse: Parse) -> None:
    texts = {
        "prob a 7 today": INFORM_PAIN_SCORE,
        "four": INFORM_PAIN_SCORE,
        "9/10 this morning": INFORM_PAIN_SCORE,
        "it's 9.45am": INFORM_TIME_ZONE,
        "Lisbon": INFORM_TIME_ZONE,
        "would you check on me again in a couple of days": "accept_pain_checkin",
    }
    assert {t: r["intent"]["name"] for t, r in parse(list(texts)).items()} == texts


def test_a_warning_sign_in_a_score_reply_still_escalates(parse: Parse) -> None:
    text = "8/10 and since this morning I can't feel anything between my legs"
    assert parse([text])[text]["intent"]["name"] == "red_flag_emergency"
