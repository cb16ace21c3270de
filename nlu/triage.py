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

Steps 1 and 2, and the compiler of the pattern language, are :mod:`nlu.triage_patterns`; this
module decides step 3.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache
from typing import FrozenSet, List, Optional, Sequence, Tuple

from spacy.tokens import Doc

from backcare.red_flag_data import RedFlagData, Sign, Tier, get_red_flags
from nlu import clauses
from nlu.triage_patterns import Patterns, Reading

CONTRACTION_TAILS = frozenset({"n't", "nt", "'s", "'m", "'re", "'ve", "'d", "'ll", "n’t", "’s", "’m", "’re", "’ve"})

# An answer after the sign: "numbness? no", "fever - none".
TRAILING_DENIALS = frozenset({"no", "none", "nope", "nah", "negative", "never"})
# "since last year" and "for years" say how long something has lasted, not that it is over.
DURATION_LEADS = frozenset({"since", "for", "from", "over", "throughout"})
NEGATION_WINDOW = 6
# With a hypothetical "if" (context.hypothetical), these make a sentence imagine a sign.
CONDITIONALS = frozenset({"would", "could", "wd", "might"})
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


class Triage:
    """Finds red-flag signs in spaCy Docs, using patterns compiled from the red-flag data."""

    def __init__(self, data: RedFlagData) -> None:
        self.data = data
        self.patterns = Patterns(data)
        self._nlp = self.patterns.nlp
        self._negation = frozenset(self.patterns.norm_word(w) for w in data.context.negation)
        self._not_negating = frozenset(self.patterns.norm_word(w) for w in data.context.not_negating)
        # Words that put the writer back in a clause about someone else ("my husband says I can't pee").
        self._first_person = frozenset({"i", "me", "my", "myself", "im", "i'm", "mine"})

    def read(self, doc: Doc) -> Reading:
        """Normalise ``doc``, split it into clauses and find every pattern match, once for both layers."""
        return self.patterns.read(doc)

    # ---------------------------------------------------------------- negation

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
            if not self._marker_negated(toks, self.patterns.anchor(toks, key, start, end)):
                return True
        for key, start, end in spans.get("context|resolved", []):
            if toks.sentence[start] != sentence or toks.clause[start] not in (clause, clause + 1):
                continue
            if not self._marker_negated(toks, self.patterns.anchor(toks, key, start, end)):
                return True
        return False

    def hypothetical(self, toks: Reading, at: int) -> bool:
        """Whether token ``at``'s sentence imagines the sign: "if my legs went numb, would I need A&E?".

        Only an "if" with a past-tense verb ("if I lost", "if my legs went") in a sentence with
        "would"/"could": "would it be bad if I can't feel my bum?" tells a sign that is there.
        """
        sentence = toks.sentence[at]
        if not any(toks.sentence[s] == sentence for _, s, _ in toks.spans.get("context|hypothetical", [])):
            return False
        return any(toks.sentence[t.i] == sentence and t.lower_ in CONDITIONALS for t in toks.source)

    def someone_elses(self, toks: Reading, span: Tuple[int, int, int]) -> bool:
        """Whether the mention is another person's, told beside the person's own milder back trouble.

        "My sister has had bladder leaks since her kids. I've only got a mild backache, which
        mattress?" and "my mum fell off a ladder; helping her has hurt my back" ask about the
        writer's back: the other person's sign is background. The mention's clause must have
        another person as its subject (``someone_else``) with no "I", "me" or "my" after it up to
        the mention's end, and the writer must speak of their own back in another clause, or
        later in the same one ("my son pooed himself and changing him hurts my back"): as milder
        (``own_back``), or in any words (``own_back_plain``) when the other person's own back
        pain is not told too ("his back is in agony", ``their_back``). Without that, "my husband
        can't pee" escalates: someone may be asking for the person beside them. A pet's sign ("my
        dog wet himself"), with the pet as the clause's subject, never counts.
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
                own = list(toks.spans.get("context|own", []))
                if not toks.spans.get("context|theirs"):
                    own += toks.spans.get("context|own_plain", [])
                return any((toks.clause[s] != clause and not self._about_other(toks, s)) or s >= m_end
                           for _, s, _ in own)
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
            if near and not self._negated(toks, self.patterns.anchor(toks, key, start, end)):
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
        if self.hypothetical(toks, at):
            return False
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
                at = self.patterns.anchor(toks, key, start, end)
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
        """Age-bound signs the message mentions, whatever age it states ("he's never had back pain").

        They count once the conversation knows an age in their range, said in an earlier turn
        ("my dad is 72") or a later one, which may correct the age this message states ("my son
        is 25 ...", then "sorry, he's 15"); the answering action, which knows the conversation,
        checks that.
        """
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
