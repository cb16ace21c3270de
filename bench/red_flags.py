"""Red-flag detector: choose the semantic thresholds on a dev split and measure both layers.

Usage: ``python -m bench.red_flags [--write] [--csv PATH ...]``.

The committed table ``tests/data/red_flags.csv`` is split in two halves, stratified by sign (rows
sorted by a hash of their text, alternating): thresholds are chosen on the dev half only, and the
figures are printed for the dev half, the other half and the whole table, for the rules alone,
the semantic layer alone and both. For each tier and margin, the threshold is the lowest one at
which the tier's signs escalate none of the dev rows below that tier (near-misses and less urgent
signs); of those pairs, the one that finds most of the tier's dev rows is chosen (ties: the wider
margin). ``--write`` puts the choice into ``guidance/safety/red_flags.yml``.

``--csv PATH`` (any file of ``text,tier,sign,entry_ids`` rows, as the dev and held-out red-flag
sets) also prints, with the thresholds in red_flags.yml, recall per tier, near-miss calm and calm
and answered for each layer alone and both; "answered" is the guidance ranker's first entry for
the message without its sign clauses (as the component ranks it) being one the row names.

Latency is the time the component's ``detect`` (rules, clause split, one encoder call, semantic
matching) takes per message, on messages the encoder has not seen before, after the exemplar
vectors were computed at load, as in the Rasa server.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import os
import re
import sys
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np
import spacy
from spacy.language import Language
from spacy.tokens import Doc

from backcare.encoder import get_encoder
from backcare.red_flag_data import RED_FLAGS_FILE, Tier
from bench.common import REPO
from nlu.red_flags import RedFlagDetector
from nlu.semantic import SemanticMatcher
from nlu.triage import Triage

TABLE = REPO / "tests" / "data" / "red_flags.csv"
RANK = {"none": 0, "soon": 1, "urgent": 2, "emergency": 3}
TIERS = ("emergency", "urgent", "soon")
# Unrelated sentences already reach cosines of 0.3-0.4 with this encoder: a hit needs more than that.
THRESHOLDS = np.round(np.arange(0.50, 0.96, 0.01), 2)
MARGINS = tuple(np.round(np.arange(0.0, 0.251, 0.01), 2))
# Below this cosine a candidate can fire at no threshold tried, so its context rules are skipped.
FLOOR = float(THRESHOLDS[0])


@dataclass(frozen=True)
class Row:
    text: str
    tier: str
    sign: str
    entry_ids: Tuple[str, ...] = ()


@dataclass
class Scored:
    """One table row: the rule layer's tier and every semantic candidate that could fire."""

    row: Row
    rule_rank: int
    # (tier rank, score, near-miss score) of candidates whose context rules leave them standing.
    candidates: List[Tuple[int, float, float]]


def read_rows(path: Path = TABLE) -> List[Row]:
    """The rows of a red-flag CSV (``text,tier,sign[,entry_ids]``; entry ids split on ``;``)."""
    with path.open(newline="", encoding="utf-8") as handle:
        return [Row(r["text"], r["tier"], r["sign"] or "", tuple(i for i in (r.get("entry_ids") or "").split(";") if i))
                for r in csv.DictReader(handle)]


def split(rows: Sequence[Row]) -> Tuple[List[Row], List[Row]]:
    """(dev, held-out): within each sign (near-misses are one group) alternate rows in hash order."""
    groups: Dict[str, List[Row]] = defaultdict(list)
    for row in rows:
        groups[row.sign].append(row)
    dev: List[Row] = []
    rest: List[Row] = []
    for group in groups.values():
        ordered = sorted(group, key=lambda r: hashlib.sha1(r.text.encode()).hexdigest())
        dev += ordered[0::2]
        rest += ordered[1::2]
    return dev, rest


def pipeline() -> Language:
    """The project's spaCy pipeline, as Rasa's SpacyNLP loads it (blank English if not built)."""
    built = REPO / "spacy_model"
    if (built / "meta.json").exists():
        return spacy.load(built)
    nlp = spacy.blank("en")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()
    return nlp


def score(rows: Sequence[Row], nlp: Language, triage: Triage, semantic: SemanticMatcher) -> List[Scored]:
    out = []
    for row in rows:
        reading = triage.read(nlp(row.text.lower()))
        rule_hits = triage.rule_hits(reading)
        rule_rank = max((h.tier.rank for h in rule_hits), default=0)
        standing = [
            (c.sign.tier.rank, c.score, c.near_miss)
            for c in semantic.candidates(reading)
            if c.score >= FLOOR and semantic.stands(reading, c)
        ]
        out.append(Scored(row, rule_rank, standing))
    return out


# (threshold, margin) per tier rank.
Settings = Dict[int, Tuple[float, float]]


def semantic_rank(s: Scored, settings: Settings, only: Optional[int] = None) -> int:
    """The most urgent tier the semantic layer escalates the row to (0: none); ``only``: that tier's signs."""
    ranks = [
        rank for rank, cos, near in s.candidates
        if (only is None or rank == only) and rank in settings
        and cos >= settings[rank][0] and cos - near >= settings[rank][1]
    ]
    return max(ranks, default=0)


def choose(dev: Sequence[Scored]) -> Settings:
    """Per tier, the threshold and margin the module docstring describes."""
    chosen: Settings = {}
    for rank in (3, 2, 1):
        below = [s for s in dev if RANK[s.row.tier] < rank]
        own = [s for s in dev if RANK[s.row.tier] == rank]
        best: Optional[Tuple[int, float, float]] = None
        for margin in MARGINS:
            calm = [float(t) for t in THRESHOLDS
                    if all(semantic_rank(s, {rank: (float(t), float(margin))}, only=rank) == 0 for s in below)]
            if not calm:
                continue
            found = {t: sum(semantic_rank(s, {rank: (t, float(margin))}, only=rank) > 0 for s in own) for t in calm}
            top = max(found.values())
            # The middle of the thresholds that find as many dev rows as the lowest calm one: as far
            # from the dev near-misses as from the dev red flags, rather than on the edge of either.
            plateau = [t for t in calm if found[t] == top]
            middle = float(np.floor((plateau[0] + plateau[-1]) / 2 * 100) / 100)
            # Ties go to the wider margin: the same recall with more room from the near-misses.
            if best is None or top >= best[0]:
                best = (top, middle, float(margin))
        chosen[rank] = (best[1], best[2]) if best else (1.0, 0.0)
    return chosen


def figures(scored: Sequence[Scored], ranks: Sequence[int]) -> Dict[str, float]:
    """Recall per tier (escalated at least that urgently), exact tier, near-miss calm, precision."""
    out: Dict[str, float] = {}
    for tier in TIERS:
        pairs = [(s, r) for s, r in zip(scored, ranks) if s.row.tier == tier]
        out[f"recall_{tier}"] = sum(r >= RANK[tier] for _, r in pairs) / max(len(pairs), 1)
        out[f"exact_{tier}"] = sum(r == RANK[tier] for _, r in pairs) / max(len(pairs), 1)
    near = [r for s, r in zip(scored, ranks) if s.row.tier == "none"]
    out["calm"] = sum(r == 0 for r in near) / max(len(near), 1)
    escalated = [s for s, r in zip(scored, ranks) if r > 0]
    out["precision"] = sum(s.row.tier != "none" for s in escalated) / max(len(escalated), 1)
    return out


def report(name: str, scored: Sequence[Scored], settings: Settings) -> None:
    rules = [s.rule_rank for s in scored]
    semantic = [semantic_rank(s, settings) for s in scored]
    both = [max(a, b) for a, b in zip(rules, semantic)]
    counts = {t: sum(s.row.tier == t for s in scored) for t in (*TIERS, "none")}
    print(f"\n{name}: {len(scored)} rows ({', '.join(f'{t} {n}' for t, n in counts.items())})")
    print(f"  {'layer':<10}" + "".join(f"{'recall ' + t:>18}" for t in TIERS)
          + "".join(f"{'exact ' + t:>17}" for t in TIERS) + f"{'calm':>8}{'precision':>11}")
    for layer, ranks in (("rules", rules), ("semantic", semantic), ("both", both)):
        f = figures(scored, ranks)
        print(f"  {layer:<10}" + "".join(f"{f['recall_' + t]:>18.1%}" for t in TIERS)
              + "".join(f"{f['exact_' + t]:>17.1%}" for t in TIERS) + f"{f['calm']:>8.1%}{f['precision']:>11.1%}")


def tier_figures(dev: Sequence[Scored], settings: Settings) -> Dict[int, Tuple[float, float]]:
    """(recall, precision) of each tier's signs alone on the dev half: what red_flags.yml records."""
    out = {}
    for rank in (3, 2, 1):
        fired = [s for s in dev if semantic_rank(s, settings, only=rank) > 0]
        own = [s for s in dev if RANK[s.row.tier] == rank]
        recall = sum(semantic_rank(s, settings, only=rank) > 0 for s in own) / max(len(own), 1)
        precision = sum(s.row.tier != "none" for s in fired) / len(fired) if fired else 1.0
        out[rank] = (round(recall, 3), round(precision, 3))
    return out


def latency(rows: Sequence[Row], nlp: Language, detector: RedFlagDetector, triage: Triage) -> None:
    """Per-message time the safety check adds, and of the rules alone, on texts seen once each.

    In the pipeline the featurizer has already encoded the message, and a clause that is the whole
    message reuses that vector (the encoder remembers it), so each message is encoded first, untimed,
    as the featurizer would; "first sight" is the same check with nothing encoded before.
    Wall-clock time includes waiting for a core when other processes share the machine; CPU time
    (this thread's, where the encoder also runs with its one thread) is what the check itself costs.
    """
    encoder = get_encoder()
    docs = [(r.text, nlp(r.text.lower())) for r in rows]
    # Warm-up on a text not in the table: the first ONNX run allocates its buffers.
    detector.detect(nlp("warming up the encoder before timing, thanks"))
    checks: List[Tuple[str, Callable[[Doc], object], bool]] = [
        ("whole safety check", detector.detect, True), ("at first sight", detector.detect, False),
        ("rules alone", triage.detect, True)]
    times: Dict[str, List[float]] = defaultdict(list)
    for text, doc in docs:
        for name, check, featurized in checks:
            encoder.forget_recent()
            if featurized:
                encoder.encode([text])
            wall, cpu = time.perf_counter(), time.thread_time()
            check(doc)
            times[f"{name}, wall"].append(time.perf_counter() - wall)
            times[f"{name}, CPU"].append(time.thread_time() - cpu)
    for name, values in times.items():
        ms = np.array(values) * 1000
        print(f"  {name:<26} p50 {np.percentile(ms, 50):5.1f} ms   p95 {np.percentile(ms, 95):5.1f} ms"
              f"   max {ms.max():6.1f} ms")
    print(f"  ({len(docs)} messages; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")


def settings_in_file(semantic: SemanticMatcher) -> Settings:
    """The (threshold, margin) per tier rank that red_flags.yml holds, as the component uses them."""
    return {t.rank: (s.threshold, s.margin) for t, s in semantic.data.semantic.thresholds.items()}


def answered(rows: Sequence[Row], nlp: Language, detector: RedFlagDetector) -> List[bool]:
    """Per row: the ranker's first entry for the message without its sign clauses is one the row names.

    Rows naming no entry count as answered; the bot may still pick another answer by intent.
    """
    out = []
    for row in rows:
        if not row.entry_ids:
            out.append(True)
            continue
        reading = detector._triage.read(nlp(row.text.lower()))
        ranked = detector._index().rank(detector.rest(reading) or row.text, 1)
        out.append(bool(ranked) and ranked[0].entry_id in row.entry_ids)
    return out


def csv_report(path: Path, nlp: Language, detector: RedFlagDetector, show: bool = False) -> Dict[str, Dict[str, float]]:
    """Recall per tier, calm and calm-and-answered per layer on a red-flag CSV, printed and returned."""
    rows = read_rows(path)
    scored = score(rows, nlp, detector._triage, detector._semantic)
    settings = settings_in_file(detector._semantic)
    good = answered(rows, nlp, detector)
    rules = [s.rule_rank for s in scored]
    semantic = [semantic_rank(s, settings) for s in scored]
    layers = {"rules": rules, "semantic": semantic, "both": [max(a, b) for a, b in zip(rules, semantic)]}
    counts = {t: sum(r.tier == t for r in rows) for t in (*TIERS, "none")}
    print(f"\n{path.name}: {len(rows)} rows ({', '.join(f'{t} {n}' for t, n in counts.items())}),"
          " thresholds of red_flags.yml")
    print(f"  {'layer':<10}" + "".join(f"{'recall ' + t:>18}" for t in TIERS) + f"{'calm':>8}{'calm+answered':>15}")
    out = {}
    for layer, ranks in layers.items():
        f = figures(scored, ranks)
        near = [(r == 0 and g) for s, r, g in zip(scored, ranks, good) if s.row.tier == "none"]
        f["calm_and_answered"] = sum(near) / max(len(near), 1)
        out[layer] = f
        print(f"  {layer:<10}" + "".join(f"{f['recall_' + t]:>18.1%}" for t in TIERS)
              + f"{f['calm']:>8.1%}{f['calm_and_answered']:>15.1%}")
    if show:
        for s, r, g in zip(scored, layers["both"], good):
            if (s.row.tier == "none" and (r or not g)) or (s.row.tier != "none" and r < RANK[s.row.tier]):
                got = next((t for t, n in RANK.items() if n == r), "none")
                print(f"    {s.row.tier:>9} -> {got:<9} rules {s.rule_rank} {s.row.text[:110]}")
    return out


def write(settings: Settings, dev_figures: Dict[int, Tuple[float, float]]) -> None:
    """Replace the ``semantic:`` block of red_flags.yml, keeping everything else as it is."""
    names = {Tier.EMERGENCY.rank: "emergency", Tier.URGENT.rank: "urgent", Tier.SOON.rank: "soon"}
    lines = ["semantic:\n  thresholds:\n"]
    for rank in (3, 2, 1):
        recall, precision = dev_figures[rank]
        threshold, margin = settings[rank]
        lines.append(f"    {names[rank]}: {{threshold: {threshold}, margin: {margin}, dev_recall: {recall}, "
                     f"dev_precision: {precision}}}\n")
    text = RED_FLAGS_FILE.read_text(encoding="utf-8")
    block = re.compile(r"^semantic:\n(?:  .*\n)+", re.MULTILINE)
    if not block.search(text):
        raise SystemExit(f"no semantic: block in {RED_FLAGS_FILE}")
    RED_FLAGS_FILE.write_text(block.sub("".join(lines), text, count=1), encoding="utf-8")
    print(f"\nwrote the semantic block of {RED_FLAGS_FILE.relative_to(REPO)}")


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.red_flags", description=__doc__.split("\n")[0])
    parser.add_argument("--write", action="store_true", help="write the chosen thresholds into red_flags.yml")
    parser.add_argument("--csv", type=Path, action="append", default=[],
                        help="also score this red-flag CSV (text,tier,sign,entry_ids) per layer")
    parser.add_argument("--only-csv", action="store_true", help="with --csv: skip the table, split and latency")
    parser.add_argument("--show", action="store_true", help="with --csv: list the misses and false alarms")
    args = parser.parse_args(argv)
    if args.only_csv:
        nlp = pipeline()
        detector = RedFlagDetector({})
        for path in args.csv:
            csv_report(path, nlp, detector, args.show)
        return 0

    rows = read_rows()
    dev_rows, rest_rows = split(rows)
    nlp = pipeline()
    started = time.perf_counter()
    detector = RedFlagDetector({})
    print(f"detector loaded in {time.perf_counter() - started:.1f} s (exemplar vectors included)")
    triage: Triage = detector._triage
    semantic: SemanticMatcher = detector._semantic

    print("\nlatency per message (tests/data/red_flags.csv, first sight of each text):")
    latency(rows, nlp, detector, triage)

    dev = score(dev_rows, nlp, triage, semantic)
    rest = score(rest_rows, nlp, triage, semantic)
    settings = choose(dev)
    chosen = tier_figures(dev, settings)
    print("\nchosen on the dev half (the tier's signs alone):")
    for t in TIERS:
        (threshold, margin), (recall, precision) = settings[RANK[t]], chosen[RANK[t]]
        print(f"  {t:<10} threshold {threshold:.2f} margin {margin:.2f}: dev recall {recall:.1%}, "
              f"dev precision {precision:.1%}")
    in_file = settings_in_file(semantic)
    if in_file != settings:
        print("  (red_flags.yml has " + ", ".join(
            f"{t} {in_file[RANK[t]][0]}/{in_file[RANK[t]][1]}" for t in TIERS) + "; --write to update)")
    report("dev half (thresholds chosen here)", dev, settings)
    report("held-out half", rest, settings)
    report("whole table", dev + rest, settings)
    for path in args.csv:
        csv_report(path, nlp, detector, args.show)
    if args.write:
        write(settings, chosen)
    return 0


if __name__ == "__main__":
    sys.exit(main())
