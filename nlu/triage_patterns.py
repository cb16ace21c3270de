"""The red-flag pattern language: compiled for spaCy's ``Matcher``, and a message read with it.

The patterns and words come from ``guidance/safety/red_flags.yml`` (its header describes the
language: ``@class`` word classes, ``=exact`` forms, ``a|b`` alternatives, ``word?`` optional,
``*3``/``~3`` gaps, ``^key`` words, ``#num``/``#year``). :class:`Patterns` compiles them once and
reads a message into a :class:`Reading`: normalised lemmas (contractions spelled out, misspelt
key words corrected), clause and sentence numbers, and every pattern match. What the matches
mean (negation, history, someone else's sign) is decided by :mod:`nlu.triage`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from typing import Dict, FrozenSet, List, Optional, Sequence, Set, Tuple

import spacy
from spacy.matcher import Matcher
from spacy.tokens import Doc

from backcare import english, quantities
from backcare.red_flag_data import RedFlagData, RedFlagDataError
from nlu import clauses
from nlu.clauses import Clause

# Contractions as spaCy's tokenizer splits them ("can't" -> "ca" + "n't", "dont" -> "do" + "nt").
CONTRACTIONS = {
    "n't": "not", "nt": "not", "ca": "can", "wo": "will", "sha": "shall", "'m": "be", "'re": "be",
    "'s": "be", "'ve": "have", "'d": "would", "'ll": "will", "cannot": "can",
    # "theyre", "hes", "im", "ive" without the apostrophe: the tokenizer splits them the same way.
    "re": "be", "s": "be", "m": "be", "ve": "have", "ll": "will",
    # Texting spellings of "can't"/"don't" that the tokenizer keeps whole.
    "cnt": "not", "carnt": "not", "cannae": "not", "dnt": "not", "cudnt": "not", "didn": "not",
}

# Misspellings: only words this long are corrected, by one letter (two from LONG_WORD letters on).
MIN_TYPO_LENGTH = 5
LONG_WORD = 11


@dataclass(frozen=True)
class Element:
    """One token of a compiled pattern; ``values`` are lemmas (or lowercase forms if ``exact``)."""

    values: FrozenSet[str]
    exact: bool = False
    kind: str = "word"  # word, num or year

    def matches(self, lemma: str, lower: str, like_num: bool, shape: str) -> bool:
        """Whether a token with these attributes is this element."""
        if self.kind == "num":
            return like_num
        if self.kind == "year":
            return shape == "dddd"
        return (lower if self.exact else lemma) in self.values


@dataclass(frozen=True)
class Compiled:
    """A pattern compiled for spaCy's Matcher, and where its key word is."""

    tokens: List[Dict]
    anchor: Element
    anchor_index: int


Spans = Dict[str, List[Tuple[str, int, int]]]


@dataclass
class Reading:
    """A message read for matching: normalised lemmas, clause/sentence numbers per token, pattern matches.

    ``doc`` is the normalised copy the patterns run on (one closing full stop more than
    ``source``, the Doc handed in); token indices are the same in both. ``spans`` holds every
    pattern match by group ("sign|fever", "unless|fever", "context|distant") as (key, start, end).
    """

    doc: Doc
    source: Doc
    lemmas: List[str]
    clauses: List[Clause]
    clause: List[int]
    sentence: List[int]
    spans: Spans

    @cached_property
    def durations(self) -> List[Tuple[int, float]]:
        """(token index, weeks) of every duration stated; worked out only if a sign needs it."""
        return quantities.durations([t.lower_ for t in self.doc], self.lemmas)

    @cached_property
    def ages(self) -> List[float]:
        """Every age stated; worked out only if a sign needs it."""
        return quantities.ages([t.lower_ for t in self.doc], self.lemmas)


def _collapse_repeats(word: str) -> str:
    """'numbbbb' -> 'numbb', 'sooooo' -> 'soo': people stretch words; three of a letter never helps."""
    return re.sub(r"(.)\1{2,}", r"\1\1", word)


class Patterns:
    """The red-flag data's patterns compiled for spaCy's Matcher, and the word normalisation they run on.

    Raises:
        RedFlagDataError: A pattern cannot be compiled; the message names the sign or context
            list and the pattern.
    """

    def __init__(self, data: RedFlagData) -> None:
        self.data = data
        self.nlp = spacy.blank("en")
        self._lemma_table = english.lemma_table()
        self._english = english.english_words()
        self._fuzzy_targets = self._typo_targets()
        self._misspellings = {w.lower(): self.norm_word(target) for w, target in data.misspellings.items()}
        self._matcher = Matcher(self.nlp.vocab)
        self._compiled: Dict[str, Compiled] = {}
        for sign in data.signs:
            self._add(f"sign|{sign.id}", sign.patterns, sign.id)
            self._add(f"requires|{sign.id}", sign.requires, sign.id)
            self._add(f"unless|{sign.id}", sign.unless, sign.id)
        self._add("context|distant", data.context.distant_past, "context.distant_past")
        self._add("context|resolved", data.context.resolved, "context.resolved")
        self._add("context|other", data.context.someone_else, "context.someone_else")
        self._add("context|own", data.context.own_back, "context.own_back")
        self._add("context|own_plain", data.context.own_back_plain, "context.own_back_plain")
        self._add("context|theirs", data.context.their_back, "context.their_back")
        self._add("context|animal", data.context.animal, "context.animal")
        self._add("context|hypothetical", data.context.hypothetical, "context.hypothetical")

    # ---------------------------------------------------------------- compiling the patterns

    def norm_word(self, word: str) -> str:
        """A listed word as the patterns see it: lowercase, contraction spelled out, lemmatised."""
        lower = word.lower().replace("’", "'")
        return CONTRACTIONS.get(lower) or self._lemma_table.get(lower, lower)

    def _typo_targets(self) -> Dict[str, str]:
        """The words a misspelling may be read as, with their lemmas."""
        return {w.lower(): self.norm_word(w) for w in self.data.typo_targets}

    def _element(self, item: str, where: str) -> Tuple[Element, bool, bool]:
        """Parse one pattern item into (element, optional?, anchor?)."""
        anchor = item.startswith("^")
        item = item.lstrip("^")
        optional = item.endswith("?") and len(item) > 1
        item = item[:-1] if optional else item
        if item in ("#num", "#year"):
            return Element(frozenset(), kind=item[1:]), optional, anchor
        exact = item.startswith("=")
        values: Set[str] = set()
        for alt in item.lstrip("=").split("|"):
            if not alt:
                raise RedFlagDataError(f"{where}: empty alternative in {item!r}")
            if alt.startswith("@"):
                words = self.data.word_classes.get(alt[1:])
                if words is None:
                    raise RedFlagDataError(f"{where}: unknown word class {alt!r}")
            else:
                words = [alt]
            values.update(w.lower() if exact else self.norm_word(w) for w in words)
        return Element(frozenset(values), exact=exact), optional, anchor

    def _compile(self, pattern: str, where: str) -> Compiled:
        tokens: List[Dict] = []
        elements: List[Tuple[Element, bool]] = []
        anchor_at: Optional[int] = None
        for item in pattern.split():
            gap = re.fullmatch(r"([*~])(\d)", item)
            # "~10" would otherwise be read as a word and the pattern would never match.
            if not gap and re.fullmatch(r"[*~]\d+", item):
                raise RedFlagDataError(f"{where}: gap {item!r} in {pattern!r} is longer than 9 words")
            if gap:
                if not elements:
                    raise RedFlagDataError(f"{where}: {pattern!r} may not start with a gap")
                filler = {"IS_SPACE": False, "OP": "?"}
                if gap.group(1) == "*":
                    filler["IS_PUNCT"] = False
                tokens += [dict(filler) for _ in range(int(gap.group(2)))]
                continue
            element, optional, is_anchor = self._element(item, where)
            if not elements and optional:
                raise RedFlagDataError(f"{where}: {pattern!r} may not start with an optional word")
            if is_anchor:
                anchor_at = len(elements)
            spec: Dict = {"LIKE_NUM": True} if element.kind == "num" else (
                {"SHAPE": "dddd"} if element.kind == "year" else
                {"LOWER" if element.exact else "LEMMA": {"IN": sorted(element.values)}})
            if optional:
                spec["OP"] = "?"
            tokens.append(spec)
            elements.append((element, optional))
        if not elements:
            raise RedFlagDataError(f"{where}: empty pattern")
        index = anchor_at or 0
        return Compiled(tokens, elements[index][0], index)

    def _add(self, key_prefix: str, patterns: Sequence[str], where: str) -> None:
        for i, pattern in enumerate(patterns):
            key = f"{key_prefix}|{i}"
            compiled = self._compile(pattern, where)
            self._compiled[key] = compiled
            self._matcher.add(key, [compiled.tokens])

    # ---------------------------------------------------------------- reading a message

    def lemma_of(self, text: str) -> str:
        """The lemma the patterns see for a word: contractions spelled out, misspelt key words corrected."""
        lower = _collapse_repeats(text.lower().replace("’", "'"))
        if lower in CONTRACTIONS:
            return CONTRACTIONS[lower]
        if lower in self._misspellings:
            return self._misspellings[lower]
        lemma = self._lemma_table.get(lower)
        if lemma is not None:
            return lemma
        known = lower in self._english or lower in self._fuzzy_targets
        if not known and lower.endswith("in") and len(lower) >= MIN_TYPO_LENGTH:
            # A dropped g ("dribblin", "peein", "tinglin") is the -ing word.
            spelt = lower + "g"
            if spelt in self._english or spelt in self._lemma_table:
                return self._lemma_table.get(spelt, spelt)
        if known or not lower.isalpha() or len(lower) < MIN_TYPO_LENGTH:
            return lower
        limit = 1 if len(lower) < LONG_WORD else 2
        target = english.closest(lower, self._fuzzy_targets, limit)
        return self._fuzzy_targets[target] if target else lower

    def read(self, doc: Doc) -> Reading:
        """Normalise ``doc``, split it into clauses and find every pattern match, once for both layers."""
        words = [t.text for t in doc]
        lemmas = [self.lemma_of(w) for w in words]
        spaces = [bool(t.whitespace_) for t in doc]
        # A closing full stop lets patterns see the end of the message ("... but it's gone").
        words.append(".")
        lemmas.append(".")
        spaces.append(False)
        normal = Doc(self.nlp.vocab, words=words, spaces=spaces, lemmas=lemmas)
        parts = clauses.split(doc)
        clause, sentence = clauses.numbering(parts, len(normal))
        spans: Spans = {}
        for match_id, start, end in self._matcher(normal):
            key = self.nlp.vocab.strings[match_id]
            spans.setdefault(key.rsplit("|", 1)[0], []).append((key, start, end))
        return Reading(normal, doc, lemmas, parts, clause, sentence, spans)

    def anchor(self, toks: Reading, key: str, start: int, end: int) -> int:
        """The token of a match ``key`` over ``start:end`` that its pattern marks as the key word (``^``)."""
        compiled = self._compiled[key]
        if compiled.anchor_index == 0:
            return start
        for i in range(start + 1, end):
            t = toks.doc[i]
            if compiled.anchor.matches(toks.lemmas[i], t.lower_, t.like_num, t.shape_):
                return i
        return start
