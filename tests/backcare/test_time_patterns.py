"""The onset patterns for the entity ruler, built from the shared unit words."""

from typing import cast

from backcare.time_patterns import ALL_UNITS, UNITS, onset_patterns


def test_onset_units_have_plurals_and_never_years() -> None:
    assert {"hour", "hours", "hrs", "wks", "month", "months", "fortnight", "fortnights"} <= set(UNITS)
    assert not {"year", "years", "yr", "yrs"} & set(ALL_UNITS)


def test_a_fortnight_is_heard_as_an_onset() -> None:
    import spacy
    from spacy.pipeline import EntityRuler

    nlp = spacy.blank("en")
    ruler = cast(EntityRuler, nlp.add_pipe("entity_ruler"))
    ruler.add_patterns(onset_patterns())
    for text, said in [("my back has been stiff for about a fortnight", "about a fortnight"),
                       ("it went two fortnights ago", "two fortnights ago"),
                       ("sore for the past fortnight", "past fortnight")]:
        assert [e.text for e in nlp(text).ents] == [said]


def test_minutes_are_an_onset_only_with_ago() -> None:
    minute_patterns = [p["pattern"] for p in onset_patterns() if any("minutes" in str(step) for step in p["pattern"])]
    assert minute_patterns and all(p[-1]["LOWER"]["IN"] == ["ago", "back"] for p in minute_patterns)
