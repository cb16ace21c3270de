"""Deterministic red-flag matching: which warning signs a message mentions, and how urgent they are.

Pure spaCy, no Rasa: the NLU component in ``nlu/red_flags.py`` hands in the Doc that Rasa's
``SpacyNLP`` made, and the tests hand in Docs from ``spacy.blank("en")``. The patterns and words
come from ``guidance/safety/red_flags.yml`` (see its header for the pattern language).

How a message is read:

1. Every token gets a normalised lemma from spaCy's English lookup table, so the result does not
   depend on the pipeline or on letter case; contractions are spelled out ("n't" -> "not") and an
   unknown word one or two letters away from a listed key word is read as that word ("bladdder"),
   and a few listed misspellings that rule cannot reach ("feal", too short) as theirs.
2. The message is split into sentences and clauses (:mod:`nlu.clauses`, shared with the semantic
   layer), which scope negations and "it went away"; spaCy ``Matcher`` patterns on the lemmas
   find candidate mentions of each sign.
3. A mention is dropped when it is negated ("no fever", "I don't have any numbness"), when a
   sign's ``unless`` pattern is in its sentence (for an emergency sign: in its clause), when it
   is in the distant past or said to be over (unless the sign's history counts, like cancer), or
   when the sign's duration or age condition is not met, or when it is someone else's, told
   beside the writer's own milder back trouble. Uncertain wording ("not sure if", "no
   idea why") is not a negation: when in doubt, the sign counts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import cached_property, lru_cache
from typing import Dict, FrozenSet, List, Optional, Sequence, Set, Tuple

import spacy
from spacy.matcher import Matcher
from spacy.tokens import Doc

from backcare import english, quantities
from backcare.red_flag_data import RedFlagData, RedFlagDataError, Sign, Tier, get_red_flags
from nlu import clauses
from nlu.clauses import Clause

# Contractions as spaCy's tokenizer splits them ("can't" -> "ca" + "n't", "dont" -> "do" + "nt").
CONTRACTIONS = {
    "n't": "not", "nt": "not", "ca": "can", "wo": "will", "sha": "shall", "'m": "be", "'re": "be",
    "'s": "be", "'ve": "have", "'d": "would", "'ll": "will", "cannot": "can",
    # Texting spellings of "can't"/"don't" that the tokenizer keeps whole.
    "cnt": "not", "carnt": "not", "cannae": "not", "dnt": "not", "cudnt": "not", "didn": "not",
}

CONTRACTION_TAILS = frozenset({"n't", "nt", "'s", "'m", "'re", "'ve", "'d", "'ll", "n’t", "’s", "’m", "’re", "’ve"})

# An answer after the sign: "numbness? no", "fever - none".
TRAILING_DENIALS = frozenset({"no", "none", "nope", "nah", "negative", "never"})
# "since last year" and "for years" say how long something has lasted, not that it is over.
DURATION_LEADS = frozenset({"since", "for", "from", "over", "throughout"})
NEGATION_WINDOW = 6
# Misspellings: only words this long are corrected, by one letter (two from LONG_WORD letters on).
MIN_TYPO_LENGTH = 5
LONG_WORD = 11
MARKER_NEGATION_WINDOW = 2
MARKER_NEGATIONS = frozenset({"not", "never", "no"})


@dataclass(frozen=True)
class Hit:
    """One sign found in a message, with the character span of the words that mean it."""

    sign: str
    tier: Tier
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Finding:
    """What a message mentions: the most urgent tier and every sign found, in message order."""

    tier: Tier
    hits: Tuple[Hit, ...]

    @property
    def signs(self) -> Tuple[str, ...]:
        """The ids of the signs found."""
        return tuple(h.sign for h in self.hits)

    @classmethod
    def of(cls, hits: Sequence[Hit]) -> Optional[Finding]:
        """The finding for ``hits`` (any order), or None if there are none."""
        if not hits:
            return None
        ordered = tuple(sorted(hits, key=lambda h: h.start))
        return cls(max((h.tier for h in ordered), key=lambda t: t.rank), ordered)


@dataclass(frozen=True)
class _Element:
    """One token of a compiled pattern; ``values`` are lemmas (or lowercase forms if ``exact``)."""

    values: FrozenSet[str]
    exact: bool = False
    kind: str = "word"  # word, num or year

    def matches(self, lemma: str, lower: str, like_num: bool, shape: str) -> bool:
        if self.kind == "num":
            return like_num
        if self.kind == "year":
            return shape == "dddd"
        return (lower if self.exact else lemma) in self.values


@dataclass(frozen=True)
class _Compiled:
    """A pattern compiled for spaCy's Matcher, and where its key word is."""

    tokens: List[Dict]
    anchor: _Element
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


class Triage:
    """Finds red-flag signs in spaCy Docs, using patterns compiled from the red-flag data."""

    def __init__(self, data: RedFlagData) -> None:
        self.data = data
        self._nlp = spacy.blank("en")
        self._lemma_table = english.lemma_table()
        self._english = english.english_words()
        self._negation = frozenset(self._norm_word(w) for w in data.context.negation)
        self._not_negating = frozenset(self._norm_word(w) for w in data.context.not_negating)
        self._fuzzy_targets = self._typo_targets()
        self._misspellings = {w.lower(): self._norm_word(target) for w, target in data.misspellings.items()}
        # Words that put the writer back in a clause about someone else ("my husband says I can't pee").
        self._first_person = frozenset({"i", "me", "my", "myself", "im", "i'm", "mine"})
        self._matcher = Matcher(self._nlp.vocab)
        self._compiled: Dict[str, _Compiled] = {}
        for sign in data.signs:
            self._add(f"sign|{sign.id}", sign.patterns, sign.id)
            self._add(f"requires|{sign.id}", sign.requires, sign.id)
            self._add(f"unless|{sign.id}", sign.unless, sign.id)
        self._add("context|distant", data.context.distant_past, "context.distant_past")
        self._add("context|resolved", data.context.resolved, "context.resolved")
        self._add("context|other", data.context.someone_else, "context.someone_else")
        self._add("context|own", data.context.own_back, "context.own_back")
        self._add("context|animal", data.context.animal, "context.animal")

    # ---------------------------------------------------------------- compiling the patterns

    def _norm_word(self, word: str) -> str:
        lower = word.lower().replace("’", "'")
        return CONTRACTIONS.get(lower) or self._lemma_table.get(lower, lower)

    def _typo_targets(self) -> Dict[str, str]:
        """The words a misspelling may be read as, with their lemmas."""
        return {w.lower(): self._norm_word(w) for w in self.data.typo_targets}

    def _element(self, item: str, where: str) -> Tuple[_Element, bool, bool]:
        """Parse one pattern item into (element, optional?, anchor?)."""
        anchor = item.startswith("^")
        item = item.lstrip("^")
        optional = item.endswith("?") and len(item) > 1
        item = item[:-1] if optional else item
        if item in ("#num", "#year"):
            return _Element(frozenset(), kind=item[1:]), optional, anchor
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
            values.update(w.lower() if exact else self._norm_word(w) for w in words)
        return _Element(frozenset(values), exact=exact), optional, anchor

    def _compile(self, pattern: str, where: str) -> _Compiled:
        tokens: List[Dict] = []
        elements: List[Tuple[_Element, bool]] = []
        anchor_at: Optional[int] = None
        for item in pattern.split():
            gap = re.fullmatch(r"([*~])(\d)", item)
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
        return _Compiled(tokens, elements[index][0], index)

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
        normal = Doc(self._nlp.vocab, words=words, spaces=spaces, lemmas=lemmas)
        parts = clauses.split(doc)
        clause, sentence = clauses.numbering(parts, len(normal))
        spans: Spans = {}
        for match_id, start, end in self._matcher(normal):
            key = self._nlp.vocab.strings[match_id]
            spans.setdefault(key.rsplit("|", 1)[0], []).append((key, start, end))
        return Reading(normal, doc, lemmas, parts, clause, sentence, spans)

    def _anchor(self, toks: Reading, key: str, start: int, end: int) -> int:
        compiled = self._compiled[key]
        if compiled.anchor_index == 0:
            return start
        for i in range(start + 1, end):
            t = toks.doc[i]
            if compiled.anchor.matches(toks.lemmas[i], t.lower_, t.like_num, t.shape_):
                return i
        return start

    def _negated(self, toks: Reading, at: int, window: int = NEGATION_WINDOW,
                 cues: Optional[FrozenSet[str]] = None) -> bool:
        """Whether a negation word comes shortly before token ``at`` in the same clause."""
        cues = self._negation if cues is None else cues
        for j in range(at - 1, max(-1, at - window - 1), -1):
            if toks.clause[j] != toks.clause[at]:
                break
            if self._is_cue(toks, j, cues):
                return True
        return False

    def _is_cue(self, toks: Reading, j: int, cues: FrozenSet[str]) -> bool:
        """Whether token ``j`` is a negation word that negates ("no idea why" does not)."""
        following = toks.lemmas[j + 1] if j + 1 < len(toks.lemmas) else ""
        return toks.lemmas[j] in cues and following not in self._not_negating

    def _marker_negated(self, toks: Reading, at: int) -> bool:
        """"it hasn't gone away", "never went away": only a close "not", "never" or "no" counts.

        A wider reach would let "lost weight without trying when I was a student" cancel the
        "when I was a student". The "not sure" exceptions of a sign's negation do not apply here:
        "never stops" is no "stop" that says the pain is over, whatever "not stop peeing" means.
        """
        clause = toks.clause[at]
        for j in range(at - 1, max(-1, at - MARKER_NEGATION_WINDOW - 1), -1):
            if toks.clause[j] != clause:
                break
            if toks.lemmas[j] in MARKER_NEGATIONS:
                return True
        return False

    def _denied_after(self, toks: Reading, end: int) -> bool:
        """'numbness? no' and 'fever - none': a bare denial right after the mention."""
        i = end
        while i < len(toks.lemmas) and i < end + 2 and toks.doc[i].is_punct:
            i += 1
        if i >= len(toks.lemmas) or toks.lemmas[i] not in TRAILING_DENIALS:
            return False
        return i + 1 >= len(toks.lemmas) or toks.doc[i + 1].is_punct

    # ---------------------------------------------------------------- deciding

    def in_past(self, toks: Reading, at: int) -> bool:
        """Whether token ``at`` is in the distant past ("years ago") or said to be over ("it's gone now")."""
        clause, sentence, spans = toks.clause[at], toks.sentence[at], toks.spans
        for key, start, end in spans.get("context|distant", []):
            if toks.clause[start] != clause:
                continue
            if start > 0 and toks.lemmas[start - 1] in DURATION_LEADS:
                continue
            if not self._marker_negated(toks, self._anchor(toks, key, start, end)):
                return True
        for key, start, end in spans.get("context|resolved", []):
            if toks.sentence[start] != sentence or toks.clause[start] not in (clause, clause + 1):
                continue
            if not self._marker_negated(toks, self._anchor(toks, key, start, end)):
                return True
        return False

    def someone_elses(self, toks: Reading, span: Tuple[int, int, int]) -> bool:
        """Whether the mention is another person's, told beside the person's own milder back trouble.

        "My sister has had bladder leaks since her kids. I've only got a mild backache, which
        mattress?" asks about the writer's back: the sister's sign is background. The mention's
        clause must have another person as its subject (``someone_else``) with no "I", "me" or
        "my" after it up to the mention's end, and another clause must speak of the writer's own
        back as milder (``own_back``). Without that contrast, "my husband can't pee" escalates:
        someone may be asking for the person beside them. A pet's sign ("my dog wet himself"), with
        the pet as the clause's subject, never counts.
        """
        at, _, m_end = span
        clause = toks.clause[at]
        first_person = self._first_person
        for key in ("context|animal", "context|other"):
            for _, start, end in toks.spans.get(key, []):
                if toks.clause[start] != clause or start >= m_end:
                    continue
                if any(toks.doc[i].lower_ in first_person for i in range(end, min(m_end, len(toks.lemmas)))):
                    continue
                if key == "context|animal":
                    # Only as the clause's subject: "I came off a horse" is the writer's fall.
                    if start == clauses.words(toks.source, toks.clauses[clause]).start:
                        return True
                    continue
                return any(toks.clause[s] != clause and not self._about_other(toks, s)
                           for _, s, _ in toks.spans.get("context|own", []))
        return False

    def _about_other(self, toks: Reading, at: int) -> bool:
        """Whether token ``at``'s clause has another person as its subject before ``at``."""
        return any(toks.clause[s] == toks.clause[at] and s <= at for _, s, _ in toks.spans.get("context|other", []))

    def _vetoed(self, toks: Reading, sign: Sign, span: Tuple[int, int, int]) -> bool:
        """Whether an ``unless`` pattern rules the mention out.

        It must be in the mention's sentence, or for an emergency sign (when in doubt, escalate)
        overlap the mention or share its clause; a negated ``unless`` ("without dieting") does
        not count.
        """
        at, m_start, m_end = span
        for key, start, end in toks.spans.get(f"unless|{sign.id}", []):
            if sign.tier is Tier.EMERGENCY:
                near = start < m_end and m_start < end or toks.clause[start] == toks.clause[at]
            else:
                near = toks.sentence[start] == toks.sentence[at]
            if near and not self._negated(toks, self._anchor(toks, key, start, end)):
                return True
        return False

    @staticmethod
    def _conditions_met(toks: Reading, sign: Sign, at: int) -> bool:
        """A sign's ``requires``, ``min_weeks`` (in the mention's sentence) and ``age`` conditions."""
        if sign.requires and not toks.spans.get(f"requires|{sign.id}"):
            return False
        if sign.min_weeks is not None:
            weeks = sign.min_weeks
            if not any(toks.sentence[i] == toks.sentence[at] and w >= weeks for i, w in toks.durations):
                return False
        if sign.age is not None:
            if not any(sign.age.fits(a) for a in toks.ages):
                return False
        return True

    def stands(self, toks: Reading, sign: Sign, span: Tuple[int, int, int]) -> bool:
        """Whether a mention of ``sign`` survives the context rules both layers share.

        It must not be in the distant past or said to be over (unless the sign's history counts),
        not be someone else's told beside the writer's own milder trouble, not be ruled out by an
        ``unless`` pattern, and meet the sign's duration, age and ``requires`` conditions.
        Negation is the caller's part: the rule layer looks just before a pattern's key word, the
        semantic layer at the whole clause (:meth:`denies`).

        Args:
            toks: The message, from :meth:`read`.
            sign: The sign mentioned.
            span: (key token, first token, end token) of the mention.

        Returns:
            True if the mention counts.
        """
        at = span[0]
        if not sign.history_counts and self.in_past(toks, at):
            return False
        if self.someone_elses(toks, span):
            return False
        return not self._vetoed(toks, sign, span) and self._conditions_met(toks, sign, at)

    def denies(self, toks: Reading, start: int, end: int) -> bool:
        """Whether tokens ``start:end`` hold a negation ("no", "don't", "never") or are answered "no" after.

        The same negation words, and the same exceptions ("not sure", "no idea why"), as a rule
        mention's negation check.
        """
        return any(self._is_cue(toks, j, self._negation) for j in range(start, end)) or self._denied_after(toks, end)

    def read_text(self, text: str) -> Tuple[bool, bool]:
        """(:meth:`denies`, :meth:`in_past`) for the whole of ``text``, e.g. an exemplar phrasing."""
        toks = self.read(self._nlp.make_doc(text.lower()))
        return self.denies(toks, 0, len(toks.source)), bool(len(toks.source)) and self.in_past(toks, 0)

    def rule_hits(self, toks: Reading) -> List[Hit]:
        """The signs the patterns find, at most one hit per sign (its first mention that counts)."""
        doc, spans = toks.source, toks.spans
        hits: List[Hit] = []
        for sign in self.data.signs:
            candidates = sorted(spans.get(f"sign|{sign.id}", []), key=lambda m: (m[1], -m[2]))
            for key, start, end in candidates:
                at = self._anchor(toks, key, start, end)
                # A bare "no" after "I can't pee" agrees with it; it only denies a plain mention.
                denied = self._denied_after(toks, end) and not any(
                    lemma in self._negation for lemma in toks.lemmas[start:end]
                )
                if self._negated(toks, at) or denied:
                    continue
                if not self.stands(toks, sign, (at, start, end)):
                    continue
                # Show "can't pee", not "n't pee": take in the word a contraction hangs on.
                if start > 0 and toks.doc[start].lower_ in CONTRACTION_TAILS and not doc[start - 1].whitespace_:
                    start -= 1
                span = doc[start:min(end, len(doc))]
                hits.append(Hit(sign.id, sign.tier, span.start_char, span.end_char, span.text))
                break
        return hits

    def age_bound_signs(self, toks: Reading) -> List[str]:
        """Age-bound signs the message mentions while stating no age ("he's never had back pain").

        They count once the conversation knows an age in their range, said in an earlier turn
        ("my dad is 72"); the answering action, which knows the conversation, checks that.
        """
        if toks.ages:
            return []
        # The same reading, as if an age in every range had been stated.
        aged = replace(toks)
        aged.__dict__["ages"] = [float("-inf")]
        found = {h.sign for h in self.rule_hits(aged)}
        return [s.id for s in self.data.signs if s.age is not None and s.id in found]

    def detect(self, doc: Doc) -> Optional[Finding]:
        """The signs the patterns find in ``doc`` and their most urgent tier, or None if there are none."""
        if len(doc) == 0:
            return None
        return Finding.of(self.rule_hits(self.read(doc)))

    def detect_text(self, text: str) -> Optional[Finding]:
        """Like :meth:`detect`, tokenising ``text`` (lowercased, as Rasa's SpacyNLP does) itself."""
        return self.detect(self._nlp.make_doc(text.lower()))


@lru_cache(maxsize=None)
def get_triage() -> Triage:
    """A Triage for the repository's red-flag data, built on first use and then shared."""
    return Triage(get_red_flags())
