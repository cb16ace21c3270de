"""The recall component (nlu/recall.py): asking for an earlier answer routes to ask_guidance."""

from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from backcare.recall import RECALL
from nlu.recall import RecallDetector
from tests.nlu.conftest import Parse


def message(text: str, intent: str) -> Message:
    msg = Message(data={TEXT: text})
    msg.set(INTENT, {"name": intent, "confidence": 0.9})
    msg.set(INTENT_RANKING_KEY, [{"name": intent, "confidence": 0.9}, {"name": "ask_guidance", "confidence": 0.1}])
    return msg


def test_a_recall_overrides_a_repeat_and_a_plain_repeat_is_a_repeat_whatever_was_predicted() -> None:
    detector = RecallDetector.create({}, None, None, None)  # type: ignore[arg-type]
    recall, repeat, other = detector.process(
        [message("what was that about pressure again?", "ask_repeat"),
         message("sorry, what did you say?", "out_of_scope"), message("is heat ok?", "ask_guidance")]
    )
    assert recall.get(INTENT)["name"] == "ask_guidance" and recall.get(RECALL) == "earlier"
    assert [r["name"] for r in recall.get(INTENT_RANKING_KEY)] == ["ask_guidance", "ask_repeat"]
    assert repeat.get(INTENT)["name"] == "ask_repeat" and repeat.get(RECALL) is None
    assert other.get(INTENT)["name"] == "ask_guidance"


def test_the_trained_pipeline_routes_recalls_to_guidance(parse: Parse) -> None:
    texts = ["what did you tell me about ice again?", "back to my first question", "and the other one?"]
    assert {t: r["intent"]["name"] for t, r in parse(texts).items()} == dict.fromkeys(texts, "ask_guidance")


def test_a_warning_sign_in_a_recall_still_escalates(parse: Parse) -> None:
    text = "what was that about heat again? also i can't control my bladder since this morning"
    assert parse([text])[text]["intent"]["name"] == "red_flag_emergency"
