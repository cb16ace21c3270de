"""The held-out sets, written before any tuning and never tuned on, scored over REST.

- ``bench/eval/fresh.csv`` (questions on the first 52 entries) and ``bench/eval/new_topics.csv``
  (questions on the topics added later, written before their entries): top-1 entry accuracy.
- ``bench/eval/red_flags_fresh.csv``: recall per tier (escalated at that tier or a more urgent
  one) and the near-miss calm rate (not escalated, and answered).
- ``bench/eval/conversations.yml``: the last turn of each conversation, with its earlier turns
  and alone, per shape.

Usage: ``python -m bench.evalsets --url http://127.0.0.1:5005`` against a running bot;
``--dev`` scores the development sets in ``bench/dev/`` instead (the ones to tune on); its
``red_flags.csv`` also names the entry each near-miss should get, and calm-and-answered counts
only that entry. ``--only red_flags`` scores just the red-flag set.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import time
import uuid
from collections import defaultdict
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

import aiohttp
import yaml

from bench.client import Turn, send
from bench.common import REPO

EVAL = REPO / "bench" / "eval"
DEV = REPO / "bench" / "dev"
QUESTION_SETS = ("fresh.csv", "new_topics.csv")
# Tuning sets: short questions, and longer messages (context first, two questions, typos).
DEV_QUESTION_SETS = (
    "questions.csv", "long_questions.csv", "questions_plain.csv", "questions_fresh.csv", "questions_fresh2.csv"
)
TIERS = ("emergency", "urgent", "soon")
# How each tier's escalation opens its advice (guidance/safety/red_flags.yml), most urgent first.
TIER_PHRASES = (
    ("emergency", "please call your local emergency number now"),
    ("urgent", "please see a doctor today"),
    ("soon", "please book an appointment"),
)


def escalation(turn: Turn) -> Optional[str]:
    """The tier the bot escalated to in this turn, or None."""
    for message in turn.messages:
        tier = (message.get("metadata") or {}).get("red_flag_tier")
        if tier:
            return str(tier)
    text = turn.text.lower()
    return next((tier for tier, phrase in TIER_PHRASES if phrase in text), None)


def at_least(said: Optional[str], wanted: str) -> bool:
    """Whether ``said`` is ``wanted`` or a more urgent tier."""
    return said is not None and TIERS.index(said) <= TIERS.index(wanted)


async def _conversation(session: aiohttp.ClientSession, url: str, turns: Sequence[str]) -> Turn:
    sender = f"eval-{uuid.uuid4().hex[:12]}"
    turn = Turn([], 0.0, 0)
    for text in turns:
        turn = await send(session, url, sender, text)
    return turn


# How the bot's replies open when it asks instead of answering (domain.yml, actions/answer.py).
ASKS = (
    ("asked_onset", "When did this pain start?"),
    ("clarify", "Sorry, I'm not sure which of these you mean"),
    ("asked_equipment", "Which equipment do you mean?"),
)


def miss_kind(turn: Turn) -> str:
    """Why a question got no right answer: an escalation, a question back, no entry, or a wrong one."""
    tier = escalation(turn)
    if tier is not None and turn.entry_id is None:
        return f"escalated_{tier}"
    if turn.entry_id is not None:
        return "wrong_entry"
    text = turn.text
    return next((kind for kind, opening in ASKS if opening in text), "no_entry")


def _read_csv(path: Path) -> List[Dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


async def questions(session: aiohttp.ClientSession, url: str, path: Path) -> Dict[str, Any]:
    """Top-1 overall and per topic (the label's prefix), with the misses."""
    per_topic: Dict[str, List[bool]] = defaultdict(list)
    kinds: Dict[str, int] = defaultdict(int)
    misses = []
    for row in _read_csv(path):
        labels = [label.strip() for label in row["entry_ids"].split(";") if label.strip()]
        turn = await _conversation(session, url, [row["question"]])
        right = turn.entry_id in labels
        per_topic[labels[0].split(".")[0]].append(right)
        if not right:
            kind = miss_kind(turn)
            kinds[kind] += 1
            misses.append({"question": row["question"], "expected": labels, "got": turn.entry_id,
                           "kind": kind, "reply": turn.answer[:160]})
    total = [r for rs in per_topic.values() for r in rs]
    return {"n": len(total), "top1": sum(total) / len(total),
            "per_topic": {t: round(sum(r) / len(r), 3) for t, r in sorted(per_topic.items())},
            "misses_by_kind": dict(sorted(kinds.items())), "misses": misses}


def peers(path: Path) -> Dict[str, Any]:
    """Top-1 on a question file without the bot: the ranker alone, meaning alone, words alone.

    The same encoder and store as the bot, in this process, so a gap between the bot and its own
    ranker is the dialogue's doing (escalations, questions back, context), not the ranking's.
    """
    # Imported here: the held-out scoring over REST needs neither the encoder nor the store.
    from backcare.encoder import get_encoder
    from backcare.guidance_loader import get_store
    from backcare.ranking import GuidanceIndex

    store = get_store()
    index = GuidanceIndex(store, get_encoder())
    rows = _read_csv(path)
    labels = [[x.strip() for x in row["entry_ids"].split(";") if x.strip()] for row in rows]
    texts = [row["question"] for row in rows]
    index.nearest(texts)  # encodes every text once, so the timing below is the ranking itself
    started = time.perf_counter()
    ranked = [index.rank(text, 1)[0].entry_id for text in texts]
    seconds = (time.perf_counter() - started) / max(len(texts), 1)
    words = [next(iter(store.search(text, limit=1)), None) for text in texts]
    found: Dict[str, List[Optional[str]]] = {
        "ranker": list(ranked), "dense": list(index.nearest(texts)), "bm25": [h.entry.id if h else None for h in words]}
    out: Dict[str, Any] = {
        name: round(sum(p in wanted for p, wanted in zip(picked, labels)) / max(len(labels), 1), 3)
        for name, picked in found.items()
    }
    out["ranker_ms_per_message_cached_vectors"] = round(1000 * seconds, 2)
    return out


def _answered(turn: Turn, row: Dict[str, str]) -> bool:
    """Whether a near-miss got an answer: the one its ``entry_ids`` name, if the set has that column."""
    wanted = [label.strip() for label in (row.get("entry_ids") or "").split(";") if label.strip()]
    return turn.entry_id in wanted if wanted else turn.entry_id is not None


async def red_flags(session: aiohttp.ClientSession, url: str, path: Path) -> Dict[str, Any]:
    """Recall per tier, and for near-misses how many stayed calm and got an answer (the right one, if named)."""
    caught: Dict[str, List[bool]] = defaultdict(list)
    calm: List[bool] = []
    answered: List[bool] = []
    misses: List[Dict[str, Any]] = []
    for row in _read_csv(path):
        turn = await _conversation(session, url, [row["text"]])
        said = escalation(turn)
        if row["tier"] == "none":
            calm.append(said is None)
            answered.append(said is None and _answered(turn, row))
            if not answered[-1]:
                misses.append({"text": row["text"], "expected": row.get("entry_ids") or "calm",
                               "got": said or turn.entry_id})
        else:
            caught[row["tier"]].append(at_least(said, row["tier"]))
            if not at_least(said, row["tier"]):
                misses.append({"text": row["text"], "expected": row["tier"], "sign": row["sign"], "got": said})
    return {
        "recall": {t: round(sum(v) / len(v), 3) for t, v in caught.items()},
        "n": {t: len(v) for t, v in caught.items()} | {"near_miss": len(calm)},
        "calm": sum(calm) / max(len(calm), 1),
        "calm_and_answered": sum(answered) / max(len(answered), 1),
        "misses": misses,
    }


def _right(turn: Turn, expect: str) -> bool:
    if expect.startswith("escalate:"):
        return at_least(escalation(turn), expect.split(":", 1)[1])
    return escalation(turn) is None and turn.entry_id == expect


async def conversations(session: aiohttp.ClientSession, url: str, path: Path) -> Dict[str, Any]:
    """Per shape: the last turn right with its context, and the last turn sent alone."""
    with_context: Dict[str, List[bool]] = defaultdict(list)
    alone: Dict[str, List[bool]] = defaultdict(list)
    misses = []
    for item in yaml.safe_load(path.read_text(encoding="utf-8")):
        turn = await _conversation(session, url, item["turns"])
        right = _right(turn, item["expect"])
        with_context[item["shape"]].append(right)
        alone[item["shape"]].append(_right(await _conversation(session, url, item["turns"][-1:]), item["expect"]))
        if not right:
            misses.append({"id": item["id"], "expected": item["expect"], "got": str(turn.entry_id or escalation(turn)),
                           "reply": turn.answer[:160]})
    every = [r for rs in with_context.values() for r in rs]
    return {
        "n": len(every),
        "overall": sum(every) / len(every),
        "per_shape": {s: round(sum(r) / len(r), 3) for s, r in sorted(with_context.items())},
        "last_turn_alone": {s: round(sum(r) / len(r), 3) for s, r in sorted(alone.items())},
        "misses": misses,
    }


async def score(url: str) -> Dict[str, Any]:
    """Every held-out set against the bot at ``url``."""
    async with aiohttp.ClientSession() as session:
        out: Dict[str, Any] = {}
        for name in QUESTION_SETS:
            out[name] = await questions(session, url, EVAL / name)
        out["red_flags_fresh.csv"] = await red_flags(session, url, EVAL / "red_flags_fresh.csv")
        out["conversations.yml"] = await conversations(session, url, EVAL / "conversations.yml")
        return out


async def score_dev(url: str, only: Optional[str] = None) -> Dict[str, Any]:
    """The development sets against the bot at ``url``; ``only``: just the one whose name starts so."""
    scorers = {"red_flags.csv": red_flags, "red_flags_new.csv": red_flags,
               "red_flags_plain.csv": red_flags, "red_flags_fresh2.csv": red_flags, "red_flags_fresh3.csv": red_flags,
               "red_flags_fresh4.csv": red_flags,
               "conversations.yml": conversations,
               "conversations_context.yml": conversations, "conversations_people.yml": conversations,
               "conversations_plain.yml": conversations,
               "conversations_fresh.yml": conversations, "conversations_new.yml": conversations}
    async with aiohttp.ClientSession() as session:
        return {
            **{f"dev/{name}": {**await questions(session, url, DEV / name), "peers": peers(DEV / name)}
               for name in DEV_QUESTION_SETS if only is None or name.startswith(only)},
            **{f"dev/{name}": await scorer(session, url, DEV / name)
               for name, scorer in scorers.items() if only is None or name.startswith(only)},
        }


def summary(results: Dict[str, Any]) -> str:
    """The figures without the misses, as printed."""
    return json.dumps({k: {f: v for f, v in r.items() if f != "misses"} for k, r in results.items()}, indent=1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:5005")
    parser.add_argument("--out", type=Path, help="write every answer, misses included, as JSON")
    parser.add_argument("--dev", action="store_true", help="score bench/dev/ (for tuning) instead of bench/eval/")
    parser.add_argument("--only", help="with --dev: score just this set (questions, red_flags, conversations)")
    args = parser.parse_args()
    results = asyncio.run(score_dev(args.url, args.only) if args.dev else score(args.url))
    if args.out:
        args.out.write_text(json.dumps(results, indent=1), encoding="utf-8")
    print(summary(results))


if __name__ == "__main__":
    main()
