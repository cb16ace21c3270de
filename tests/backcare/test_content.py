"""What every guidance entry must be, read as a reviewer would: sourced, exact, conservative."""

import re
from typing import List

import pytest

from backcare.guidance_schema import Topic
from backcare.store import GuidanceStore
from tests.conftest import load_repo_store

STORE = load_repo_store()
IDS = [e.id for e in STORE.entries]
# The self-care article the first entries come from has no address we may cite.
WITHOUT_URL = {"self_massage_article"}
# Phone numbers people are told to call, not quantities of advice.
PHONE_NUMBERS = {999.0, 911.0, 112.0, 111.0}
_NUMBER = re.compile(r"\b\d+(?:\.\d+)?\b")
DOSE = re.compile(r"\b\d+\s*(mg|milligrams?|ml|tablets?|pills?|capsules?)\b|\b(once|twice|three times) a day\b")


def numbers_in(text: str) -> List[float]:
    return [float(n) for n in _NUMBER.findall(text)]


@pytest.mark.parametrize("entry_id", IDS)
def test_every_entry_cites_a_source_with_an_address(store: GuidanceStore, entry_id: str) -> None:
    entry = store.get(entry_id)
    assert entry is not None
    source = store.source_of(entry)
    assert entry.source in WITHOUT_URL or (source.url or "").startswith("https://"), entry.source


@pytest.mark.parametrize("entry_id", IDS)
def test_numbers_in_the_advice_are_in_its_numbers(store: GuidanceStore, entry_id: str) -> None:
    entry = store.get(entry_id)
    assert entry is not None
    allowed = {q.value for q in entry.numbers} | {q.max_value for q in entry.numbers if q.max_value is not None}
    assert set(numbers_in(entry.advice)) - PHONE_NUMBERS <= allowed, entry.advice


@pytest.mark.parametrize("entry_id", IDS)
def test_no_entry_doses_a_medicine(store: GuidanceStore, entry_id: str) -> None:
    entry = store.get(entry_id)
    assert entry is not None
    for text in (entry.advice, entry.rationale, *entry.cautions):
        assert not DOSE.search(text.lower()), text


@pytest.mark.parametrize("entry_id", [e.id for e in STORE.entries if e.topic == Topic.MEDICINE])
def test_medicine_entries_send_people_to_a_pharmacist_or_gp(store: GuidanceStore, entry_id: str) -> None:
    entry = store.get(entry_id)
    assert entry is not None
    assert re.search(r"pharmacist|\bgp\b|doctor", entry.render().lower())


@pytest.mark.parametrize("entry_id", IDS)
def test_advice_is_two_to_four_sentences_and_has_paraphrases(store: GuidanceStore, entry_id: str) -> None:
    entry = store.get(entry_id)
    assert entry is not None
    sentences = [s for s in re.split(r"(?<=[.!?])\s+", entry.advice.strip()) if s]
    assert 1 <= len(sentences) <= 4, entry.advice
    assert len(entry.paraphrases) >= 6
    assert len(set(p.lower() for p in entry.paraphrases)) == len(entry.paraphrases)


def test_there_are_enough_entries_on_every_topic(store: GuidanceStore) -> None:
    assert len(store.entries) >= 110
    assert {e.topic for e in store.entries} == set(Topic)
