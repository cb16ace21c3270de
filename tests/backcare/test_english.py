"""Typo distance and nearest word: optimal string alignment, capped at a limit."""

import pytest

from backcare.english import closest, edit_distance, is_question


@pytest.mark.parametrize(
    ("a", "b", "limit", "expected"),
    [
        ("back", "back", 2, 0),
        ("bakc", "back", 2, 1),  # a swap of neighbours is one edit
        ("bck", "back", 2, 1),
        ("sciatcia", "sciatica", 2, 1),
        ("ca", "abc", 5, 3),  # optimal string alignment, not Damerau-Levenshtein (2)
        ("numbness", "numb", 2, 3),  # above the limit: limit + 1
        ("", "abc", 1, 2),
        ("stiff", "stuff", 0, 1),
    ],
)
def test_edit_distance(a: str, b: str, limit: int, expected: int) -> None:
    assert edit_distance(a, b, limit) == expected


def test_closest_takes_the_first_of_equally_near_candidates_or_none() -> None:
    assert closest("mat", ["zzz", "hat", "cat"], 1) == "hat"
    assert closest("mat", {"cat": "feline", "hat": "cap"}, 1) == "cat"  # a mapping's keys
    assert closest("numbness", ["numb"], 2) is None


@pytest.mark.parametrize(
    ("text", "asks"),
    [
        ("how long does sciatica hang around for", True),
        ("is a heat pad ok?", True),
        ("can u tell me what it actually is in plain english", True),
        ("sciatica flaring again, anything i can do myself tonight", True),
        ("any tips for sleeping with it", True),
        ("sciatica wont go away how long does it normaly last", True),
        ("back still sore, is it ok to go swimming", True),
        # Typed without a mark, after context or opening with "would".
        ("sore for weeks now, is it time i saw someone", True),
        ("twinge down my thigh, is that a trapped nerve", True),
        ("would yoga help with a stiff back", True),
        ("lower back playing up, would a heat pad help", True),
        ("best ways to ease a sciatica flare", True),
        ("at what stage is a bad back worth a gp visit", True),
        ("did my back in gardening, is lifting pots ok or not", True),
        ("my back has been killing me since yesterday", False),
        ("my sciatica is bad, it's been weeks", False),
        ("the physio helped a lot last year", False),
        ("my sciatica has been going for 8 weeks", False),
        ("I can't feel anything in my left foot", False),
        ("pretty sore today", False),
        ("it started 3 days ago", False),
    ],
)
def test_is_question_hears_questions_typed_without_the_mark(text: str, asks: bool) -> None:
    assert is_question(text) is asks
