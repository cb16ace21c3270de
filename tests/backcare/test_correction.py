"""Which time a correction of the onset means (backcare/correction.py)."""

from typing import List, Optional, Tuple

import pytest

from backcare.correction import corrected_value, is_correction, kept, spoken_onsets


def onsets(text: str, values: List[str]) -> List[dict]:
    """Onset entities as the entity ruler gives them: value and character offsets."""
    found = []
    for value in values:
        start = text.lower().index(value)
        found.append({"entity": "onset", "value": value, "start": start, "end": start + len(value)})
    return found


@pytest.mark.parametrize(
    ("text", "values", "expected"),
    [
        # The time taken back does not count, wherever it comes.
        ("sorry, i said yesterday but it was 6 days ago not yesterday", ["yesterday", "6 days ago"], "6 days ago"),
        ("my mistake, an hour ago, not last week", ["an hour ago", "last week"], "an hour ago"),
        ("oh no not tonight, it was on monday", ["tonight", "on monday"], "on monday"),
        # After the correcting words: the time that follows them.
        ("i said last week earlier but actually it was this morning", ["last week", "this morning"], "this morning"),
        # Later times about something else ("my knee ... for a month") come second.
        ("hang on, it began last night. my knee has been bad for a month", ["last night", "for a month"], "last night"),
        ("no wait, 3 days ago", ["3 days ago"], "3 days ago"),
        ("not yesterday", ["yesterday"], None),
    ],
)
def test_corrected_value(text: str, values: List[str], expected: Optional[str]) -> None:
    assert corrected_value(text, onsets(text, values)) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("no, it was last tuesday", True),
        ("I got it wrong, it started on friday", True),
        ("scrap that, it was this morning", True),
        ("i tell a lie, it was two days ago", True),
        ("hmm no, nearer a fortnight ago", True),
        ("sorted it in my head now: come to think of it, it was friday", True),
        ("it started 3 days ago, can i use heat?", False),
        ("i know it was monday", False),
        ("no numbness or anything, it started yesterday", False),
    ],
)
def test_is_correction(text: str, expected: bool) -> None:
    assert is_correction(text) is expected


def test_a_time_taken_back_makes_a_correction() -> None:
    text = "it was this morning not last week"
    assert is_correction(text, onsets(text, ["this morning", "last week"]))
    assert not is_correction("it was this morning", onsets("it was this morning", ["this morning"]))


def test_entities_without_offsets_keep_their_order() -> None:
    pairs: List[Tuple[str, str]] = [("onset", "4 days ago")]
    assert corrected_value("no wait it was 4 days ago", [{"entity": k, "value": v} for k, v in pairs]) == "4 days ago"


def test_the_persons_own_reckoning_of_the_corrected_time_wins() -> None:
    # "Last tuesday" could be two days or nine: "so over a week back" says which.
    text = "oops not tonight, it was last tuesday's game, so over a week back"
    assert corrected_value(text, onsets(text, ["tonight", "last tuesday", "over a week"])) == "over a week"


@pytest.mark.parametrize(
    ("text", "values", "expected"),
    [
        # A day the entity patterns miss ("it was monday"), counted from the day said to be today.
        ("no hang about, it was monday not last night. today's friday", ["last night", "today"], "4 days ago"),
        ("sorry, that was last friday. it's wednesday today", ["last friday", "today"], "5 days ago"),
        # "It's monday lunchtime" says what day it is too; "ignore my maths" takes back the time said.
        ("ignore my maths, it was saturday night and its monday lunchtime", [], "2 days ago"),
        # Without a day said for today, the day itself is kept for the onset reader.
        ("no wait, it was sunday", [], "sunday"),
    ],
)
def test_days_named_in_a_correction(text: str, values: List[str], expected: str) -> None:
    assert corrected_value(text, spoken_onsets(text, onsets(text, values))) == expected


def test_short_day_names_count_back_from_the_day_said_to_be_today() -> None:
    assert [o["value"] for o in spoken_onsets("wait no. it was mon, today's thurs", [])] == ["3 days ago"]
    # "Sat" is a word too ("I was sat at my desk"): only the day it is now may be said so.
    assert [o["value"] for o in spoken_onsets("i was sat at my desk on tuesday, today is sat", [])] == ["4 days ago"]


def test_a_thing_taken_back_is_not_kept() -> None:
    text = "no sorry, not the foam roller, the tennis ball"
    mentions = [{"value": v, "start": text.index(v)} for v in ("foam roller", "tennis ball")]
    assert [m["value"] for m in kept(text, mentions)] == ["tennis ball"]
