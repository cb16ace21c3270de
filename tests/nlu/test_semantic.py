"""The semantic red-flag layer (nlu/semantic.py): meaning, near-misses, clauses and context rules.

The phrasings here are written for these tests: none is an exemplar or a row of the table.
"""

from __future__ import annotations

from typing import List, Optional, Sequence

import numpy as np
import pytest
from spacy.language import Language

from backcare.encoder import get_encoder
from backcare.red_flag_data import Tier
from nlu import clauses
from nlu.red_flags import RedFlagDetector
from nlu.semantic import NO_MATCH, SemanticMatcher, get_semantic, spans
from nlu.triage import Finding, Triage


@pytest.fixture(scope="module")
def semantic(triage: Triage) -> SemanticMatcher:
    return get_semantic(triage)


@pytest.fixture(scope="module")
def detector(triage: Triage, semantic: SemanticMatcher) -> RedFlagDetector:
    return RedFlagDetector({}, triage, semantic)


def semantic_signs(triage: Triage, semantic: SemanticMatcher, nlp: Language, text: str) -> List[str]:
    return sorted(h.sign for h in semantic.hits(triage.read(nlp(text.lower()))))


@pytest.mark.parametrize(
    ("text", "sign"),
    [
        ("haven't been able to empty my bladder since lunch", "urinary_retention"),
        ("numb where a bike seat would touch", "saddle_numbness"),
        ("we crashed on the motorway at 70mph", "major_trauma"),
        ("I got wiped out by a lorry", "major_trauma"),
        # The equipment near-misses do not hide a foot that drags on the floor.
        ("i keep tripping on the carpet, my foot won't lift", "foot_drop"),
    ],
)
def test_a_wording_the_rules_miss_is_caught_by_meaning(
    triage: Triage, semantic: SemanticMatcher, detector: RedFlagDetector, nlp: Language, text: str, sign: str
) -> None:
    assert triage.detect(nlp(text.lower())) is None, "the rules found it: not a test of the semantic layer"
    assert semantic_signs(triage, semantic, nlp, text) == [sign]
    finding = detector.detect(nlp(text.lower()))
    assert finding is not None and finding.tier is Tier.EMERGENCY and finding.signs == (sign,)


@pytest.mark.parametrize(
    "text",
    [
        "this job is killing me",
        "my leg went a bit tingly after sitting on the floor",
        "I don't have any bladder problems",
        "my bladder is fine thanks",
        "my bladder empties fine",
        "I haven't had trouble emptying my bladder",
        "I nearly wet myself laughing at the film",
        "I'm so scared I could pee myself",
        # How equipment feels on the floor is no foot that drags.
        "my spike mat is much too prickly on a hard floor, any tips",
        "the roller feels really hard when i use it on the kitchen floor",
    ],
)
def test_near_misses_stay_calm(detector: RedFlagDetector, nlp: Language, text: str) -> None:
    assert detector.detect(nlp(text.lower())) is None


@pytest.mark.parametrize(
    ("text", "signed"),
    [
        ("we crashed on the motorway at 70mph", ["major_trauma"]),
        # The same words negated: the rule layer's negation words cancel the hit.
        ("we didn't crash on the motorway", []),
        ("numb where a bike seat would touch", ["saddle_numbness"]),
        ("no numbness where a bike seat would touch", []),
        # Said to be long ago: the rule layer's distant-past rule cancels it.
        ("I crashed on the motorway years ago", []),
    ],
)
def test_negated_and_past_hits_are_cancelled(
    triage: Triage, semantic: SemanticMatcher, nlp: Language, text: str, signed: List[str]
) -> None:
    assert semantic_signs(triage, semantic, nlp, text) == signed


def test_a_denying_clause_is_only_compared_with_denying_exemplars(
    triage: Triage, semantic: SemanticMatcher, nlp: Language
) -> None:
    candidates = semantic.candidates(triage.read(nlp("no fever")))
    fever = next(c for c in candidates if c.sign.id == "fever")
    # No fever exemplar denies anything, so "no fever" cannot come close to "running a fever".
    assert fever.score == NO_MATCH


LONG = (
    "thanks for all the tips, the foam roller really helped and I'll try the stretches tomorrow, "
    "but since last night I haven't been able to empty my bladder"
)


def test_a_sign_in_a_late_clause_of_a_long_message_fires(
    triage: Triage, semantic: SemanticMatcher, detector: RedFlagDetector, nlp: Language
) -> None:
    doc = nlp(LONG.lower())
    reading = triage.read(doc)
    assert len(reading.clauses) == 4
    (hit,) = semantic.hits(reading)
    assert hit.sign == "urinary_retention"
    assert LONG[hit.start:hit.end] == "since last night I haven't been able to empty my bladder"
    finding: Optional[Finding] = detector.detect(doc)
    assert finding is not None and finding.tier is Tier.EMERGENCY


class CountingEncoder:
    """The shared encoder, counting the calls made to it."""

    dimensions = 384

    def __init__(self) -> None:
        self.calls: List[Sequence[str]] = []

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        self.calls.append(list(texts))
        return get_encoder().encode(texts)


def test_exemplars_are_encoded_once_and_a_message_in_one_call(triage: Triage, nlp: Language) -> None:
    encoder = CountingEncoder()
    matcher = SemanticMatcher(triage.data, triage, encoder)
    at_load = len(encoder.calls)
    assert sum(len(c) for c in encoder.calls) > 1000
    matcher.hits(triage.read(nlp(LONG.lower())))
    matcher.hits(triage.read(nlp("my legs are fine")))
    # Rasa's SpacyNLP parses the lowercased text, and so do these Docs.
    assert encoder.calls[at_load:] == [
        [
            "thanks for all the tips",
            "the foam roller really helped",
            "i'll try the stretches tomorrow",
            "since last night i haven't been able to empty my bladder",
            # Then the sentence whole, for a sign split between its clauses.
            LONG.lower(),
        ],
        ["my legs are fine"],
    ]


def test_in_a_clause_the_rules_read_it_only_adds_a_more_urgent_sign(
    triage: Triage, semantic: SemanticMatcher, nlp: Language
) -> None:
    reading = triage.read(nlp("my wee won't come out"))
    rule_hits = triage.rule_hits(reading)
    assert [h.sign for h in rule_hits] == ["urinary_retention"]
    # Alone the layer also hears retention there; next to the rule hit it adds nothing of the same tier.
    assert [h.sign for h in semantic.hits(reading)] == ["urinary_retention"]
    assert semantic.hits(reading, rule_hits) == []


def test_a_sentence_of_several_clauses_is_also_read_whole(triage: Triage, nlp: Language) -> None:
    # Split, neither half says "I can't pee"; the sentence does.
    reading = triage.read(nlp("i need to go but nothing comes. my back hurts"))
    assert [clauses.text(reading.source, c) for c in spans(reading.clauses)] == [
        "i need to go", "nothing comes.", "my back hurts", "i need to go but nothing comes.",
    ]
