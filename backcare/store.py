"""The guidance store: validated self-care guidance with sources, and queries over it.

The content lives as YAML in ``guidance/`` (one file per topic, plus ``vocabulary.yml`` and
``sources.yml``). It is loaded once, lazily, and validated with pydantic; a bad file fails at
load with a message naming the file, the entry and the field.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from datetime import date
from enum import Enum
from functools import lru_cache
from pathlib import Path
from typing import Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

import yaml
from pydantic import BaseModel, Field, ValidationError, validator

from backcare import settings
from backcare.english import lemma_table
from backcare.onset import describe

KINDS = ("equipment", "body_area", "therapy")
ENTRY_ID = re.compile(r"^[a-z_]+\.[a-z0-9_]+$")
# The one placeholder advice may hold, filled in by Entry.render, and only in entries with an
# onset window (outside one the onset may be unknown).
ONSET_PLACEHOLDER = "{onset}"
_BRACES = re.compile(r"[{}]")
_WORD = re.compile(r"[a-z0-9]+")
# Chat shorthand for units the lemma table does not know.
# "Work out" is exercise, not work: one token, so it never matches the work entries.
_WORK_OUT = re.compile(r"\bwork(s|ed|ing)? out\b")
SHORTHAND = {"min": "minute", "mins": "minute", "hr": "hour", "hrs": "hour", "wk": "week", "wks": "week"}
# Words too common to tell entries apart. Question words stay: "how long" vs "where" is the point.
STOP_WORDS = frozenset(
    "a an the i me my im i'm you your it its is are am be was were do does did can could should would will "
    "and or but if so to of in on at for with about from by as this that these those there here "
    "what which who any some just really very get got have has had back pain".split()
)


class Topic(str, Enum):
    """What a guidance entry is about; one topic intent and one file each."""

    PAIN = "pain"
    HEAT_ICE = "heat_ice"
    EQUIPMENT = "equipment"
    MASSAGE = "massage"
    EXERCISE = "exercise"
    POSTURE = "posture"
    SLEEP = "sleep"
    RECOVERY = "recovery"
    DOCTOR = "doctor"
    ACTIVITY = "activity"
    LIFTING = "lifting"
    WORK = "work"
    OUTLOOK = "outlook"
    SCIATICA = "sciatica"
    TREATMENTS = "treatments"
    MEDICINE = "medicine"
    PREGNANCY = "pregnancy"


class Unit(str, Enum):
    """Units a number in the guidance may carry."""

    MINUTES = "minutes"
    HOURS = "hours"
    DAYS = "days"
    WEEKS = "weeks"
    YEARS = "years"
    INCHES = "inches"
    CM = "cm"


class Quantity(BaseModel):
    """A number from the advice, e.g. 20 minutes or 1-2 inches."""

    value: float
    max_value: Optional[float] = None
    unit: Unit
    about: str = Field(..., min_length=3)

    class Config:
        extra = "forbid"


class HoursRange(BaseModel):
    """Hours since the pain started for which an entry holds.

    ``max`` is inclusive and ``min`` exclusive, so a pain exactly 48 hours old still counts as
    inside the first 48 hours: the cautious side of the heat rule.
    """

    min: Optional[float] = None
    max: Optional[float] = None

    class Config:
        extra = "forbid"

    def contains(self, hours: float) -> bool:
        """Whether ``hours`` since onset falls in this range."""
        return (self.min is None or hours > self.min) and (self.max is None or hours <= self.max)


class AppliesTo(BaseModel):
    """What an entry is about: canonical vocabulary ids and an onset window."""

    equipment: List[str] = []
    body_area: List[str] = []
    therapy: List[str] = []
    hours_since_onset: Optional[HoursRange] = None

    class Config:
        extra = "forbid"


class Entry(BaseModel):
    """One piece of guidance: the advice, why, its cautions, numbers and source."""

    id: str
    topic: Topic
    question: str = Field(..., min_length=5, description="The question this entry answers.")
    # Other ways people ask the same question, as they would type them; the ranker matches these.
    paraphrases: List[str] = []
    advice: str = Field(..., min_length=20)
    rationale: str = Field(..., min_length=10)
    cautions: List[str] = []
    numbers: List[Quantity] = []
    applies_to: AppliesTo = AppliesTo()
    keywords: List[str] = []
    follow_ups: List[str] = []
    source: str
    default: bool = False
    # For an entry with an onset window: the entry said instead when the onset is unknown.
    otherwise: Optional[str] = None

    class Config:
        extra = "forbid"

    @property
    def needs_onset(self) -> bool:
        """Whether this advice holds only for some times since the pain started."""
        return self.applies_to.hours_since_onset is not None

    def fits(self, hours: Optional[float]) -> bool:
        """Whether this entry may be said for a pain ``hours`` old (None: unknown)."""
        window = self.applies_to.hours_since_onset
        return window is None or (hours is not None and window.contains(hours))

    def render(self, hours: Optional[float] = None) -> str:
        """The advice as a person reads it, for a pain ``hours`` old, with its first caution.

        The only place advice becomes text. Raises ValueError for an onset the entry does not
        fit, so no caller can say onset-dependent advice without a known, matching onset.
        """
        if not self.fits(hours):
            raise ValueError(f"{self.id} does not hold for an onset of {hours} hours")
        text = self.advice if hours is None else self.advice.replace(ONSET_PLACEHOLDER, describe(hours))
        return f"{text} {self.cautions[0]}" if self.cautions else text

    @validator("id")
    def _id_shape(cls, value: str) -> str:  # noqa: N805 - pydantic validators take cls
        if not ENTRY_ID.match(value):
            raise ValueError("must look like '<topic>.<name>' in lowercase snake case")
        return value

    # A field validator, not a root one, so the error names a field ("topic") instead of __root__.
    @validator("topic")
    def _id_matches_topic(cls, value: Topic, values: Dict) -> Topic:  # noqa: N805
        if "id" in values and not values["id"].startswith(value.value + "."):
            raise ValueError(f"id {values['id']!r} must start with its topic {value.value!r}.")
        return value


class Source(BaseModel):
    """Where guidance comes from."""

    title: str
    publisher: str
    url: Optional[str] = None
    # When someone last checked our entries against this source (YYYY-MM-DD).
    checked: Optional[date] = None

    class Config:
        extra = "forbid"


class TopicFile(BaseModel):
    """The shape of ``guidance/<topic>.yml``."""

    topic: Topic
    entries: List[Entry] = Field(..., min_items=1)

    class Config:
        extra = "forbid"


class Vocabulary(BaseModel):
    """Canonical ids with the words people use for them; feeds spaCy patterns and the actions."""

    equipment: Dict[str, List[str]]
    body_area: Dict[str, List[str]]
    therapy: Dict[str, List[str]]

    class Config:
        extra = "forbid"


class GuidanceError(ValueError):
    """The guidance content is invalid; the message names the file, the entry and the field."""


def _tokens(text: str) -> List[str]:
    """Lemmas of the content words in ``text`` (spaCy's English lookup table), for ranking."""
    lemmas = lemma_table()
    words = (SHORTHAND.get(w, w) for w in _WORD.findall(_WORK_OUT.sub("workout", text.lower())))
    return [lemmas.get(w, w) for w in words if w not in STOP_WORDS]


@dataclass(frozen=True)
class Match:
    """A search hit: the entry and its BM25 score."""

    entry: Entry
    score: float


class _BM25:
    """Okapi BM25 over the entries' question, keywords and advice."""

    def __init__(self, docs: Sequence[List[str]], k1: float = 1.2, b: float = 0.75) -> None:
        self._docs = [Counter(d) for d in docs]
        self._lengths = [len(d) for d in docs]
        self._avg = sum(self._lengths) / max(len(docs), 1)
        df: Counter = Counter(t for d in docs for t in set(d))
        n = len(docs)
        self._idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in df.items()}
        self._k1, self._b = k1, b

    def scores(self, query: Iterable[str]) -> List[float]:
        terms = set(query)
        out = []
        for doc, length in zip(self._docs, self._lengths):
            score = 0.0
            for t in terms:
                tf = doc.get(t, 0)
                if tf:
                    norm = tf + self._k1 * (1 - self._b + self._b * length / self._avg)
                    score += self._idf[t] * tf * (self._k1 + 1) / norm
            out.append(score)
        return out


class GuidanceStore:
    """Read-only access to validated guidance: lookups by id, typed queries and ranked search."""

    def __init__(
        self, entries: Sequence[Entry], vocabulary: Vocabulary, sources: Mapping[str, Source]
    ) -> None:
        self.entries: Tuple[Entry, ...] = tuple(entries)
        self.vocabulary = vocabulary
        self.sources = dict(sources)
        self._by_id = {e.id: e for e in self.entries}
        # Entries said when the onset is unknown, e.g. "heat or ice depends on when it started".
        self._fallbacks = {e.otherwise for e in self.entries if e.otherwise}
        self._aliases = {kind: _alias_table(getattr(vocabulary, kind)) for kind in KINDS}
        self._index = _BM25([self._document(e) for e in self.entries])

    def _document(self, entry: Entry) -> List[str]:
        words = [entry.question, *entry.keywords, entry.advice]
        for kind in KINDS:
            for canonical in getattr(entry.applies_to, kind):
                words.extend(self._aliases_of(kind, canonical))
        # The question and keywords are what people ask; count them twice against the advice.
        words.extend([entry.question, *entry.keywords])
        return _tokens(" ".join(words))

    def _aliases_of(self, kind: str, canonical: str) -> List[str]:
        return [alias for alias, value in self._aliases[kind].items() if value == canonical]

    def get(self, entry_id: str) -> Optional[Entry]:
        """The entry with this id, or None."""
        return self._by_id.get(entry_id)

    def depends_on_onset(self, entry: Entry) -> bool:
        """Whether the right answer depends on when the pain started (worth asking first)."""
        return entry.needs_onset or entry.id in self._fallbacks

    def for_onset(self, entry: Entry, hours: Optional[float]) -> Entry:
        """What to say for ``entry`` given the onset: itself when it fits, else its variant that does.

        The variants of an onset-dependent entry share an ``otherwise`` entry (no heat in the
        first 48 hours / heat or ice after them / "it depends on when it started"), which is said
        when the onset is unknown. Asked for that general entry with a known onset, the first
        variant that fits is said instead.
        """
        family = entry.otherwise or (entry.id if entry.id in self._fallbacks else None)
        if family is None or (entry.needs_onset and entry.fits(hours)):
            return entry
        if hours is not None:
            for variant in self.entries:
                if variant.otherwise == family and variant.fits(hours):
                    return variant
        return self._by_id[family]

    def source_of(self, entry: Entry) -> Source:
        """The source an entry cites."""
        return self.sources[entry.source]

    def canonical(self, kind: str, text: Optional[str]) -> Optional[str]:
        """Map what a person typed ("lacrosse balls", "QL") to a vocabulary id, or None."""
        if not text:
            return None
        table = self._aliases[kind]
        lowered = " ".join(text.lower().split())
        if lowered in table:
            return table[lowered]
        folded = " ".join(_tokens(lowered))
        for alias, canonical in table.items():
            if " ".join(_tokens(alias)) == folded:
                return canonical
        return None

    def by_topic(self, topic: Topic) -> List[Entry]:
        """All entries of a topic, in file order."""
        return [e for e in self.entries if e.topic == topic]

    def query(
        self,
        topic: Optional[Topic] = None,
        equipment: Optional[str] = None,
        body_area: Optional[str] = None,
        therapy: Optional[str] = None,
        hours_since_onset: Optional[float] = None,
    ) -> List[Entry]:
        """Entries that fit every given filter; an entry with no onset window fits any onset."""
        found = []
        for entry in self.entries:
            applies = entry.applies_to
            if topic is not None and entry.topic != topic:
                continue
            if equipment is not None and equipment not in applies.equipment:
                continue
            if body_area is not None and body_area not in applies.body_area:
                continue
            if therapy is not None and therapy not in applies.therapy:
                continue
            if hours_since_onset is not None and applies.hours_since_onset is not None:
                if not applies.hours_since_onset.contains(hours_since_onset):
                    continue
            found.append(entry)
        return found

    def scores(self, text: str) -> Dict[str, float]:
        """BM25 score of every entry against ``text``, by entry id."""
        return {e.id: s for e, s in zip(self.entries, self._index.scores(_tokens(text)))}

    def search(self, text: str, among: Optional[Sequence[Entry]] = None, limit: int = 3) -> List[Match]:
        """Entries ranked by BM25 against ``text``, best first; ``among`` narrows the candidates."""
        scores = self._index.scores(_tokens(text))
        allowed = None if among is None else {e.id for e in among}
        hits = [
            Match(entry, score)
            for entry, score in zip(self.entries, scores)
            if score > 0 and (allowed is None or entry.id in allowed)
        ]
        hits.sort(key=lambda m: m.score, reverse=True)
        return hits[:limit]



def _alias_table(table: Dict[str, List[str]]) -> Dict[str, str]:
    """Every lowercase word for a thing, mapped to its canonical id ("qL" and "ql muscle" -> ...)."""
    return {
        alias.lower(): canonical
        for canonical, words in table.items()
        for alias in [canonical.replace("_", " "), *words]
    }


def _read_yaml(path: Path) -> object:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
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
