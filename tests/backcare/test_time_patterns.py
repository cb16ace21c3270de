"""The onset patterns for the entity ruler, built from the shared unit words."""

from backcare.time_patterns import ALL_UNITS, UNITS, onset_patterns


def test_onset_units_have_plurals_and_never_years() -> None:
    assert {"hour", "hours", "hrs", "wks", "month", "months"} <= set(UNITS)
    assert not {"year", "years", "yr", "yrs", "fortnight"} & set(ALL_UNITS)


def test_minutes_are_an_onset_only_with_ago() -> None:
    minute_patterns = [p["pattern"] for p in onset_patterns() if any("minutes" in str(step) for step in p["pattern"])]
    assert minute_patterns and all(p[-1]["LOWER"]["IN"] == ["ago", "back"] for p in minute_patterns)
