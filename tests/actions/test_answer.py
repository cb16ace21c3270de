"""Which entry the answering action picks, with the real store, ranker and tracker fixtures."""

from typing import Any, Dict, List, Optional, Sequence, Tuple

import pytest
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.answer import ActionAnswerGuidance, ActionAnswerMedicine
from backcare.ranking import GuidanceIndex
from backcare.store import GuidanceStore
from tests.conftest import make_tracker, said


@pytest.mark.parametrize(
    ("text", "entities", "slots", "expected_phrase"),
    [
        ("hurt it yesterday can i use a heat pad", [("therapy", "heat pad")], {"onset": "yesterday"}, "48 hours"),
        ("heat or ice", [], {"onset": "5 days ago"}, "both fine"),
        ("heat or ice", [], {"onset": "unknown"}, "depends on when"),
        ("how long should i use it", [], {"equipment": "acupressure mat"}, "20 minutes"),
        ("how long can i use the massage gun on one spot", [("equipment", "massage gun")], {}, "15 minutes"),
        ("where do i put the tennis balls", [("equipment", "tennis balls")], {}, "spine"),
        ("how hard should i press", [], {}, "medium"),
        ("how long should i massage my glute medius", [("body_area", "glute medius")], {}, "20 minutes"),
        ("what can i put behind my back in my office chair", [], {}, "towel"),
        ("would a mattress topper help", [("equipment", "mattress topper")], {}, "topper"),
    ],
)
async def test_answers_with_the_specific_entry(
    store: GuidanceStore,
    index: GuidanceIndex,
    domain: Dict[str, Any],
    text: str,
    entities: Sequence[Tuple[str, str]],
    slots: Optional[Dict[str, Any]],
    expected_phrase: str,
) -> None:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(text, "ask_guidance", entities, slots, index=index)
    events = await ActionAnswerGuidance(store).run(dispatcher, tracker, domain)
    assert expected_phrase in said(dispatcher)
    assert events[0] == SlotSet("last_entry", dispatcher.messages[0]["entry_id"])


async def test_an_answer_that_needs_the_onset_says_the_general_rule_and_asks_for_it(
    store: GuidanceStore, index: GuidanceIndex, domain: Dict[str, Any]
) -> None:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker("can i put a heating pad on my back", "ask_guidance", index=index)
    events = await ActionAnswerGuidance(store).run(dispatcher, tracker, domain)
    assert dispatcher.messages[0]["entry_id"] == "heat_ice.onset_unknown"
    assert "started about" not in said(dispatcher)
    [pending] = [e for e in events if e.get("name") == "pending_entry"]
    pending_entry = store.get(pending["value"])
    assert pending_entry is not None and store.depends_on_onset(pending_entry)


async def test_an_ice_only_question_is_answered_at_once(
    store: GuidanceStore, index: GuidanceIndex, domain: Dict[str, Any]
) -> None:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker("an ice pack on my back, ok?", "ask_guidance", index=index)
    await ActionAnswerGuidance(store).run(dispatcher, tracker, domain)
    assert dispatcher.messages[0]["entry_id"] == "heat_ice.ice_pack_any_time"


async def test_heat_or_ice_gets_the_general_rule_at_once_then_the_onset_question(
    store: GuidanceStore, index: GuidanceIndex, domain: Dict[str, Any]
) -> None:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker("heat vs cold for back ache", "ask_guidance", index=index)
    events = await ActionAnswerGuidance(store).run(dispatcher, tracker, domain)
    assert dispatcher.messages[0]["entry_id"] == "heat_ice.onset_unknown"
    assert "depends on when" in said(dispatcher)
    # pending_entry set: the onset form asks next, and its answer says which half applies.
    assert SlotSet("pending_entry", "heat_ice.onset_unknown") in events


async def test_not_knowing_the_onset_after_the_general_rule_does_not_repeat_it(
    store: GuidanceStore, index: GuidanceIndex, domain: Dict[str, Any]
) -> None:
    dispatcher = CollectingDispatcher()
    slots = {"pending_entry": "heat_ice.onset_unknown", "last_entry": "heat_ice.onset_unknown", "onset": "unknown"}
    events = await ActionAnswerGuidance(store).run(dispatcher, make_tracker("not sure", slots=slots), domain)
    assert "rule above" in said(dispatcher) and "depends on when" not in said(dispatcher)
    assert events == [SlotSet("pending_entry", None)]


async def test_a_plural_names_the_equipment_so_it_is_not_asked_which(
    store: GuidanceStore, index: GuidanceIndex, domain: Dict[str, Any]
) -> None:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker("do i need one of those lumbar pillows for my office chair", "ask_guidance", index=index)
    await ActionAnswerGuidance(store).run(dispatcher, tracker, domain)
    assert dispatcher.messages[0]["entry_id"] == "equipment.towel_or_pillow"


@pytest.mark.parametrize("text", ["how do i use it", "how long should i use it each time"])
async def test_a_vague_or_split_equipment_question_asks_which(
    store: GuidanceStore, index: GuidanceIndex, domain: Dict[str, Any], text: str
) -> None:
    dispatcher = CollectingDispatcher()
    await ActionAnswerGuidance(store).run(dispatcher, make_tracker(text, "ask_guidance", index=index), domain)
    assert "which equipment" in said(dispatcher)


async def test_a_clear_question_about_unnamed_gear_is_answered_without_asking_which(
    store: GuidanceStore, index: GuidanceIndex, domain: Dict[str, Any]
) -> None:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker("saw a lumbar support on sale, is it worth it?", "ask_guidance", index=index)
    await ActionAnswerGuidance(store).run(dispatcher, tracker, domain)
    assert "which equipment" not in said(dispatcher)
    assert dispatcher.messages[0]["entry_id"] == "equipment.towel_or_pillow"


async def test_the_pending_entry_is_answered_for_the_onset_given(
    store: GuidanceStore, index: GuidanceIndex, domain: Dict[str, Any]
) -> None:
    dispatcher = CollectingDispatcher()
    slots = {"pending_entry": "heat_ice.onset_unknown", "onset": "this morning"}
    events = await ActionAnswerGuidance(store).run(dispatcher, make_tracker("this morning", slots=slots), domain)
    assert dispatcher.messages[0]["entry_id"] == "heat_ice.no_heat_first_48h"
    assert SlotSet("pending_entry", None) in events


async def test_equipment_question_without_equipment_asks_which(
    store: GuidanceStore, index: GuidanceIndex, domain: Dict[str, Any]
) -> None:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker("how long should i use it", "ask_guidance", index=index)
    assert await ActionAnswerGuidance(store).run(dispatcher, tracker, domain) == []
    assert "which equipment" in said(dispatcher)
    buttons = dispatcher.messages[0]["buttons"]
    assert "Foam roller" in [b["title"] for b in buttons] and len(buttons) == len(store.vocabulary.equipment)
    assert "how long should i use it (foam roller)" in [b["payload"] for b in buttons]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("bought a knobbly massage ball, where does it go on my back?", "equipment.ball_where"),
        ("my nails mat is too much, how do I make it less painful?", "equipment.acupressure_mat"),
    ],
)
async def test_equipment_named_in_other_words_is_answered_without_asking_which(
    store: GuidanceStore, index: GuidanceIndex, domain: Dict[str, Any], text: str, expected: str
) -> None:
    dispatcher = CollectingDispatcher()
    await ActionAnswerGuidance(store).run(dispatcher, make_tracker(text, "ask_guidance", index=index), domain)
    assert "which equipment" not in said(dispatcher) and dispatcher.messages[0]["entry_id"].startswith(expected)


async def test_answers_carry_why_source_and_follow_up_buttons(
    store: GuidanceStore, index: GuidanceIndex, domain: Dict[str, Any]
) -> None:
    dispatcher = CollectingDispatcher()
    await ActionAnswerGuidance(store).run(dispatcher, make_tracker("how hard should i press", index=index), domain)
    payloads = [b["payload"] for b in dispatcher.messages[0]["buttons"]]
    assert payloads[0] == "/ask_why" and payloads[-1] == "/ask_source"
    assert any(p.startswith('/ask_entry{"entry_id": ') for p in payloads)


async def test_gibberish_gets_buttons_or_the_scope_answer_never_an_entry(
    store: GuidanceStore, index: GuidanceIndex, domain: Dict[str, Any]
) -> None:
    dispatcher = CollectingDispatcher()
    await ActionAnswerGuidance(store).run(dispatcher, make_tracker("crypto prices today", index=index), domain)
    assert "entry_id" not in dispatcher.messages[0]


@pytest.mark.parametrize("text", ["how many ibuprofen can i take", "what painkiller is best", "can i take codeine"])
async def test_medicine_questions_get_no_names_or_doses(
    store: GuidanceStore, index: GuidanceIndex, domain: Dict[str, Any], text: str
) -> None:
    dispatcher = CollectingDispatcher()
    await ActionAnswerMedicine(store).run(dispatcher, make_tracker(text, "ask_medicine", index=index), domain)
    reply = said(dispatcher)
    assert "pharmacist" in reply or "gp" in reply
    assert not {"ibuprofen", "codeine", "mg"} & set(reply.replace(",", " ").replace(".", " ").split())
    assert dispatcher.messages[0]["entry_id"].startswith(("medicine.", "doctor.medicine"))


async def test_a_corrected_onset_re_answers_the_heat_question(
    store: GuidanceStore, index: GuidanceIndex, domain: Dict[str, Any]
) -> None:
    dispatcher = CollectingDispatcher()
    slots = {"onset": "4 days ago", "last_entry": "heat_ice.no_heat_first_48h"}
    text = "no wait, it was 4 days ago not this morning"
    tracker = make_tracker(text, "ask_guidance", [("onset", "4 days ago")], slots, index=index)
    await ActionAnswerGuidance(store).run(dispatcher, tracker, domain)
    assert dispatcher.messages[0]["entry_id"] == "heat_ice.after_48h"
    assert "4 days" in said(dispatcher)


async def test_an_onset_alone_after_other_advice_is_noted(
    store: GuidanceStore, index: GuidanceIndex, domain: Dict[str, Any]
) -> None:
    dispatcher = CollectingDispatcher()
    slots = {"onset": "yesterday", "last_entry": "massage.how_much_pressure"}
    tracker = make_tracker("yesterday", "inform_onset", [("onset", "yesterday")], slots, index=index)
    await ActionAnswerGuidance(store).run(dispatcher, tracker, domain)
    assert dispatcher.messages[0]["response"] == "utter_onset_noted"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("what was that about pressure again?", "massage.how_much_pressure"),
        ("back to my first question", "equipment.foam_roller_where"),
        ("and the other one?", "posture.sitting"),
        ("and the other one, the one about how hard to press?", "massage.how_much_pressure"),
    ],
)
async def test_an_earlier_answer_is_found_again(
    store: GuidanceStore, index: GuidanceIndex, domain: Dict[str, Any], text: str, expected: str
) -> None:
    said_before = ["equipment.foam_roller_where", "massage.how_much_pressure", "posture.sitting", "sleep.better_night"]
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(text, "ask_guidance", slots={"said_entries": said_before}, index=index)
    events = await ActionAnswerGuidance(store).run(dispatcher, tracker, domain)
    assert dispatcher.messages[0]["entry_id"] == expected
    assert SlotSet("said_entries", [*[e for e in said_before if e != expected], expected]) in events


@pytest.mark.parametrize(
    ("text", "slots", "expected"),
    [
        ("where do i put it?", {"equipment": "foam roller"}, "equipment.foam_roller_mid_back"),
        ("how long should i lie on them", {"equipment": "lacrosse balls"}, "equipment.ball_how_long"),
    ],
)
async def test_a_question_that_points_back_is_about_the_thing_named_before(
    store: GuidanceStore, index: GuidanceIndex, domain: Dict[str, Any], text: str, slots: Dict[str, Any],
    expected: str,
) -> None:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(text, "ask_guidance", slots=slots, index=index)
    await ActionAnswerGuidance(store).run(dispatcher, tracker, domain)
    assert dispatcher.messages[0]["entry_id"] == expected


async def test_a_second_question_is_offered_as_a_button(
    store: GuidanceStore, index: GuidanceIndex, domain: Dict[str, Any]
) -> None:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker("should i get a standing desk? and how do i lift my toddler?", "ask_guidance", index=index)
    tracker.latest_message["guidance_also"] = {"id": "lifting.children", "score": 0.8}
    await ActionAnswerGuidance(store).run(dispatcher, tracker, domain)
    [message] = dispatcher.messages
    # Either question may be answered first; the other must be offered, never lost.
    answered_and_offered = {message["entry_id"], message["buttons"][1]["payload"]}
    assert answered_and_offered in (
        {"posture.standing_desk", '/ask_entry{"entry_id": "lifting.children"}'},
        {"lifting.children", '/ask_entry{"entry_id": "posture.standing_desk"}'},
    )


async def test_a_question_about_someone_else_is_answered_for_them(
    store: GuidanceStore, index: GuidanceIndex, domain: Dict[str, Any]
) -> None:
    dispatcher = CollectingDispatcher()
    text = "my mum is 60 and her back is stiff, how hard should she press with a massage ball?"
    tracker = make_tracker(text, "ask_guidance", slots={"onset": "5 days ago"}, index=index)
    await ActionAnswerGuidance(store).run(dispatcher, tracker, domain)
    assert dispatcher.messages[0]["text"].startswith("For your mum: ")


async def test_an_age_said_in_an_earlier_turn_makes_a_first_back_pain_urgent(
    store: GuidanceStore, index: GuidanceIndex, domain: Dict[str, Any]
) -> None:
    text = "he's never had back pain before, can he use a heat pad?"
    replies = {}
    for age in (74, 40):
        dispatcher = CollectingDispatcher()
        history = [f"my dad is {age}", "he hurt his back lifting a bag of compost yesterday"]
        tracker = make_tracker(text, "ask_guidance", slots={"onset": "yesterday"}, index=index, history=history)
        # What the red-flag detector adds when the age-bound sign is heard without an age.
        tracker.latest_message["red_flag_if_age"] = ["age_onset"]
        await ActionAnswerGuidance(store).run(dispatcher, tracker, domain)
        (replies[age],) = dispatcher.messages
    assert replies[74]["red_flag_tier"] == "urgent" and "not a doctor" in replies[74]["text"]
    assert "red_flag_tier" not in replies[40] and replies[40]["text"].startswith("For your dad: ")


def conversation(
    index: GuidanceIndex,
    turns: Sequence[Tuple[str, str, Sequence[Tuple[str, str]], Optional[str]]],
    slots: Optional[Dict[str, Any]] = None,
) -> Any:
    """A tracker whose events are ``turns`` (text, intent, entities, entry answered), the last one latest.

    Each message carries the parse data the NLU would give it (the real ranker's ranking), and
    each answer the ``entry_id`` metadata the answering action puts on it.
    """
    events = []
    for text, intent, entities, answered in turns:
        parse = make_tracker(text, intent, entities, index=index).latest_message
        events.append({"event": "user", "text": text, "parse_data": parse})
        if answered:
            events.append({"event": "bot", "text": "...", "metadata": {"entry_id": answered}})
    tracker = make_tracker(*turns[-1][:3], slots=slots, index=index)
    tracker.events = events
    return tracker


async def answered(
    store: GuidanceStore, index: GuidanceIndex, domain: Dict[str, Any],
    turns: Sequence[Tuple[str, str, Sequence[Tuple[str, str]], Optional[str]]],
) -> str:
    """The entry the answering action says for the last of ``turns`` (see :func:`conversation`)."""
    dispatcher = CollectingDispatcher()
    await ActionAnswerGuidance(store).run(dispatcher, conversation(index, turns), domain)
    return str(dispatcher.messages[0]["entry_id"])


@pytest.mark.parametrize(
    ("question", "first", "correction", "onsets", "expected"),
    [
        # The question was about a hot bath: asked again for the new onset, not the 48-hour answer.
        ("is a hot bath ok? my back started this afternoon", "heat_ice.no_heat_first_48h",
         "sorry, it was 5 days ago", ["5 days ago"], "heat_ice.hot_bath"),
        # The time taken back and a later time about something else do not count.
        ("heat or ice? it went 4 days ago", "heat_ice.after_48h",
         "no hang on, a few hours ago, not 4 days. it's my knee that's been bad for a month",
         ["a few hours ago", "4 days", "for a month"], "heat_ice.no_heat_first_48h"),
    ],
)
async def test_a_correction_answers_the_question_asked_for_the_onset_it_means(
    store: GuidanceStore, index: GuidanceIndex, domain: Dict[str, Any],
    question: str, first: str, correction: str, onsets: Sequence[str], expected: str,
) -> None:
    said_onset = onsets[-1]
    slots = {"onset": said_onset, "last_entry": first, "said_entries": [first]}
    turns = [(question, "ask_guidance", [], first), (correction, "ask_guidance", [("onset", o) for o in onsets], None)]
    tracker = conversation(index, turns, slots)
    for entity, value in zip(tracker.latest_message["entities"], onsets):
        entity["start"] = correction.index(value)
    dispatcher = CollectingDispatcher()
    events = await ActionAnswerGuidance(store).run(dispatcher, tracker, domain)
    assert dispatcher.messages[0]["entry_id"] == expected
    assert next((e["value"] for e in events if e["name"] == "onset"), said_onset) == onsets[0]


@pytest.mark.parametrize(
    ("turns", "expected"),
    [
        # The answer was about TENS, which the vocabulary has no word for: "it" is that answer.
        ([("a friend lent me her tens machine", "ask_guidance", [], "treatments.tens"),
          ("is there any point using it on my back?", "ask_guidance", [], None)], "treatments.tens"),
        # A body area named now does not replace the equipment "it" points at.
        ([("i've got a massage gun", "ask_guidance", [("equipment", "massage gun")], "equipment.massager_where"),
          ("how hard should i press it into my lower back?", "ask_guidance", [("body_area", "lower back")], None)],
         "equipment.massager_how_hard"),
        # The most recent thing named, not an older one of another kind.
        ([("i have a foam roller", "ask_guidance", [("equipment", "foam roller")], "equipment.foam_roller_where"),
          ("does acupuncture work?", "ask_guidance", [], "treatments.acupuncture"),
          ("is it worth doing?", "ask_guidance", [], None)], "treatments.acupuncture"),
    ],
)
async def test_a_question_that_points_back_is_about_the_most_recent_subject(
    store: GuidanceStore, index: GuidanceIndex, domain: Dict[str, Any],
    turns: Sequence[Tuple[str, str, Sequence[Tuple[str, str]], Optional[str]]], expected: str,
) -> None:
    assert await answered(store, index, domain, turns) == expected


async def test_an_age_said_after_a_first_back_pain_makes_it_urgent(
    store: GuidanceStore, index: GuidanceIndex, domain: Dict[str, Any]
) -> None:
    replies = {}
    for age in (74, 40):
        first = "my dad's back has started aching and he's never had back trouble before"
        turns = [(first, "ask_guidance", [], "pain.ordinary_back_pain"),
                 (f"he is {age}. can he use a heat pad?", "ask_guidance", [], None)]
        tracker = conversation(index, turns, {"onset": "yesterday"})
        # What the red-flag detector added to the first message: a sign that needs an age.
        tracker.events[0]["parse_data"]["red_flag_if_age"] = ["age_onset"]
        dispatcher = CollectingDispatcher()
        await ActionAnswerGuidance(store).run(dispatcher, tracker, domain)
        (replies[age],) = dispatcher.messages
    assert replies[74]["red_flag_tier"] == "urgent" and "not a doctor" in replies[74]["text"]
    assert "red_flag_tier" not in replies[40] and replies[40]["text"].startswith("For your dad: ")


async def test_a_first_back_pain_said_earlier_escalates_once(
    store: GuidanceStore, index: GuidanceIndex, domain: Dict[str, Any]
) -> None:
    turns = [("my mum is 80", "chitchat", [], None),
             ("she's never had back pain before", "ask_guidance", [], None),
             ("can she use a heat pad?", "ask_guidance", [], None)]
    tracker = conversation(index, turns, {"onset": "yesterday"})
    tracker.events[1]["parse_data"]["red_flag_if_age"] = ["age_onset"]
    dispatcher = CollectingDispatcher()
    await ActionAnswerGuidance(store).run(dispatcher, tracker, domain)
    # The age was known when the sign was said, so that turn escalated; this one is answered.
    assert dispatcher.messages[0]["text"].startswith("For your mum: ")


@pytest.mark.parametrize(
    ("first", "correction", "escalates"),
    [
        # Corrected into the range: the first-ever back pain said at 25 is urgent at 15.
        ("my son is 25 and his back hurts for the first time", "sorry I mean he's 15, he's my youngest", True),
        # Corrected out of it: the escalation said at 58 no longer holds at 38.
        ("my mum is 58 and has just had her first ever bad back", "sorry, typo, she's 38 not 58", False),
    ],
)
async def test_a_corrected_age_goes_through_the_age_check_again(
    store: GuidanceStore, index: GuidanceIndex, domain: Dict[str, Any], first: str, correction: str, escalates: bool
) -> None:
    turns = [(first, "ask_guidance", [], None), (correction, "ask_guidance", [], None),
             ("what exercise would be good?", "ask_guidance", [], None)]
    tracker = conversation(index, turns)
    tracker.events[0]["parse_data"]["red_flag_if_age"] = ["age_onset"]
    if not escalates:
        # The first turn escalated at 58, as the bot does.
        tracker.events.insert(1, {"event": "bot", "text": "...",
                                  "metadata": {"red_flag_tier": "urgent", "red_flag_signs": ["age_onset"]}})
    # The correction turn: the escalation (into range) or the answer the bot gave.
    escalation = {"red_flag_tier": "urgent", "red_flag_signs": ["age_onset"]}
    said = escalation if escalates else {"entry_id": "exercise.what_exercise"}
    tracker.events.insert(-1, {"event": "bot", "text": "...", "metadata": said})
    dispatcher = CollectingDispatcher()
    await ActionAnswerGuidance(store).run(dispatcher, tracker, domain)
    assert ("red_flag_tier" in dispatcher.messages[0]) is escalates


async def test_a_recall_of_a_question_never_answered_answers_it(
    store: GuidanceStore, index: GuidanceIndex, domain: Dict[str, Any]
) -> None:
    # The first turn escalated instead of answering; what it asked was never said.
    slots = {"said_entries": ["sciatica.self_care", "doctor.when_gp_non_urgent"]}
    text = "the first thing i asked was how long sciatica lasts, what was the answer?"
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(text, "ask_guidance", slots=slots, index=index)
    await ActionAnswerGuidance(store).run(dispatcher, tracker, domain)
    assert dispatcher.messages[0]["entry_id"] == "sciatica.how_long"


@pytest.mark.parametrize(
    ("history", "expected"),
    [
        (["my daughter is pregnant and her back aches"], "pregnancy.medicine"),
        # Back to the person typing: their own answer.
        (["my daughter is pregnant and her back aches", "what about me, i've hurt mine too"],
         "doctor.medicine_questions"),
    ],
)
async def test_a_pregnancy_said_earlier_picks_the_pregnancy_advice_for_that_person(
    store: GuidanceStore, index: GuidanceIndex, domain: Dict[str, Any], history: List[str], expected: str
) -> None:
    text = "which painkillers are safe to take?"
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(text, "ask_guidance", index=index, history=history)
    await ActionAnswerGuidance(store).run(dispatcher, tracker, domain)
    assert dispatcher.messages[0]["entry_id"] == expected


async def test_it_after_an_answer_on_pregnancy_is_the_pain_not_that_answer(
    store: GuidanceStore, index: GuidanceIndex, domain: Dict[str, Any]
) -> None:
    turns = [("my partner is pregnant and her back hurts", "ask_guidance", [], "pregnancy.what_helps"),
             ("what medicine can she have for it?", "ask_guidance", [], None)]
    assert await answered(store, index, domain, turns) == "pregnancy.medicine"


async def test_a_new_question_that_sounds_like_a_correction_is_answered(
    store: GuidanceStore, index: GuidanceIndex, domain: Dict[str, Any]
) -> None:
    text = "actually, where should i put a foam roller? it started 3 days ago"
    slots = {"onset": "3 days ago", "last_entry": "heat_ice.after_48h", "said_entries": ["heat_ice.after_48h"]}
    turns = [("heat or ice? it went yesterday", "ask_guidance", [], "heat_ice.no_heat_first_48h"),
             (text, "ask_guidance", [("equipment", "foam roller"), ("onset", "3 days ago")], None)]
    dispatcher = CollectingDispatcher()
    await ActionAnswerGuidance(store).run(dispatcher, conversation(index, turns, slots), domain)
    assert dispatcher.messages[0]["entry_id"].startswith("equipment.foam_roller"), dispatcher.messages[0]["entry_id"]


def after_escalation(index: GuidanceIndex, follow_up: str, tier: Optional[str]) -> Any:
    """A conversation whose first message the bot escalated at ``tier`` (None: answered instead)."""
    first = "i can't feel anything when i wipe and my legs are weak"
    tracker = conversation(index, [(first, "red_flag_emergency", [], None), (follow_up, "ask_guidance", [], None)])
    escalated = {"red_flag_tier": tier, "red_flag_signs": ["saddle_numbness"]}
    metadata = escalated if tier else {"entry_id": "pain.ordinary_back_pain"}
    tracker.events.insert(1, {"event": "bot", "text": "...", "metadata": metadata})
    return tracker


async def test_a_vague_question_right_after_an_escalation_gets_it_again(
    store: GuidanceStore, index: GuidanceIndex, domain: Dict[str, Any]
) -> None:
    dispatcher = CollectingDispatcher()
    await ActionAnswerGuidance(store).run(dispatcher, after_escalation(index, "what do i do", "emergency"), domain)
    [reply] = dispatcher.messages
    assert reply["red_flag_tier"] == "emergency" and reply["red_flag_signs"] == ["saddle_numbness"]
    assert "not a doctor" in reply["text"]


@pytest.mark.parametrize(
    ("follow_up", "tier", "escalates"),
    [
        # A clear question after an escalation is answered: the person has heard the advice.
        ("can i use a foam roller on my lower back?", "emergency", False),
        # Without an escalation before, a vague question asks what is meant, as ever.
        ("what do i do", None, False),
    ],
)
async def test_only_a_vague_question_after_an_escalation_repeats_it(
    store: GuidanceStore, index: GuidanceIndex, domain: Dict[str, Any],
    follow_up: str, tier: Optional[str], escalates: bool,
) -> None:
    dispatcher = CollectingDispatcher()
    await ActionAnswerGuidance(store).run(dispatcher, after_escalation(index, follow_up, tier), domain)
    assert any("red_flag_tier" in m for m in dispatcher.messages) is escalates


async def test_someone_only_mentioned_is_who_she_is_next(
    store: GuidanceStore, index: GuidanceIndex, domain: Dict[str, Any]
) -> None:
    turns = [("my girlfriend sits at a desk all day", "ask_guidance", [], "posture.sitting_breaks"),
             ("should she get a standing desk?", "ask_guidance", [], None)]
    dispatcher = CollectingDispatcher()
    await ActionAnswerGuidance(store).run(dispatcher, conversation(index, turns), domain)
    assert dispatcher.messages[0]["text"].startswith("For your girlfriend: ")
    assert dispatcher.messages[0]["entry_id"] == "posture.standing_desk"


async def test_a_child_named_by_age_alone_goes_through_the_age_check(
    store: GuidanceStore, index: GuidanceIndex, domain: Dict[str, Any]
) -> None:
    turns = [("my 13 yr old plays rugby", "out_of_scope", [], None),
             ("he came home saying his back hurts, first time ever", "ask_guidance", [], None)]
    tracker = conversation(index, turns)
    # What the red-flag detector adds when the age-bound sign is heard without an age.
    tracker.latest_message["red_flag_if_age"] = ["age_onset"]
    tracker.events[-1]["parse_data"]["red_flag_if_age"] = ["age_onset"]
    dispatcher = CollectingDispatcher()
    await ActionAnswerGuidance(store).run(dispatcher, tracker, domain)
    [reply] = dispatcher.messages
    assert reply["red_flag_tier"] == "urgent" and "doctor today" in reply["text"]


async def test_lifting_a_child_is_advice_for_the_person_typing(
    store: GuidanceStore, index: GuidanceIndex, domain: Dict[str, Any]
) -> None:
    replies = []
    for follow_up in ("how do i pick him up without my back going?", "any tips for lifting him?"):
        turns = [("my son is 2 and wants carrying everywhere", "ask_guidance", [], "lifting.children"),
                 (follow_up, "ask_guidance", [], None)]
        dispatcher = CollectingDispatcher()
        await ActionAnswerGuidance(store).run(dispatcher, conversation(index, turns), domain)
        replies.append(dispatcher.messages[0])
    assert [r["entry_id"] for r in replies] == ["lifting.children", "lifting.children"]
    assert not any(r["text"].startswith("For your son") for r in replies)
    assert all(r["text"].startswith("This is the general safe-lifting advice, applied to") for r in replies)


async def test_a_grown_up_son_who_lifts_at_work_gets_the_lifting_advice_for_him(
    store: GuidanceStore, index: GuidanceIndex, domain: Dict[str, Any]
) -> None:
    turns = [("my son's 24 and works in a warehouse", "ask_guidance", [], None),
             ("he tweaked his back lifting crates, how should he be lifting?", "ask_guidance", [], None)]
    dispatcher = CollectingDispatcher()
    await ActionAnswerGuidance(store).run(dispatcher, conversation(index, turns), domain)
    assert dispatcher.messages[0]["text"].startswith("For your son: ")
    assert dispatcher.messages[0]["entry_id"] == "lifting.technique"


async def test_a_correction_to_a_day_counts_from_the_day_said_to_be_today(
    store: GuidanceStore, index: GuidanceIndex, domain: Dict[str, Any]
) -> None:
    first = "heat_ice.no_heat_first_48h"
    question = "back twinged picking up the laundry basket last night, warm or cold compress?"
    correction = "no hang about, it was monday not last night. today's friday"
    turns = [(question, "ask_guidance", [("onset", "last night")], first),
             (correction, "ask_guidance", [("onset", "last night"), ("onset", "today")], None)]
    tracker = conversation(index, turns, {"onset": "today", "last_entry": first, "said_entries": [first]})
    for entity in tracker.latest_message["entities"]:
        entity["start"] = correction.index(entity["value"])
    dispatcher = CollectingDispatcher()
    events = await ActionAnswerGuidance(store).run(dispatcher, tracker, domain)
    assert dispatcher.messages[0]["entry_id"] == "heat_ice.after_48h"
    assert "4 days" in dispatcher.messages[0]["text"]
    assert SlotSet("onset", "4 days ago") in events


async def test_asking_to_go_over_an_earlier_answer_again_says_it(
    store: GuidanceStore, index: GuidanceIndex, domain: Dict[str, Any]
) -> None:
    slots = {"said_entries": ["treatments.belts_corsets", "treatments.orthotics_shoes", "treatments.traction"]}
    tracker = make_tracker("sorry can you go over the brace thing again", "ask_guidance", slots=slots, index=index)
    dispatcher = CollectingDispatcher()
    await ActionAnswerGuidance(store).run(dispatcher, tracker, domain)
    assert dispatcher.messages[0]["entry_id"] == "treatments.belts_corsets"
    assert "brace" in dispatcher.messages[0]["text"]


async def test_a_message_that_only_says_who_it_is_for_asks_what_they_want_to_know(
    store: GuidanceStore, index: GuidanceIndex, domain: Dict[str, Any]
) -> None:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker("asking on behalf of my grandma, she's 79", "ask_guidance", index=index)
    await ActionAnswerGuidance(store).run(dispatcher, tracker, domain)
    [reply] = dispatcher.messages
    assert reply["text"] == "OK, advice for your grandma. What would you like to know?"
    assert "entry_id" not in reply


@pytest.mark.parametrize(
    ("turns", "expected"),
    [
        # "It" is the treatment just answered, though the vocabulary has no word for it.
        ([("what do you think of chiropractors and osteopaths?", "ask_guidance", [], "treatments.manual_therapy"),
          ("is it safe though?", "ask_guidance", [], None)], "treatments.manual_therapy"),
        ([("im thinking of trying a tens unit", "ask_guidance", [], "treatments.tens"),
          ("does it actually do anything?", "ask_guidance", [], None)], "treatments.tens"),
        # A clear question on something else after it is still answered for what it asks.
        ([("does acupuncture work?", "ask_guidance", [], "treatments.acupuncture"),
          ("ok, is it fine to put an ice pack on my back?", "ask_guidance", [("therapy", "ice pack")], None)],
         "heat_ice.ice_pack_any_time"),
    ],
)
async def test_it_after_an_answer_about_an_unnamed_treatment_is_that_treatment(
    store: GuidanceStore, index: GuidanceIndex, domain: Dict[str, Any],
    turns: Sequence[Tuple[str, str, Sequence[Tuple[str, str]], Optional[str]]], expected: str,
) -> None:
    assert await answered(store, index, domain, turns) == expected


async def test_the_second_answer_asked_for_by_its_place_is_said_again(
    store: GuidanceStore, index: GuidanceIndex, domain: Dict[str, Any]
) -> None:
    slots = {"said_entries": ["massage.only_with_exercise", "massage.wait_after_injury",
                              "recovery.shower_and_bed_after_massage"]}
    tracker = make_tracker("ok and the second one again? the how soon one", "ask_guidance", slots=slots, index=index)
    dispatcher = CollectingDispatcher()
    await ActionAnswerGuidance(store).run(dispatcher, tracker, domain)
    assert dispatcher.messages[0]["entry_id"] == "massage.wait_after_injury"
    assert "2 to 3 days" in dispatcher.messages[0]["text"]


async def test_a_clear_question_about_the_same_thing_is_not_the_last_answer_again(
    store: GuidanceStore, index: GuidanceIndex, domain: Dict[str, Any]
) -> None:
    turns = [("does massage on its own fix back pain?", "ask_guidance", [], "massage.only_with_exercise"),
             ("how soon after hurting my back can i massage it?", "ask_guidance", [], None)]
    assert await answered(store, index, domain, turns) == "massage.wait_after_injury"


@pytest.mark.parametrize(("age", "for_a_child"), [(12, True), (40, False)])
async def test_medicine_advice_for_a_child_sends_them_to_a_pharmacist_or_gp(
    store: GuidanceStore, index: GuidanceIndex, domain: Dict[str, Any], age: int, for_a_child: bool
) -> None:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker("what can he take for it?", "ask_medicine", index=index,
                           history=[f"my son is {age} and his back hurts after football"])
    await ActionAnswerMedicine(store).run(dispatcher, tracker, domain)
    assert said(dispatcher).startswith("for your son: ")
    assert ("as this is for a child, please ask a pharmacist or gp" in said(dispatcher)) is for_a_child


@pytest.mark.parametrize(
    ("text", "points"),
    [("never mind that, how should i sit at my desk?", False), ("forget it, how do i lift a box safely?", False),
     ("how long should i use it for?", True)],
)
def test_never_mind_that_dismisses_rather_than_points_back(text: str, points: bool) -> None:
    assert ActionAnswerGuidance.refers_back(make_tracker(text)) is points


@pytest.mark.parametrize(
    ("turns", "expected"),
    [
        # The topper the person named, not the pillow the sleeping answer mentioned in between.
        ([("we're thinking of getting a mattress topper", "ask_guidance", [("equipment", "mattress topper")],
           "equipment.memory_foam_topper"),
          ("how should I lie on my back at night?", "ask_guidance", [], "sleep.back_position"),
          ("is it worth the money then?", "ask_guidance", [], None)], "equipment.memory_foam_topper"),
    ],
)
async def test_it_is_the_thing_the_person_named_not_a_prop_another_answer_mentioned(
    store: GuidanceStore, index: GuidanceIndex, domain: Dict[str, Any],
    turns: Sequence[Tuple[str, str, Sequence[Tuple[str, str]], Optional[str]]], expected: str,
) -> None:
    assert await answered(store, index, domain, turns) == expected


async def test_a_prop_an_answer_mentioned_is_it_when_the_person_named_nothing(
    store: GuidanceStore, index: GuidanceIndex, domain: Dict[str, Any]
) -> None:
    turns = [("how do I sit properly in my office chair?", "ask_guidance", [], "posture.sitting"),
             ("where exactly does it go?", "ask_guidance", [], None)]
    dispatcher = CollectingDispatcher()
    await ActionAnswerGuidance(store).run(dispatcher, conversation(index, turns), domain)
    entry = store.get(dispatcher.messages[0]["entry_id"])
    assert entry is not None and "towel_or_pillow" in entry.applies_to.equipment


@pytest.mark.parametrize("follow_up", ["is he right though?", "so is that true?", "are they wrong?"])
async def test_asking_whether_someone_is_right_says_the_last_answer_for_them(
    store: GuidanceStore, index: GuidanceIndex, domain: Dict[str, Any], follow_up: str
) -> None:
    turns = [("my flatmate pulled his back moving a wardrobe", "ask_guidance", [], "lifting.too_heavy"),
             ("he reckons lying flat for a week will sort it", "ask_guidance", [], "sleep.bed_rest"),
             (follow_up, "ask_guidance", [], None)]
    slots = {"last_entry": "sleep.bed_rest", "said_entries": ["lifting.too_heavy", "sleep.bed_rest"]}
    dispatcher = CollectingDispatcher()
    await ActionAnswerGuidance(store).run(dispatcher, conversation(index, turns, slots), domain)
    [message] = dispatcher.messages
    assert message["entry_id"] == "sleep.bed_rest"
    assert message["text"].startswith("For your flatmate:")


async def test_a_corrected_onset_after_a_question_on_something_else_re_answers_the_heat_question(
    store: GuidanceStore, index: GuidanceIndex, domain: Dict[str, Any]
) -> None:
    turns = [("is a hot water bottle ok? I did my back in this morning", "ask_guidance",
              [("therapy", "hot water bottle"), ("onset", "this morning")], "heat_ice.no_heat_first_48h"),
             ("any gentle stretches?", "ask_guidance", [], "exercise.gentle_stretches"),
             ("sorry, I got that wrong, it was 5 days ago", "ask_guidance", [("onset", "5 days ago")], None)]
    slots = {"onset": "5 days ago", "last_entry": "exercise.gentle_stretches",
             "said_entries": ["heat_ice.no_heat_first_48h", "exercise.gentle_stretches"]}
    dispatcher = CollectingDispatcher()
    events = await ActionAnswerGuidance(store).run(dispatcher, conversation(index, turns, slots), domain)
    entry = store.get(dispatcher.messages[0]["entry_id"])
    assert entry is not None and entry.topic.value == "heat_ice" and entry.fits(5 * 24)
    assert SlotSet("last_entry", entry.id) in events


async def test_a_bare_onset_after_a_question_on_something_else_is_noted_not_re_answered(
    store: GuidanceStore, index: GuidanceIndex, domain: Dict[str, Any]
) -> None:
    turns = [("is a hot water bottle ok? I did my back in this morning", "ask_guidance",
              [("therapy", "hot water bottle"), ("onset", "this morning")], "heat_ice.no_heat_first_48h"),
             ("any gentle stretches?", "ask_guidance", [], "exercise.gentle_stretches"),
             ("5 days ago", "inform_onset", [("onset", "5 days ago")], None)]
    slots = {"onset": "5 days ago", "last_entry": "exercise.gentle_stretches",
             "said_entries": ["heat_ice.no_heat_first_48h", "exercise.gentle_stretches"]}
    dispatcher = CollectingDispatcher()
    await ActionAnswerGuidance(store).run(dispatcher, conversation(index, turns, slots), domain)
    assert not any(m.get("entry_id") for m in dispatcher.messages)


@pytest.mark.parametrize(
    ("after", "escalates"),
    [
        ("can he go swimming?", True),
        # Seen by a doctor since: the question is answered.
        ("the gp has checked him over now. can he go swimming?", False),
    ],
)
async def test_a_past_cancer_stays_true_of_the_person_it_was_said_of(
    store: GuidanceStore, index: GuidanceIndex, domain: Dict[str, Any], after: str, escalates: bool
) -> None:
    turns = [("my uncle had prostate cancer a while back and now his back hurts", "red_flag_urgent", [], None),
             (after, "ask_guidance", [], None)]
    tracker = conversation(index, turns)
    tracker.events.insert(1, {"event": "bot", "text": "...",
                              "metadata": {"red_flag_tier": "urgent", "red_flag_signs": ["cancer_history"]}})
    dispatcher = CollectingDispatcher()
    await ActionAnswerGuidance(store).run(dispatcher, tracker, domain)
    [reply] = dispatcher.messages
    assert ("red_flag_tier" in reply) is escalates
    assert reply.get("red_flag_signs") == (["cancer_history"] if escalates else None)


async def test_what_is_handled_is_the_equipment_named_before_another_topic(
    store: GuidanceStore, index: GuidanceIndex, domain: Dict[str, Any]
) -> None:
    turns = [("picked up a foam roller in the sale", "ask_guidance", [("equipment", "foam roller")],
              "equipment.foam_roller_mid_back"),
             ("are stretches good for a stiff back?", "ask_guidance", [], "exercise.gentle_stretches"),
             ("ok", "affirm", [], None),
             ("can i use it at the bottom of my spine?", "ask_guidance", [], None)]
    assert await answered(store, index, domain, turns) == "equipment.foam_roller_where"


async def test_an_it_that_stands_for_nothing_does_not_point_back(
    store: GuidanceStore, index: GuidanceIndex, domain: Dict[str, Any]
) -> None:
    turns = [("is an acupressure mat any good", "ask_guidance", [("equipment", "acupressure mat")],
              "equipment.acupressure_mat_how_long"),
             ("is it normal that my back feels fine one day and awful the next?", "ask_guidance", [], None)]
    assert (await answered(store, index, domain, turns)).startswith("outlook.")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # A pain told, nothing asked: the advice on everyday back pain, not a chance best entry.
        ("my back has been killing me since yesterday", "pain.ordinary_back_pain"),
        # A question, or a statement about something an entry is about, gets that entry.
        ("my back has been killing me since yesterday, is a hot bath ok?", "heat_ice.no_heat_first_48h"),
        ("my back aches after sitting at my desk all day", None),
        # Asked what to do, with nothing more said.
        ("ok so what should he do now?", "pain.ordinary_back_pain"),
    ],
)
async def test_a_pain_told_without_a_question_gets_the_everyday_advice(
    store: GuidanceStore, index: GuidanceIndex, domain: Dict[str, Any], text: str, expected: Optional[str]
) -> None:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(text, "ask_guidance", [("onset", "yesterday")], slots={"onset": "yesterday"}, index=index)
    await ActionAnswerGuidance(store).run(dispatcher, tracker, domain)
    [reply] = dispatcher.messages
    if expected is None:
        assert reply["entry_id"] != "pain.ordinary_back_pain"
    else:
        assert reply["entry_id"] == expected


@pytest.mark.parametrize(
    ("last", "expected"),
    [
        # "It's" points back as "it" does.
        ("would it be worth a go?", "treatments.tens"),
        ("honestly, do you reckon it's worth a go?", "treatments.tens"),
        # "Once it's better" is the pain: a clear question on a new topic is not dragged back.
        ("how do i stop my back going again once it's better?", "outlook.prevention"),
    ],
)
async def test_its_points_back_unless_it_is_the_pain(
    store: GuidanceStore, index: GuidanceIndex, domain: Dict[str, Any], last: str, expected: str
) -> None:
    turns = [("my physio mentioned a tens machine", "ask_guidance", [], "treatments.tens"),
             ("is back pain usually gone in a month?", "ask_guidance", [], "outlook.how_long"),
             (last, "ask_guidance", [], None)]
    assert await answered(store, index, domain, turns) == expected


async def test_it_that_hurts_is_the_pain_not_the_thing_named_before(
    store: GuidanceStore, index: GuidanceIndex, domain: Dict[str, Any]
) -> None:
    turns = [("is a memory foam topper worth getting?", "ask_guidance", [("equipment", "memory foam topper")],
              "equipment.memory_foam_topper"),
             ("how do i get out of bed in the morning without it twinging?", "ask_guidance", [], None)]
    assert await answered(store, index, domain, turns) == "sleep.getting_out_of_bed"
