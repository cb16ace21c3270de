"""Context over several turns (issue 17): asides, a corrected thing, a sign that stands, what "it" is."""

from typing import Any, Dict, List, Optional, Sequence, Tuple

from rasa_sdk.executor import CollectingDispatcher

from actions.answer import ASIDE, ActionAnswerGuidance
from backcare.ranking import GuidanceIndex
from backcare.store import GuidanceStore
from tests.conftest import make_tracker

Turn = Tuple[str, Sequence[Tuple[str, str]], Optional[Dict[str, Any]]]


def talk(index: GuidanceIndex, turns: Sequence[Turn], slots: Optional[Dict[str, Any]] = None) -> Any:
    """A tracker for ``turns`` (text, entities, the bot's reply metadata or None), the last one latest.

    Each entity's ``start`` is where its value stands in the text, as the NLU gives it.
    """
    events: List[Dict[str, Any]] = []
    for text, entities, reply in turns:
        parse = make_tracker(text, "ask_guidance", entities, index=index).latest_message
        for entity in parse["entities"]:
            entity["start"] = text.index(entity["value"])
        events.append({"event": "user", "text": text, "parse_data": parse})
        if reply is not None:
            events.append({"event": "bot", "text": "...", "metadata": reply})
    tracker = make_tracker(turns[-1][0], "ask_guidance", turns[-1][1], slots=slots, index=index)
    tracker.latest_message = events[-1]["parse_data"]
    tracker.events = events
    return tracker


async def test_a_corrected_piece_of_equipment_gets_the_same_question_for_it(
    store: GuidanceStore, index: GuidanceIndex, domain: Dict[str, Any]
) -> None:
    first = "equipment.ball_how_long"
    tracker = talk(index, [
        ("how long should i keep the lacrosse ball on one spot", [("equipment", "lacrosse ball")], {"entry_id": first}),
        ("oops not the lacrosse ball, i meant the massager",
         [("equipment", "lacrosse ball"), ("equipment", "massager")], None),
    ], {"last_entry": first, "said_entries": [first]})
    dispatcher = CollectingDispatcher()
    await ActionAnswerGuidance(store).run(dispatcher, tracker, domain)
    assert dispatcher.messages[0]["entry_id"] == "equipment.massager_how_long"


async def test_an_aside_gets_a_short_reply_and_changes_nothing(
    store: GuidanceStore, index: GuidanceIndex, domain: Dict[str, Any]
) -> None:
    first = "equipment.acupressure_mat_how_long"
    tracker = talk(index, [
        ("i've just got an acupressure mat", [("equipment", "acupressure mat")], {"entry_id": first}),
        ("ha my cat has already claimed it", [], None),
    ], {"last_entry": first, "said_entries": [first], "equipment": "acupressure mat"})
    dispatcher = CollectingDispatcher()
    events = await ActionAnswerGuidance(store).run(dispatcher, tracker, domain)
    assert [m.get("text") for m in dispatcher.messages] == [ASIDE]
    assert events == []


async def test_a_first_back_pain_late_in_life_stands_for_the_next_questions_about_that_person(
    store: GuidanceStore, index: GuidanceIndex, domain: Dict[str, Any]
) -> None:
    escalation = {"red_flag_tier": "urgent", "red_flag_signs": ["age_onset"]}
    earlier: List[Turn] = [
        ("my grandad is 81", [], None),
        ("he's never had a bad back until this week", [], escalation),
    ]
    dispatcher = CollectingDispatcher()
    asks_for_him = talk(index, [*earlier, ("can he use a hot water bottle?", [("therapy", "hot water bottle")], None)])
    await ActionAnswerGuidance(store).run(dispatcher, asks_for_him, domain)
    assert dispatcher.messages[0].get("red_flag_tier") == "urgent"
    # Once a doctor has seen him, his questions are answered again.
    seen = [*earlier, ("the gp saw him this morning, all fine", [], None)]
    dispatcher = CollectingDispatcher()
    asks_again = talk(index, [*seen, ("is walking good for him?", [], None)])
    await ActionAnswerGuidance(store).run(dispatcher, asks_again, domain)
    assert dispatcher.messages[0].get("entry_id") == "activity.walking"


async def test_a_hot_bath_in_the_first_hours_gets_the_no_heat_advice(
    store: GuidanceStore, index: GuidanceIndex, domain: Dict[str, Any]
) -> None:
    text = "thinking of a long hot bath tonight, my back went this morning. good plan?"
    tracker = make_tracker(text, "ask_guidance", [("onset", "this morning")], {"onset": "this morning"}, index=index)
    dispatcher = CollectingDispatcher()
    await ActionAnswerGuidance(store).run(dispatcher, tracker, domain)
    assert dispatcher.messages[0]["entry_id"] == "heat_ice.no_heat_first_48h"


async def test_is_it_worth_it_asks_about_the_treatment_answered_before(
    store: GuidanceStore, index: GuidanceIndex, domain: Dict[str, Any]
) -> None:
    tracker = talk(index, [
        ("my sister swears by her tens machine", [], {"entry_id": "treatments.tens"}),
        ("would it be worth the cash?", [], None),
    ], {"last_entry": "treatments.tens", "said_entries": ["treatments.tens"]})
    dispatcher = CollectingDispatcher()
    await ActionAnswerGuidance(store).run(dispatcher, tracker, domain)
    assert dispatcher.messages[0]["entry_id"] == "treatments.tens"


async def test_it_after_the_sciatica_answers_is_sciatica(
    store: GuidanceStore, index: GuidanceIndex, domain: Dict[str, Any]
) -> None:
    tracker = talk(index, [
        ("how long will my sciatica hang about", [], {"entry_id": "sciatica.how_long"}),
        ("should a doctor look at it?", [], None),
    ], {"last_entry": "sciatica.how_long", "said_entries": ["sciatica.how_long"]})
    dispatcher = CollectingDispatcher()
    await ActionAnswerGuidance(store).run(dispatcher, tracker, domain)
    assert dispatcher.messages[0]["entry_id"] == "sciatica.when_doctor"
