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


def test_one_day_alone_is_no_onset_and_more_like_a_week_is_one() -> None:
    import spacy
    from spacy.pipeline import EntityRuler

    nlp = spacy.blank("en")
    ruler = cast(EntityRuler, nlp.add_pipe("entity_ruler"))
    ruler.add_patterns(onset_patterns())
    assert [e.text for e in nlp("is it normal to feel fine one day and stiff the next").ents] == []
    assert [e.text for e in nlp("it's been hurting for one day").ents] == ["for one day"]
    assert [e.text for e in nlp("sore 2 days now").ents] == ["2 days"]
    assert [e.text for e in nlp("no, more like a week").ents] == ["more like a week"]


def test_minutes_are_an_onset_only_with_ago() -> None:
    minute_patterns = [p["pattern"] for p in onset_patterns() if any("minutes" in str(step) for step in p["pattern"])]
    assert minute_patterns and all(p[-1]["LOWER"]["IN"] == ["ago", "back"] for p in minute_patterns)
