"""The guidance ranker component on real messages, with the real store and encoder."""

from typing import List, Tuple

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


def test_a_bare_question_after_told_context_keeps_the_context() -> None:
    # Alone, "how do I manage my back?" is the prevention entry; after the driving it is driving.
    ranking = GuidanceRanker({}).rank("I am a taxi driver and sit in the car ten hours a day. How do I manage my back?")
    assert ranking[0].entry_id == "posture.driving"


@pytest.mark.parametrize(
    ("text", "read_as", "entities", "intent"),
    [
        # Fits an entry well: a guidance question, whatever the classifier said.
        ("tens machine any good", "out_of_scope", [], "ask_guidance"),
        # Names a thing the guidance covers and fits its entry: less is needed.
        ("would a hot shower help", "ask_capabilities", [("therapy", "hot shower")], "ask_guidance"),
        # Fits none well: left as read.
        ("crypto prices today", "out_of_scope", [], "out_of_scope"),
        ("what can you do", "ask_capabilities", [], "ask_capabilities"),
    ],
)
def test_a_message_that_fits_an_entry_well_is_a_guidance_question(
    index: GuidanceIndex, text: str, read_as: str, entities: List[Tuple[str, str]], intent: str
) -> None:
    message = Message(data={"text": text, "intent": {"name": read_as, "confidence": 0.7},
                            "entities": [{"entity": e, "value": v} for e, v in entities]})
    GuidanceRanker({}, index).process([message])
    assert message.get("intent")["name"] == intent
