"""Pain scores: reading a check-in reply, and what a run of scores says."""

from typing import List, Tuple

import pytest

from backcare.pain_scores import Score, Trend, assess, read_score, scores_from_slot, show

pytestmark = pytest.mark.unit
DAY = 86400.0


@pytest.mark.parametrize(
    ("text", "score"),
    [
        ("6", 6), ("about a 6", 6), ("6/10", 6), ("six", 6), ("I'd say six today", 6), ("7 out of 10", 7),
        ("it's a 4", 4), ("my back is a 7 today", 7), ("a solid 8.5", 8.5), ("0", 0), ("10", 10), ("ten", 10),
        ("zero, no pain", 0), ("no pain at all", 0), ("5-6", 6), ("5 or 6", 6), ("maybe 3 to 4", 4),
        ("6ish", 6), ("6!", 6), ("Probably a 3.", 3), ("8/10, worse than yesterday", 8),
    ],
)
def test_a_score_reply_is_read_in_digits_words_and_out_of_ten(text: str, score: float) -> None:
    reading = read_score(text)
    assert reading is not None and reading.value == score and reading.in_range


@pytest.mark.parametrize(("text", "number"), [("15", 15), ("eleven", 11), ("-2", -2), ("16/10", 16), ("20", 20)])
def test_a_number_off_the_scale_is_read_to_be_asked_again(text: str, number: float) -> None:
    reading = read_score(text)
    assert reading is not None and reading.value == number and not reading.in_range


@pytest.mark.parametrize(
    "text",
    ["not great", "better", "3 days ago", "two weeks", "I'm 45", "20 minutes", "can I use heat?", "2 or 10",
     "hello", "", "/accept_checkin", "about 45 years old", "since 5 days"],
)
def test_other_messages_are_not_scores(text: str) -> None:
    assert read_score(text) is None


def run(*points: Tuple[float, float]) -> List[Score]:
    """Scores at (score, days after the first), real time."""
    return [Score(score, days * DAY) for score, days in points]


@pytest.mark.parametrize(
    ("points", "scale", "trend"),
    [
        ([(6, 0)], 1, Trend.FIRST),
        ([(5, 0), (7, 3)], 1, Trend.WORSE),  # 2 points up on the last
        ([(3, 0), (6, 3), (5, 6)], 1, Trend.WORSE),  # down on the last, still 2 above the first
        ([(5, 0), (6, 3)], 1, Trend.SAME),  # 1 point is noise
        ([(6, 0), (4, 3)], 1, Trend.BETTER),
        ([(6, 0), (6, 3), (5, 28)], 1, Trend.NOT_IMPROVING),  # 4 weeks, only 1 point lower
        ([(6, 0), (6, 3), (4, 28)], 1, Trend.BETTER),  # 2 points lower: improving
        ([(2, 0), (1, 29)], 1, Trend.BETTER),  # down to 0-1 counts as improved
        ([(6, 0), (6, 3)], 9, Trend.SAME),  # 3 real days 9 times faster: 27 days, under 4 weeks
        ([(6, 0), (6, 3)], 10, Trend.NOT_IMPROVING),  # 30 days
        ([(6, 0), (6, 0.0005)], 86400, Trend.NOT_IMPROVING),  # 43 s real at 86400: 43 days
    ],
)
def test_the_trend_over_the_nice_window(points: List[Tuple[float, float]], scale: float, trend: Trend) -> None:
    assert assess(run(*points), scale).trend is trend


def test_weeks_are_counted_on_the_check_in_clock() -> None:
    seen = assess(run((6, 0), (6, 28 / 86400)), 86400)
    assert seen.weeks == pytest.approx(4.0)
    assert seen.first.score == 6 and seen.previous is not None


def test_the_slot_round_trips_and_malformed_items_are_skipped() -> None:
    kept = [Score(6, 100.0).to_slot(), Score(6.5, 50.0).to_slot(), {"score": "x"}, None, "7"]
    assert kept[0] == {"score": 6, "time": 100.0}
    assert scores_from_slot(kept) == [Score(6.5, 50.0), Score(6, 100.0)]
    assert scores_from_slot(None) == []


@pytest.mark.parametrize(("score", "shown"), [(6.0, "6/10"), (6.5, "6.5/10"), (0.0, "0/10")])
def test_scores_are_shown_out_of_ten(score: float, shown: str) -> None:
    assert show(score) == shown


def test_no_scores_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        assess([], 1)
