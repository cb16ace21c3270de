"""The guidance store: validated self-care guidance with sources, and queries over it.

The content lives as YAML in ``guidance/`` (one file per topic, plus ``vocabulary.yml`` and
``sources.yml``); its shape is :mod:`backcare.guidance_schema`, and :mod:`backcare.guidance_loader`
reads and checks it (``get_store()``: once, lazily). Search ranks with :mod:`backcare.bm25`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Mapping, Optional, Sequence, Tuple

from backcare.bm25 import BM25, tokens
from backcare.guidance_schema import KINDS, Entry, Source, Topic, Vocabulary


@dataclass(frozen=True)
class Match:
    """A search hit: the entry and its BM25 score."""

    entry: Entry
    score: float



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
        self._index = BM25([self._document(e) for e in self.entries])

    def _document(self, entry: Entry) -> List[str]:
        words = [entry.question, *entry.keywords, entry.advice]
        for kind in KINDS:
            for canonical in getattr(entry.applies_to, kind):
                words.extend(self._aliases_of(kind, canonical))
        # The question and keywords are what people ask; count them twice against the advice.
        words.extend([entry.question, *entry.keywords])
        return tokens(" ".join(words))

    def _aliases_of(self, kind: str, canonical: str) -> List[str]:
        return [alias for alias, value in self._aliases[kind].items() if value == canonical]

    def get(self, entry_id: str) -> Optional[Entry]:
        """The entry with this id, or None."""
        return self._by_id.get(entry_id)

    def depends_on_onset(self, entry: Entry) -> bool:
        """Whether the right answer depends on when the pain started (worth asking first)."""
        return entry.needs_onset or entry.id in self._fallbacks

    def is_fallback(self, entry: Entry) -> bool:
        """Whether ``entry`` is what its onset-dependent variants say when the onset is unknown ("it depends")."""
        return entry.id in self._fallbacks

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
        folded = " ".join(tokens(lowered))
        for alias, canonical in table.items():
            if " ".join(tokens(alias)) == folded:
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
        return {e.id: s for e, s in zip(self.entries, self._index.scores(tokens(text)))}

    def search(self, text: str, among: Optional[Sequence[Entry]] = None, limit: int = 3) -> List[Match]:
        """Entries ranked by BM25 against ``text``, best first; ``among`` narrows the candidates."""
        scores = self._index.scores(tokens(text))
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
