"""The guidance loader (backcare/guidance_loader.py): a valid folder loads, and every load error
names the file, the entry and the field."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any, Dict, List

import pytest
import yaml

from backcare import settings
from backcare.guidance_loader import load_store
from backcare.guidance_schema import GuidanceError

GUIDANCE = settings.REPO_ROOT / "guidance"

GOOD: Dict[str, Any] = {
    "id": "pain.sample",
    "topic": "pain",
    "question": "Is this a sample question?",
    "advice": "Some advice that is long enough to pass.",
    "rationale": "Because it is a test.",
    "source": "nice_ng59",
}


def _folder(tmp_path: Path, files: Dict[str, List[Dict[str, Any]]]) -> Path:
    for name in ("vocabulary.yml", "sources.yml"):
        shutil.copy(GUIDANCE / name, tmp_path / name)
    for name, entries in files.items():
        topic = entries[0]["topic"]
        (tmp_path / name).write_text(yaml.safe_dump({"topic": topic, "entries": entries}), encoding="utf-8")
    return tmp_path


def test_a_valid_folder_loads(tmp_path: Path) -> None:
    store = load_store(_folder(tmp_path, {"pain.yml": [GOOD]}))
    assert [e.id for e in store.entries] == ["pain.sample"]


@pytest.mark.parametrize(
    ("change", "entry_id", "field"),
    [
        ({"colour": "red"}, "pain.sample", "colour"),
        ({"source": "a_blog"}, "pain.sample", "source"),
        ({"applies_to": {"equipment": ["yoga_ball"]}}, "pain.sample", "applies_to.equipment"),
        ({"applies_to": {"body_area": ["knee"]}}, "pain.sample", "applies_to.body_area"),
        ({"applies_to": {"therapy": ["sauna"]}}, "pain.sample", "applies_to.therapy"),
        ({"follow_ups": ["pain.missing"]}, "pain.sample", "follow_ups"),
        (
            {"numbers": [{"value": 2, "unit": "fortnights", "about": "made up"}]},
            "pain.sample",
            "numbers.0.unit",
        ),
        ({"advice": "Too short."}, "pain.sample", "advice"),
        ({"id": "pain.Bad-Name"}, "pain.Bad-Name", "id"),
        ({"id": "massage.sample"}, "massage.sample", "topic"),
        ({"advice": "Your pain started {when} ago, so rest."}, "pain.sample", "advice"),
        ({"advice": "Your pain started {onset} ago, so rest now."}, "pain.sample", "advice"),
        ({"rationale": "Because {onset} hours."}, "pain.sample", "rationale"),
        ({"applies_to": {"hours_since_onset": {"max": 48}}}, "pain.sample", "otherwise"),
        ({"otherwise": "pain.sample"}, "pain.sample", "otherwise"),
    ],
    ids=[
        "extra-field",
        "unknown-source",
        "unknown-equipment",
        "unknown-body-area",
        "unknown-therapy",
        "bad-follow-up",
        "bad-unit",
        "short-advice",
        "bad-id",
        "id-topic-mismatch",
        "unknown-placeholder",
        "onset-placeholder-without-window",
        "placeholder-outside-advice",
        "window-without-otherwise",
        "otherwise-without-window",
    ],
)
def test_load_error_names_file_entry_and_field(
    tmp_path: Path, change: Dict[str, Any], entry_id: str, field: str
) -> None:
    folder = _folder(tmp_path, {"pain.yml": [{**GOOD, **change}]})
    with pytest.raises(GuidanceError) as error:
        load_store(folder)
    message = str(error.value)
    assert "pain.yml" in message
    assert f"entry {entry_id}" in message
    assert f"field {field}:" in message


def test_the_onset_unknown_entry_offers_no_follow_up_that_needs_an_onset(tmp_path: Path) -> None:
    fallback = {**GOOD, "id": "pain.depends", "follow_ups": ["pain.early"]}
    early = {**GOOD, "id": "pain.early", "applies_to": {"hours_since_onset": {"max": 48}}, "otherwise": "pain.depends"}
    with pytest.raises(GuidanceError, match="pain.early needs an onset, but pain.depends is said when the onset"):
        load_store(_folder(tmp_path, {"pain.yml": [fallback, early]}))


def test_duplicate_id_names_both_files(tmp_path: Path) -> None:
    folder = _folder(tmp_path, {"pain.yml": [GOOD], "pain_more.yml": [GOOD]})
    with pytest.raises(GuidanceError) as error:
        load_store(folder)
    message = str(error.value)
    assert "pain_more.yml, entry pain.sample, field id:" in message
    assert "already used in pain.yml" in message
