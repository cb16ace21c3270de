"""The semantic red-flag layer: which sign a clause means, by cosine to exemplar phrasings.

The rule matcher (:mod:`nlu.triage`) is precise but only knows the words its patterns list; this
layer catches the same signs said in other words ("my wee won't come", "numb where I'd sit on a
bike saddle"). Every sign in ``red_flags.yml`` has a bank of exemplar phrasings, and there is one
bank of near-misses (denials, figures of speech, harmless uses of the same words). A clause fires
a sign when its best cosine to the sign's bank reaches the tier's threshold and beats its best
cosine to the near-miss bank by the tier's margin. For an emergency or urgent sign, the exemplars
of the less urgent signs count as near-misses too: "tingling down one leg to my toes" is
one-sided sciatica (see a doctor soon) and must be clearly closer to the "both legs" phrasings
than to it before it is called an emergency.

Sentence embeddings barely notice a "not" ("I have a fever" and "I don't have a fever" are
close), so negation is decided by the rule layer's own negation words (:meth:`Triage.denies`): a
clause that denies something is only compared with exemplars that deny something too. "No fever"
cannot match "running a fever", while "I can't pee" still matches "can't wee", whose sign is
itself a "can't". Likewise a near-miss that is over ("I had a fever but it went away") only
counts against a clause that is over. A hit then goes through the context rules of the rule
layer (:meth:`Triage.stands`: distant past, "it went away", the sign's ``unless`` patterns,
duration and age conditions).

Exemplar vectors are computed once, when the matcher is built; a message's clauses, and each of
its sentences of several clauses, are encoded together in one call.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from backcare.encoder import SentenceEncoder, get_encoder
from backcare.red_flag_data import RedFlagData, Sign
from nlu import clauses
from nlu.clauses import Clause
from nlu.triage import Hit, Triage, get_triage
from nlu.triage_patterns import Reading

# Below any cosine the encoder gives: "no exemplar said this way".
NO_MATCH = -1.0
# Exemplars are encoded in batches of similar length: one batch of all of them pads every text to
# the longest and takes twice as long at start-up.
EXEMPLAR_BATCH = 32


@dataclass(frozen=True)
class Candidate:
    """How close one clause comes to one sign, before thresholds and context rules."""

    sign: Sign
    clause: Clause
    score: float
    near_miss: float  # best cosine to a near-miss or to an exemplar of a less urgent sign

    def fires(self, threshold: float, margin: float) -> bool:
        """Whether the clause is close enough to the sign, and clearly closer than to any near-miss."""
        return self.score >= threshold and self.score - self.near_miss >= margin


class _Bank:
    """Unit vectors of some phrasings, with whether each one denies something or is over."""

    def __init__(self, vectors: np.ndarray, denies: np.ndarray, over: np.ndarray) -> None:
        self.vectors = vectors
        self.denies = denies
        self.over = over


class SemanticMatcher:
    """Finds red-flag signs in clauses by meaning.

    Args:
        data: The red-flag data: signs with ``exemplars``, ``near_misses`` and ``semantic`` settings.
        triage: The rule matcher whose negation and context rules this layer shares.
        encoder: The shared sentence encoder.
    """

    def __init__(self, data: RedFlagData, triage: Triage, encoder: SentenceEncoder) -> None:
        self.data = data
        self._triage = triage
        self._encoder = encoder
        texts = [e for sign in data.signs for e in sign.exemplars]
        # Exemplars are grouped by sign, so a per-sign best is one reduceat over these offsets.
        sizes = [len(sign.exemplars) for sign in data.signs]
        self._offsets = np.cumsum([0, *sizes[:-1]])
        vectors = _encode_batched(encoder, texts + list(data.near_misses))
        read = np.array([triage.read_text(t) for t in texts + list(data.near_misses)], dtype=bool)
        n = len(texts)
        self._signs = _Bank(vectors[:n], read[:n, 0], read[:n, 1])
        self._near = _Bank(vectors[n:], read[n:, 0], read[n:, 1])
        ranks = np.array([s.tier.rank for s in data.signs])
        self._less_urgent = {rank: ranks < rank for rank in set(ranks.tolist())}

    def fires(self, candidate: Candidate) -> bool:
        """Whether a candidate reaches its tier's threshold and margin (context rules aside)."""
        setting = self.data.semantic.thresholds[candidate.sign.tier]
        return candidate.fires(setting.threshold, setting.margin)

    def clause_texts(self, reading: Reading) -> List[Tuple[Clause, str]]:
        """The clauses (and multi-clause sentences) of a message that are compared with the banks."""
        parts = [(c, clauses.text(reading.source, c)) for c in spans(reading.clauses)]
        return [(c, t) for c, t in parts if any(ch.isalpha() for ch in t)]

    def candidates(self, reading: Reading) -> List[Candidate]:
        """Every (clause, sign) pair of the message with its scores, in clause order.

        Args:
            reading: The message as the rule matcher read it (:meth:`Triage.read`).

        Returns:
            One candidate per sign for each clause that has words in it.
        """
        parts = self.clause_texts(reading)
        if not parts:
            return []
        vectors = self._encoder.encode([t for _, t in parts])
        sign_cos = vectors @ self._signs.vectors.T
        near_cos = vectors @ self._near.vectors.T
        rows = []
        for row, (clause, _) in enumerate(parts):
            denies = self._triage.denies(reading, clause.start, clause.end)
            over = self._triage.in_past(reading, clause.start)
            same_way = np.where(self._signs.denies == denies, sign_cos[row], NO_MATCH)
            # A near-miss that is harmless because it is over ("my legs were numb last year") says
            # nothing about a clause in the present ("my legs are numb"); the context rules deal
            # with clauses that are over.
            near = near_cos[row][(self._near.denies == denies) & (self._near.over == over)]
            rows.append((np.maximum.reduceat(same_way, self._offsets), float(near.max()) if near.size else NO_MATCH))
        out: List[Candidate] = []
        for (clause, _), (per_sign, near_best) in zip(parts, rows):
            # A whole sentence must also be clearly closer to the sign than any of its clauses is
            # to a near-miss: "my foot is fine, the pain is in my lower back" is not about a foot.
            near_best = max([near_best, *(n for (c, _), (_, n) in zip(parts, rows)
                                          if c != clause and clause.start <= c.start and c.end <= clause.end)])
            # What each tier has to beat: the near-misses and every less urgent sign.
            beat = {rank: max([near_best, *per_sign[less]]) for rank, less in self._less_urgent.items()}
            out += [
                Candidate(s, clause, float(v), float(beat[s.tier.rank])) for s, v in zip(self.data.signs, per_sign)
            ]
        return out

    def stands(self, reading: Reading, candidate: Candidate) -> bool:
        """Whether the rule layer's context rules leave a semantic hit standing (see :meth:`Triage.stands`)."""
        clause = candidate.clause
        return self._triage.stands(reading, candidate.sign, (clause.start, clause.start, clause.end))

    def hits(self, reading: Reading, rule_hits: Sequence[Hit] = ()) -> List[Hit]:
        """The signs the message means: at most one per clause, the most urgent that fires and stands.

        A clause in which the rule layer already found a sign only gets a semantic hit of a more
        urgent tier: the patterns read that clause more precisely, but a sign they missed there
        ("I've a fever and my wee won't come") must still escalate.

        Args:
            reading: The message as the rule matcher read it.
            rule_hits: What the rule layer found in it.

        Returns:
            One hit per sign, on its closest clause, in no particular order.
        """
        best_in_clause: Dict[Clause, Candidate] = {}
        for c in self.candidates(reading):
            current = best_in_clause.get(c.clause)
            # When in doubt about an emergency sign, escalate: the most urgent sign that fires wins.
            better = current is None or (c.sign.tier.rank, c.score) > (current.sign.tier.rank, current.score)
            if better and self.fires(c) and self.stands(reading, c):
                best_in_clause[c.clause] = c
        best: Dict[str, Candidate] = {}
        for clause, c in best_in_clause.items():
            span = clauses.words(reading.source, clause)
            ruled = [h.tier.rank for h in rule_hits if h.start < span.end_char and span.start_char < h.end]
            if ruled and c.sign.tier.rank <= max(ruled):
                continue
            if c.sign.id not in best or c.score > best[c.sign.id].score:
                best[c.sign.id] = c
        return [self._hit(reading, c) for c in best.values()]

    @staticmethod
    def _hit(reading: Reading, c: Candidate) -> Hit:
        span = clauses.words(reading.source, c.clause)
        return Hit(c.sign.id, c.sign.tier, span.start_char, span.end_char, span.text)


def spans(parts: Sequence[Clause]) -> List[Clause]:
    """The clauses, then each sentence of two or more clauses whole.

    A split can cut a sign in two ("I keep needing to go | but nothing comes"; "six kilos
    lighter | though I eat as normal"): neither half says it, the sentence does. The clauses
    still count alone, so a sign is not averaged away in a long sentence either.
    """
    by_sentence: Dict[int, List[Clause]] = {}
    for clause in parts:
        by_sentence.setdefault(clause.sentence, []).append(clause)
    whole = [Clause(group[0].start, group[-1].end, number)
             for number, group in by_sentence.items() if len(group) > 1]
    return [*parts, *whole]


def _encode_batched(encoder: SentenceEncoder, texts: List[str]) -> np.ndarray:
    """``encoder.encode(texts)``, in batches of texts of about the same length."""
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    vectors = np.zeros((len(texts), encoder.dimensions), dtype=np.float32)
    for start in range(0, len(order), EXEMPLAR_BATCH):
        batch = order[start:start + EXEMPLAR_BATCH]
        vectors[batch] = encoder.encode([texts[i] for i in batch])
    return vectors


@lru_cache(maxsize=None)
def get_semantic(triage: Optional[Triage] = None) -> SemanticMatcher:
    """The semantic matcher for the repository's red-flag data, built on first use and then shared."""
    rules = triage or get_triage()
    return SemanticMatcher(rules.data, rules, get_encoder())
