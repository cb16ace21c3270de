"""The guidance ranker component on real messages, with the real store and encoder."""

import pytest
from rasa.shared.nlu.training_data.message import Message

from backcare.ranking import GuidanceIndex
from nlu.guidance_ranker import ALSO, RANKING, GuidanceRanker


def ranked(index: GuidanceIndex, text: str) -> Message:
    [message] = GuidanceRanker({}, index).process([Message(data={"text": text})])
    return message


def test_the_best_entries_travel_in_the_parse_data(index: GuidanceIndex) -> None:
    message = ranked(index, "should i get a standing desk?")
    ranking = message.get(RANKING)
    assert ranking[0]["id"] == "posture.standing_desk"
    assert [r["score"] for r in ranking] == sorted((r["score"] for r in ranking), reverse=True)
    assert RANKING in message.as_dict(only_output_properties=True)


def test_a_second_question_in_the_message_is_named(index: GuidanceIndex) -> None:
    message = ranked(index, "should i get a standing desk? and how do i lift my toddler without hurting my back?")
    assert message.get(RANKING)[0]["id"] == "posture.standing_desk"
    assert message.get(ALSO)["id"] == "lifting.children"


def test_one_question_names_no_second_one_and_payloads_are_not_ranked(index: GuidanceIndex) -> None:
    assert ranked(index, "what's a slipped disc?").get(ALSO) is None
    assert ranked(index, '/ask_entry{"entry_id": "sciatica.what_is"}').get(RANKING) is None


def test_the_question_after_told_context_is_ranked_on_its_own_too() -> None:
    from nlu.guidance_ranker import asked_sentence

    assert asked_sentence("bladder fine, legs fine. how do I carry a heavy box?") == "how do I carry a heavy box?"
    # One sentence, a question told before, or a question too short to stand alone: the message as it is.
    assert asked_sentence("how do I carry a heavy box?") is None
    assert asked_sentence("is it bad? it hurts. what now?") is None
    assert asked_sentence("it hurts. why?") is None


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        # Fits an entry well: in scope, whatever the classifier said.
        ("tens machine any good", "ask_guidance"),
        # Fits none that well: left as read.
        ("what's the price of a massage gun on amazon", "out_of_scope"),
        ("crypto prices today", "out_of_scope"),
    ],
)
def test_a_message_that_fits_an_entry_well_is_in_scope(index: GuidanceIndex, text: str, intent: str) -> None:
    message = Message(data={"text": text, "intent": {"name": "out_of_scope", "confidence": 0.7}})
    GuidanceRanker({}, index).process([message])
    assert message.get("intent")["name"] == intent
