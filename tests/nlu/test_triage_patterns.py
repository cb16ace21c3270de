"""The red-flag pattern language's compiler and reader (nlu/triage_patterns.py): every pattern of the
real file compiles, malformed ones are refused by name, and misspelling correction leaves common words."""

from __future__ import annotations

import pytest

from backcare import english
from backcare.red_flag_data import RED_FLAGS_FILE, RedFlagDataError, Tier, get_red_flags, load_red_flags
from nlu.triage import Triage
from nlu.triage_patterns import Patterns


def test_real_file_loads_and_every_pattern_compiles() -> None:
    data = load_red_flags(RED_FLAGS_FILE)
    Patterns(data)
    for tier in Tier:
        assert "not a doctor" in data.message_for(tier, [])


@pytest.mark.parametrize(
    ("pattern", "complaint"),
    [("*2 fever", "may not start with a gap"), ("fever? high", "may not start with an optional word"),
     ("high|| fever", "empty alternative")],
)
def test_a_malformed_pattern_is_refused_naming_its_sign(pattern: str, complaint: str) -> None:
    data = get_red_flags()
    sign = data.signs[0].copy(update={"patterns": [pattern]})
    with pytest.raises(RedFlagDataError, match=f"{sign.id}: .*{complaint}"):
        Patterns(data.copy(update={"signs": [sign]}))


# Common words (spaCy's English word-frequency table) that may be read as a key word: each is
# either a misspelling of it or harmless for triage.
# "controll" is a misspelling of "control", which is what it is read as.
ACCEPTED_CORRECTIONS = {"vaginal", "benis", "consistant", "consistantly", "prednisone", "sensational", "controll"}


def test_no_common_english_word_is_read_as_a_typo(triage: Triage) -> None:
    import spacy_lookups_data
    from spacy.util import load_language_data

    frequency = load_language_data(spacy_lookups_data.en["lexeme_prob"])
    targets = {triage.patterns.lemma_of(w) for w in triage.data.typo_targets}
    table = english.lemma_table()
    corrected = set()
    for word, log_prob in frequency.items():
        if log_prob > -15.5 and word.isalpha() and word.islower() and len(word) >= 5:
            lemma = triage.patterns.lemma_of(word)
            if lemma in targets and lemma != table.get(word, word):
                corrected.add(word)
    assert corrected <= ACCEPTED_CORRECTIONS
