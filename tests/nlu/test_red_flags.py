"""The red-flag table through the real trained pipeline, and the Rasa component on its own.

The pipeline tests load the newest model in models/ (``make train`` builds it) with
``Agent.load`` and parse every table row, so they measure what users get: the detector after
the classifiers, with the Doc that SpacyNLP made. The component tests run both layers (rules and
semantic) on Docs from a blank English pipeline, without a trained model.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional

import pytest
import spacy
from rasa.nlu.constants import SPACY_DOCS
from rasa.nlu.utils.spacy_utils import SpacyModel
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from backcare.encoder import get_encoder
from backcare.ranking import RANKING, Scored
from backcare.red_flag_data import IF_AGE
from nlu.red_flags import RedFlagDetector
from nlu.triage import Finding
from tests.nlu.conftest import Parse, Row, figures, read_table, record

ROWS = read_table()
@pytest.fixture(scope="session")
def parsed(parse: Parse) -> Dict[str, Dict[str, Any]]:
    """Every table row parsed by the trained model, by text."""
    return parse([row.text for row in ROWS])


def tier_of(parse: Dict[str, Any]) -> str:
    """'emergency', 'urgent', 'soon' or 'none' from a parse result's intent."""
    name = (parse.get("intent") or {}).get("name") or ""
    return name.removeprefix("red_flag_") if name.startswith("red_flag_") else "none"


CRITICAL = [r for r in ROWS if r.tier in ("emergency", "urgent")]


@pytest.mark.parametrize("row", CRITICAL, ids=[r.text[:60] for r in CRITICAL])
def test_emergency_and_urgent_rows_escalate(parsed: Dict[str, Dict[str, Any]], row: Row) -> None:
    parse = parsed[row.text]
    assert tier_of(parse) == row.tier
    assert parse["intent"]["confidence"] == 1.0
    assert parse["intent_ranking"][0]["name"] == f"red_flag_{row.tier}"
    signs = [e for e in parse["entities"] if e["entity"] == "red_flag_sign"]
    assert row.sign in [e["value"] for e in signs]
    assert all(e["extractor"] == "RedFlagDetector" and e["confidence_entity"] == 1.0 for e in signs)


def test_pipeline_figures(parsed: Dict[str, Dict[str, Any]], request: pytest.FixtureRequest) -> None:
    predicted = [tier_of(parsed[row.text]) for row in ROWS]
    values = figures(ROWS, predicted)
    record(request.config, "trained pipeline (models/backcare.tar.gz)", values)
    assert values["recall_emergency"] == 1.0
    assert values["recall_urgent"] == 1.0
    assert values["precision"] >= 0.95



# ---------------------------------------------------------------------------------- component


@pytest.fixture(scope="module")
def spacy_model() -> SpacyModel:
    nlp = spacy.blank("en")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()
    return SpacyModel(model=nlp, model_name="blank_en")


def message(text: str, model: SpacyModel, with_doc: bool = True) -> Message:
    """A message as the classifiers leave it: DIET's intent, a fallback ranking and an onset entity."""
    msg = Message(data={TEXT: text})
    msg.set(INTENT, {"name": "ask_guidance", "confidence": 0.9})
    msg.set(INTENT_RANKING_KEY, [{"name": "ask_guidance", "confidence": 0.9}, {"name": "greet", "confidence": 0.1}])
    msg.set(ENTITIES, [{"entity": "onset", "value": "yesterday", "start": 0, "end": 9}])
    if with_doc:
        msg.set(SPACY_DOCS[TEXT], model.model(text.lower()))
    return msg


@pytest.mark.parametrize("with_doc", [True, False])
def test_component_marks_a_red_flag(spacy_model: SpacyModel, with_doc: bool) -> None:
    text = "yesterday I fell off a ladder and now I can't feel my legs"
    (msg,) = RedFlagDetector.create({}, None, None, None).process(  # type: ignore[arg-type]
        [message(text, spacy_model, with_doc)], spacy_model
    )
    assert msg.get(INTENT) == {"name": "red_flag_emergency", "confidence": 1.0}
    assert [r["name"] for r in msg.get(INTENT_RANKING_KEY)] == ["red_flag_emergency", "ask_guidance", "greet"]
    entities: List[Dict[str, Any]] = msg.get(ENTITIES)
    assert entities[0]["entity"] == "onset"
    flags = [(e["value"], text[e["start"]:e["end"]]) for e in entities[1:]]
    assert flags == [("major_trauma", "fell off a ladder"), ("bilateral_leg_symptoms", "can't feel my legs")]
    assert all(e["extractor"] == "RedFlagDetector" for e in entities[1:])


@pytest.fixture(scope="module")
def detector() -> RedFlagDetector:
    return RedFlagDetector({})


@pytest.fixture(scope="module")
def findings(detector: RedFlagDetector, spacy_model: SpacyModel) -> Dict[str, Optional[Finding]]:
    """What the detector (both layers) finds in each table row, by text, each row checked once.

    The clauses of every row are encoded up front in batches of like length: the model gives a
    text the same vector whatever shares its batch, so no verdict changes, and the rows do not
    each wait for an encoder run of their own.
    """
    docs = {row.text: spacy_model.model(row.text.lower()) for row in ROWS}
    semantic, triage = detector._semantic, detector._triage
    texts = {t for doc in docs.values() for _, t in semantic.clause_texts(triage.read(doc))}
    get_encoder().encode(sorted(texts, key=len))
    return {text: detector.detect(doc) for text, doc in docs.items()}


@pytest.mark.parametrize("row", ROWS, ids=[r.text[:60] for r in ROWS])
def test_table_row_through_both_layers(findings: Dict[str, Optional[Finding]], row: Row) -> None:
    finding = findings[row.text]
    if not row.is_red_flag:
        assert finding is None, f"escalated a near-miss: {finding}"
        return
    assert finding is not None, "missed a red flag"
    assert finding.tier.value == row.tier
    assert row.sign in finding.signs


def test_detector_figures_on_the_table(findings: Dict[str, Optional[Finding]], request: pytest.FixtureRequest) -> None:
    predicted = [f.tier.value if (f := findings[row.text]) else None for row in ROWS]
    values = figures(ROWS, predicted)
    record(request.config, "detector, rules + semantic (nlu/red_flags.py)", values)
    assert values["recall_emergency"] == values["recall_urgent"] == values["recall_soon"] == 1.0
    assert values["calm"] == 1.0


def test_component_marks_a_sign_only_the_semantic_layer_hears(
    detector: RedFlagDetector, spacy_model: SpacyModel
) -> None:
    text = "thanks for the tips! we crashed on the motorway at 70mph on friday"
    (msg,) = detector.process([message(text, spacy_model)], spacy_model)
    assert msg.get(INTENT) == {"name": "red_flag_emergency", "confidence": 1.0}
    (flag,) = msg.get(ENTITIES)[1:]
    assert flag["value"] == "major_trauma" and flag["extractor"] == "RedFlagDetector"
    assert text[flag["start"]:flag["end"]] == "we crashed on the motorway at 70mph on friday"


@pytest.mark.parametrize(
    "text",
    [
        # Close to a sign in meaning, harmless in fact: neither layer escalates.
        "the bike skidded a bit on the wet road but I stayed on, can I keep cycling?",
        "the pain stops and starts all day, what helps?",
        "my dad's back is bad from standing at the counter all day, should he get a standing desk?",
        "the toddler did a huge poo all over me at bath time and I hurt my back, how do I lift him?",
        # Cues both layers share: a hypothetical, pain tied to moving, a short start, someone else's
        # sign with one's own denied, a numb seat that goes once out of the car.
        "what do I do if something is too heavy?",
        "every time I move it hurts",
        "lying down is the only time it doesn't hurt",
        "it only hurts when I move, resting is fine, is that normal?",
        "cant sleep cos of my back",
        "my mum had cancer years back but I've never had anything like that",
        "the back started playing up a week ago btw",
        "if my legs went numb would I need A&E? just asking",
        "what would happen if I lost control of my bladder, would that be an emergency?",
        "my numb bum from the long drive went away once I got out of the car, how often should I stop?",
        "my leg gave way because I missed a step, didn't fall, back sore now",
    ],
)
def test_near_misses_in_meaning_stay_calm(detector: RedFlagDetector, spacy_model: SpacyModel, text: str) -> None:
    assert detector.detect(spacy_model.model(text.lower())) is None


@pytest.mark.parametrize(
    ("text", "sign"),
    [
        # A sign said in the present, even inside an "if" question, still escalates.
        ("would it be serious if I can't feel my bum when I wipe?", "saddle_numbness"),
        ("ive been having little accidents with my bladder since thursday", "urinary_incontinence"),
        ("knees keep folding when I walk, like the legs switch off", "legs_giving_way"),
        ("slipped on the ice and landed hard on my tailbone from the top of the steps", "major_trauma"),
    ],
)
def test_emergency_signs_in_new_shapes_escalate(
    detector: RedFlagDetector, spacy_model: SpacyModel, text: str, sign: str
) -> None:
    finding = detector.detect(spacy_model.model(text.lower()))
    assert finding is not None and finding.tier.intent == "red_flag_emergency" and sign in finding.signs


def test_component_leaves_other_messages_alone(spacy_model: SpacyModel) -> None:
    before = message("can i use heat on my back", spacy_model)
    expected = {k: v for k, v in before.data.items() if k != SPACY_DOCS[TEXT]}
    (after,) = RedFlagDetector({}).process([before], spacy_model)
    assert {k: v for k, v in after.data.items() if k != SPACY_DOCS[TEXT]} == expected


def test_an_age_bound_sign_without_an_age_is_left_for_the_conversation(
    detector: RedFlagDetector, spacy_model: SpacyModel
) -> None:
    thanks = message("thanks, she's never had back trouble till now", spacy_model)
    thanks.set(INTENT, {"name": "thanks", "confidence": 0.9})
    ageless, aged, routed = detector.process(
        [
            message("he's never had back pain before, can he use a heat pad?", spacy_model),
            message("he's 72 and has never had back pain before, can he use a heat pad?", spacy_model),
            thanks,
        ],
        spacy_model,
    )
    assert ageless.get(INTENT)["name"] == "ask_guidance" and ageless.get(IF_AGE) == ["age_onset"]
    assert aged.get(INTENT)["name"] == "red_flag_urgent" and aged.get(IF_AGE) is None
    # Whatever the classifiers said, an action that knows the age said earlier must see it.
    assert routed.get(INTENT)["name"] == "ask_guidance" and routed.get(IF_AGE) == ["age_onset"]


class RecordingIndex:
    """A stand-in guidance index that records what it was asked to rank."""

    def __init__(self) -> None:
        self.asked: List[str] = []

    def rank(self, text: str, limit: int = 10) -> List[Scored]:
        self.asked.append(text)
        return [Scored("doctor.what_to_expect", 0.9, 0.9, 0.0)]


@pytest.mark.parametrize(
    ("text", "ranked"),
    [
        # A figure of speech, a denial and someone else's sign are set aside; the question is ranked.
        ("I almost wet myself giggling at the film. anyway, what does a physio do at the first visit?",
         "what does a physio do at the first visit?"),
        ("no numbness in my groin at all. which stretches help a stiff back?", "which stretches help a stiff back?"),
        # Nothing left but a word: the ranking of the whole message stands.
        ("thanks! no numbness", None),
        # No sign mentioned: nothing to set aside.
        ("which stretches help a stiff back?", None),
    ],
)
def test_a_calm_message_is_ranked_without_its_sign_clauses(
    spacy_model: SpacyModel, text: str, ranked: Optional[str]
) -> None:
    index = RecordingIndex()
    detector = RedFlagDetector({}, index=lambda: index)  # type: ignore[arg-type, return-value]
    before = message(text, spacy_model)
    before.set(RANKING, [{"id": "doctor.self_referral", "score": 0.8, "dense": 0.8, "words": 0.0}])
    (after,) = detector.process([before], spacy_model)
    assert after.get(INTENT)["name"] == "ask_guidance"
    assert index.asked == ([ranked] if ranked else [])
    assert after.get(RANKING)[0]["id"] == ("doctor.what_to_expect" if ranked else "doctor.self_referral")


def test_an_escalated_message_is_not_ranked_again(spacy_model: SpacyModel) -> None:
    index = RecordingIndex()
    detector = RedFlagDetector({}, index=lambda: index)  # type: ignore[arg-type, return-value]
    before = message("I can't feel my bum. which stretches help?", spacy_model)
    before.set(RANKING, [{"id": "exercise.gentle_stretches", "score": 0.8, "dense": 0.8, "words": 0.0}])
    (after,) = detector.process([before], spacy_model)
    assert after.get(INTENT)["name"] == "red_flag_emergency" and index.asked == []


@pytest.mark.parametrize(
    ("text", "ranked"),
    [
        # The sign's clause is set aside: the question asked beside it is what gets answered.
        ("it's been 6 weeks and it's not getting any better. which pillow is best for sleeping on my side?",
         "which pillow is best for sleeping on my side?"),
        # Only the sign: nothing is left to answer.
        ("it's been 6 weeks and it's not getting any better", None),
        # The sign is the question itself: the whole message's ranking stands and is answered.
        ("how long does sciatica hang around for?", None),
        ("why do I keep getting sciatica", None),
    ],
)
def test_a_see_a_doctor_soon_message_is_ranked_on_what_else_it_asks(
    spacy_model: SpacyModel, text: str, ranked: Optional[str]
) -> None:
    index = RecordingIndex()
    detector = RedFlagDetector({}, index=lambda: index)  # type: ignore[arg-type, return-value]
    before = message(text, spacy_model)
    before.set(RANKING, [{"id": "recovery.how_long", "score": 0.8, "dense": 0.8, "words": 0.0}])
    (after,) = detector.process([before], spacy_model)
    assert after.get(INTENT)["name"] == "red_flag_soon"
    assert index.asked == ([ranked] if ranked else [])
    asks = text.startswith(("how", "why"))
    expected = ["doctor.what_to_expect"] if ranked else ["recovery.how_long"] if asks else []
    assert [r["id"] for r in after.get(RANKING)] == expected


@pytest.mark.parametrize(
    "text",
    [
        # Asked without a question mark: "would ... help", and an auxiliary after a comma.
        "would counselling help me live with chronic back pain",
        "back pain for six weeks and no better, is it time i saw a physio",
    ],
)
def test_a_soon_sign_asked_about_without_a_question_mark_keeps_its_ranking(
    spacy_model: SpacyModel, text: str
) -> None:
    index = RecordingIndex()
    detector = RedFlagDetector({}, index=lambda: index)  # type: ignore[arg-type, return-value]
    before = message(text, spacy_model)
    before.set(RANKING, [{"id": "recovery.how_long", "score": 0.8, "dense": 0.8, "words": 0.0}])
    (after,) = detector.process([before], spacy_model)
    assert after.get(INTENT)["name"] == "red_flag_soon"
    assert [r["id"] for r in after.get(RANKING)] == ["recovery.how_long"]
