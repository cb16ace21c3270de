"""Loading the guidance: the YAML files of a folder, validated, into a :class:`GuidanceStore`.

A bad file fails at load with a message naming the file, the entry and the field. The
repository's store is loaded once, lazily, on the first :func:`get_store`.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Mapping

import yaml
from pydantic import ValidationError

from backcare import settings
from backcare.guidance_schema import (
    KINDS,
    ONSET_PLACEHOLDER,
    Entry,
    GuidanceError,
    Source,
    TopicFile,
    Vocabulary,
)
from backcare.store import GuidanceStore

_BRACES = re.compile(r"[{}]")


def _read_yaml(path: Path) -> object:
    try:
        # libyaml's parser (in the pinned PyYAML wheel): the pure-Python one took a second per load.
        return yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
    except yaml.YAMLError as exc:
        raise GuidanceError(f"{path.name}: not valid YAML: {exc}") from exc


def _describe(error: ValidationError, path: Path, raw: object) -> str:
    """Turn a pydantic error into 'file, entry <id>, field <name>: problem' lines."""
    lines = []
    for problem in error.errors():
        loc = list(problem["loc"])
        where = path.name
        if len(loc) >= 2 and loc[0] == "entries" and isinstance(loc[1], int):
            entries = raw.get("entries") if isinstance(raw, dict) else None
            entry = entries[loc[1]] if isinstance(entries, list) and loc[1] < len(entries) else None
            entry_id = entry.get("id") if isinstance(entry, dict) else None
            where += f", entry {entry_id or '#' + str(loc[1] + 1)}"
            loc = loc[2:]
        field = ".".join(str(part) for part in loc) or "(entry)"
        lines.append(f"{where}, field {field}: {problem['msg']}")
    return "; ".join(lines)


def load_store(folder: Path) -> GuidanceStore:
    """Load and validate every file in ``folder``; raise GuidanceError naming what is wrong."""
    vocab_path, sources_path = folder / "vocabulary.yml", folder / "sources.yml"
    try:
        vocabulary = Vocabulary.parse_obj(_read_yaml(vocab_path))
    except ValidationError as exc:
        raise GuidanceError(_describe(exc, vocab_path, None)) from exc
    raw_sources = _read_yaml(sources_path)
    if not isinstance(raw_sources, dict):
        raise GuidanceError(f"{sources_path.name}: expected a mapping of source ids")
    try:
        sources = {key: Source.parse_obj(value) for key, value in raw_sources.items()}
    except ValidationError as exc:
        raise GuidanceError(_describe(exc, sources_path, None)) from exc

    entries: List[Entry] = []
    seen: Dict[str, str] = {}
    for path in sorted(folder.glob("*.yml")):
        if path in (vocab_path, sources_path):
            continue
        raw = _read_yaml(path)
        try:
            parsed = TopicFile.parse_obj(raw)
        except ValidationError as exc:
            raise GuidanceError(_describe(exc, path, raw)) from exc
        for entry in parsed.entries:
            where = f"{path.name}, entry {entry.id}"
            if entry.topic != parsed.topic:
                raise GuidanceError(f"{where}, field topic: file is for {parsed.topic.value!r}")
            if entry.id in seen:
                raise GuidanceError(f"{where}, field id: already used in {seen[entry.id]}")
            if entry.source not in sources:
                raise GuidanceError(f"{where}, field source: unknown source {entry.source!r}")
            for kind in KINDS:
                known = getattr(vocabulary, kind)
                for value in getattr(entry.applies_to, kind):
                    if value not in known:
                        raise GuidanceError(
                            f"{where}, field applies_to.{kind}: {value!r} is not in vocabulary.yml"
                        )
            _check_placeholders(entry, where)
            seen[entry.id] = path.name
            entries.append(entry)
    by_id = {e.id: e for e in entries}
    for entry in entries:
        where = f"{seen[entry.id]}, entry {entry.id}"
        for target in entry.follow_ups:
            if target not in seen:
                raise GuidanceError(f"{where}, field follow_ups: unknown entry {target!r}")
        _check_otherwise(entry, by_id, where)
    return GuidanceStore(entries, vocabulary, sources)


def _check_placeholders(entry: Entry, where: str) -> None:
    """Only ``{onset}``, only in the advice, and only where the onset is known to be in a window."""
    for field in ("question", "rationale", "cautions", "paraphrases", "keywords"):
        value = getattr(entry, field)
        for text in value if isinstance(value, list) else [value]:
            if _BRACES.search(text):
                raise GuidanceError(f"{where}, field {field}: braces are not allowed here: {text!r}")
    leftover = entry.advice.replace(ONSET_PLACEHOLDER, "")
    if _BRACES.search(leftover):
        raise GuidanceError(f"{where}, field advice: unknown placeholder (only {ONSET_PLACEHOLDER} is known)")
    if ONSET_PLACEHOLDER in entry.advice and not entry.needs_onset:
        raise GuidanceError(
            f"{where}, field advice: {ONSET_PLACEHOLDER} needs applies_to.hours_since_onset, "
            "since without a window the onset may be unknown"
        )


def _check_otherwise(entry: Entry, by_id: Mapping[str, Entry], where: str) -> None:
    """An onset-dependent entry names an onset-free one to say when the onset is unknown."""
    if not entry.needs_onset:
        if entry.otherwise is not None:
            raise GuidanceError(f"{where}, field otherwise: only entries with an onset window have one")
        return
    fallback = by_id.get(entry.otherwise or "")
    if fallback is None:
        raise GuidanceError(f"{where}, field otherwise: needs the id of the entry said when the onset is unknown")
    if fallback.needs_onset:
        raise GuidanceError(f"{where}, field otherwise: {fallback.id} has an onset window itself")
    for target in fallback.follow_ups:
        if by_id[target].needs_onset:
            raise GuidanceError(
                f"entry {fallback.id}, field follow_ups: {target} needs an onset, but {fallback.id} is "
                f"said when the onset is unknown (it is the otherwise of {entry.id})"
            )


@lru_cache(maxsize=None)
def get_store() -> GuidanceStore:
    """The store for ``settings.guidance_dir()``, loaded on first use and then shared."""
    return load_store(settings.guidance_dir())
