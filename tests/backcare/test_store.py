"""The guidance store (backcare/store.py) over the real content: seed facts, content rules, queries, aliases."""

from __future__ import annotations

import csv
import re
from typing import Dict, List, Optional

import pytest
import yaml

from backcare import settings
from backcare.guidance_schema import Topic
from backcare.store import GuidanceStore

GUIDANCE = settings.REPO_ROOT / "guidance"
SEED_FACTS = settings.REPO_ROOT / "tests" / "data" / "seed_facts.csv"


def _seed_rows() -> List[Dict[str, str]]:
    with SEED_FACTS.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


SEED_ROWS = _seed_rows()
ENTRY_IDS = [
    entry["id"]
    for path in sorted(GUIDANCE.glob("*.yml"))
    for entry in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("entries", [])
]
EQUIPMENT_IDS = sorted(yaml.safe_load((GUIDANCE / "vocabulary.yml").read_text(encoding="utf-8"))["equipment"])


def _text(store: GuidanceStore, entry_id: str) -> str:
    entry = store.get(entry_id)
    assert entry is not None, f"no entry {entry_id}"
    return " ".join([entry.advice, entry.rationale, *entry.cautions]).lower()


# --- The seed article: every fact is stored, and a plain question finds it -------------------


def test_every_seed_fact_has_a_row() -> None:
    # The article holds about 25 facts; fewer rows means one slipped out of the table.
    assert len(SEED_ROWS) >= 25


@pytest.mark.parametrize("row", SEED_ROWS, ids=[f"{r['entry_id']}:{r['expected_phrase']}" for r in SEED_ROWS])
def test_seed_fact_is_stored_and_found(store: GuidanceStore, row: Dict[str, str]) -> None:
    assert row["expected_phrase"] in _text(store, row["entry_id"])
    hits = [match.entry.id for match in store.search(row["question"], limit=3)]
    assert row["entry_id"] in hits, f"{row['question']!r} found {hits}"


@pytest.mark.parametrize("row", SEED_ROWS, ids=[r["entry_id"] for r in SEED_ROWS])
def test_seed_facts_cite_the_article(store: GuidanceStore, row: Dict[str, str]) -> None:
    entry = store.get(row["entry_id"])
    assert entry is not None and entry.source == "self_massage_article"


# --- Content rules the loader does not enforce -----------------------------------------------


@pytest.mark.parametrize("topic", list(Topic))
def test_each_topic_has_at_most_one_default(store: GuidanceStore, topic: Topic) -> None:
    defaults = [e.id for e in store.by_topic(topic) if e.default]
    assert len(defaults) <= 1, defaults


@pytest.mark.parametrize("equipment", EQUIPMENT_IDS)
def test_each_equipment_has_an_entry(store: GuidanceStore, equipment: str) -> None:
    found = [e for e in store.query(equipment=equipment) if e.topic in (Topic.EQUIPMENT, Topic.MASSAGE)]
    assert found
    # The answer should name the tool, not just be tagged with it.
    names = [equipment.replace("_", " "), *store.vocabulary.equipment[equipment]]
    assert any(any(n in e.advice.lower() for n in names) for e in found)


def test_entries_fit_buttons_and_link_onwards(store: GuidanceStore) -> None:
    for entry in store.entries:
        assert len(entry.question) < 60, entry.id
        assert 1 <= len(entry.follow_ups) <= 2, entry.id
        assert entry.id not in entry.follow_ups, entry.id


MEDICINES = [
    "ibuprofen",
    "paracetamol",
    "acetaminophen",
    "naproxen",
    "aspirin",
    "codeine",
    "diclofenac",
    "tramadol",
    "gabapentin",
    "pregabalin",
    "diazepam",
    "opioid",
]


@pytest.mark.parametrize("entry_id", ENTRY_IDS)
def test_no_medicine_names_or_doses(store: GuidanceStore, entry_id: str) -> None:
    entry = store.get(entry_id)
    assert entry is not None
    text = " ".join([entry.question, _text(store, entry_id)]).lower()
    assert not [m for m in MEDICINES if m in text]
    assert not re.search(r"\d\s*(mg|milligram|ml)\b", text)


def test_heat_entries_keep_the_onset_placeholder(store: GuidanceStore) -> None:
    # The heat/ice action fills {onset} with "2 hours", "3 days" etc.
    for entry_id in ("heat_ice.no_heat_first_48h", "heat_ice.after_48h"):
        entry = store.get(entry_id)
        assert entry is not None and "{onset}" in entry.advice


# --- query() filters --------------------------------------------------------------------------

ANY_ONSET = {"heat_ice.onset_unknown", "heat_ice.ice_pack_any_time"}
BEFORE = {"heat_ice.no_heat_first_48h"} | ANY_ONSET
AFTER = {"heat_ice.after_48h", "heat_ice.hot_bath", "heat_ice.heat_wrap_work"} | ANY_ONSET


@pytest.mark.parametrize(
    ("hours", "expected"),
    # Exactly 48 hours still counts as inside the first 48: the cautious side of the heat rule.
    [
        (2, BEFORE),
        (24, BEFORE),
        (47.9, BEFORE),
        (48, BEFORE),
        (48.1, AFTER),
        (120, AFTER),
        (None, BEFORE | AFTER),
    ],
)
def test_query_heat_ice_by_onset(store: GuidanceStore, hours: Optional[float], expected: set) -> None:
    found = {e.id for e in store.query(topic=Topic.HEAT_ICE, hours_since_onset=hours)}
    assert found == expected


@pytest.mark.parametrize("hours", [10, 72, 200])
def test_query_keeps_entries_without_a_window_for_any_onset(store: GuidanceStore, hours: float) -> None:
    found = {e.id for e in store.query(topic=Topic.MASSAGE, hours_since_onset=hours)}
    assert {"massage.wait_after_injury", "massage.how_much_pressure"} <= found


@pytest.mark.parametrize(
    ("entry_id", "hours", "said"),
    [
        ("heat_ice.after_48h", 6, "heat_ice.no_heat_first_48h"),
        ("heat_ice.no_heat_first_48h", 120, "heat_ice.after_48h"),
        ("heat_ice.after_48h", None, "heat_ice.onset_unknown"),
        ("heat_ice.after_48h", 120, "heat_ice.after_48h"),
        ("massage.how_much_pressure", None, "massage.how_much_pressure"),
    ],
)
def test_for_onset_says_the_variant_that_fits(
    store: GuidanceStore, entry_id: str, hours: Optional[float], said: str
) -> None:
    entry = store.get(entry_id)
    assert entry is not None
    assert store.for_onset(entry, hours).id == said


def test_render_fills_the_onset_and_refuses_one_that_does_not_fit(store: GuidanceStore) -> None:
    entry = store.get("heat_ice.after_48h")
    assert entry is not None
    assert entry.render(120).startswith("Your pain started about 5 days ago")
    for hours in (None, 6.0):
        with pytest.raises(ValueError):
            entry.render(hours)
    fresh = store.get("heat_ice.no_heat_first_48h")
    assert fresh is not None
    assert fresh.render(0.5).startswith("Your pain started less than an hour ago,")


@pytest.mark.parametrize(
    ("equipment", "must_include"),
    [
        ("acupressure_mat", {"equipment.acupressure_mat_how_long", "equipment.acupressure_mat_softer"}),
        (
            "massager",
            {"equipment.massager_how_hard", "equipment.massager_how_long", "equipment.massager_where"},
        ),
        ("foam_roller", {"equipment.foam_roller_where", "equipment.foam_roller_mid_back"}),
        ("towel_or_pillow", {"posture.towel_support", "equipment.towel_or_pillow"}),
    ],
)
def test_query_by_equipment(store: GuidanceStore, equipment: str, must_include: set) -> None:
    found = store.query(equipment=equipment)
    assert all(equipment in e.applies_to.equipment for e in found)
    assert must_include <= {e.id for e in found}


def test_query_combines_filters(store: GuidanceStore) -> None:
    found = store.query(topic=Topic.EQUIPMENT, equipment="tennis_ball", body_area="spine")
    assert [e.id for e in found] == ["equipment.ball_where"]


def test_query_unknown_value_matches_nothing(store: GuidanceStore) -> None:
    assert store.query(equipment="trampoline") == []


# --- canonical() ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "text", "expected"),
    [
        ("equipment", "Lacrosse Balls", "lacrosse_ball"),
        ("equipment", "foam rollers", "foam_roller"),
        ("equipment", "  Massage   Gun ", "massager"),
        ("equipment", "acupressure mat", "acupressure_mat"),
        ("body_area", "QL", "quadratus_lumborum"),
        ("body_area", "glutes", "gluteus_maximus"),
        ("therapy", "Heating Pad", "heat"),
        ("equipment", "trampoline", None),
        ("body_area", "knee", None),
        ("equipment", "", None),
        ("equipment", None, None),
    ],
)
def test_canonical(store: GuidanceStore, kind: str, text: Optional[str], expected: Optional[str]) -> None:
    assert store.canonical(kind, text) == expected

