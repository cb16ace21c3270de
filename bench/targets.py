"""The targets the report checks, each with its figure, verdict and how far off it is."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Callable, Dict, List, Optional

MACRO_F1_MIN = 0.95
TOP1_MIN = 0.95
TOP1_LEAD_OVER_TFIDF = 0.25
P95_MAX_MS = 100.0
STOCK_RATIO_MAX = 1.5
THROUGHPUT_MIN = 30.0
CONCURRENCY = 20
TRAIN_MAX_S = 180.0
FIRST_ANSWER_MAX_S = 45.0
RASA_RSS_MAX_MB = 1.5 * 1024
ACTIONS_RSS_MAX_MB = 200.0


@dataclass
class Target:
    """One checked target. ``passed`` is None when the run did not measure it (smoke runs)."""

    key: str
    label: str
    goal: str
    figure: str
    passed: Optional[bool]
    gap: str

    def to_json(self) -> Dict[str, Any]:
        """Plain data for the results file."""
        return asdict(self)

    @property
    def mark(self) -> str:
        """✅, ❌, or a dash when not measured."""
        return "—" if self.passed is None else ("✅" if self.passed else "❌")


def _get(data: Dict[str, Any], *path: str) -> Any:
    for key in path:
        if not isinstance(data, dict) or data.get(key) is None:
            return None
        data = data[key]
    return data


def _at_least(key: str, label: str, value: Optional[float], minimum: float, goal: str,
              show: Callable[[float], str]) -> Target:
    if value is None:
        return Target(key, label, goal, "not measured", None, "")
    passed = value >= minimum
    return Target(key, label, goal, show(value), passed, "" if passed else f"{show(minimum - value)} short")


def _at_most(key: str, label: str, value: Optional[float], maximum: float, goal: str,
             show: Callable[[float], str]) -> Target:
    if value is None:
        return Target(key, label, goal, "not measured", None, "")
    passed = value <= maximum
    return Target(key, label, goal, show(value), passed, "" if passed else f"{show(value - maximum)} over")


def check(results: Dict[str, Any]) -> List[Target]:
    """Every target of issue 7 against the figures in ``results`` (the bench's JSON)."""
    ours_f1 = _get(results, "nlu", "configs", "project", "macro_f1")
    baselines = [_get(results, "nlu", "configs", n, "macro_f1") for n in ("rasa_init", "tfidf_logreg")]
    lead_f1 = ours_f1 - max(baselines) if ours_f1 is not None and None not in baselines else None
    top1 = _get(results, "answers", "bot", "top1")
    # A smoke run asks only a few questions: that is no accuracy figure for the whole set.
    if _get(results, "answers", "bot", "asked") != _get(results, "answers", "questions"):
        top1 = None
    tfidf = _get(results, "answers", "tfidf", "top1")
    lead_top1 = top1 - tfidf if top1 is not None and tfidf is not None else None
    p95 = _get(results, "speed", "ours", "sequential", "p95_ms")
    stock_p95 = _get(results, "speed", "stock", "sequential", "p95_ms")
    ratio = p95 / stock_p95 if p95 is not None and stock_p95 else None
    throughput = _get(results, "speed", "ours", "concurrent", "throughput")
    # The smoke run uses fewer conversations: its throughput is not the 20-conversation figure.
    if _get(results, "speed", "ours", "concurrent", "concurrency") != CONCURRENCY:
        throughput = None

    # How each measured value is written in the report.
    score = "{:.3f}".format
    ms = "{:.0f} ms".format
    times = "{:.2f}×".format
    per_s = "{:.1f} msg/s".format
    seconds = "{:.1f} s".format
    mib = "{:.0f} MiB".format

    def points(v: float) -> str:
        return f"{v * 100:.1f} points"

    return [
        _at_least("macro_f1", "Intent macro-F1 (5-fold CV)", ours_f1, MACRO_F1_MIN, f"≥ {MACRO_F1_MIN:.2f}", score),
        _at_least("macro_f1_lead", "Macro-F1 lead over the best baseline", lead_f1, 1e-9, "> 0", score),
        _at_least("top1", "Answer top-1 accuracy", top1, TOP1_MIN, f"≥ {TOP1_MIN:.2f}", score),
        _at_least("top1_lead", "Top-1 lead over TF-IDF search", lead_top1, TOP1_LEAD_OVER_TFIDF,
                  f"≥ {TOP1_LEAD_OVER_TFIDF * 100:.0f} points", points),
        _at_most("p95", "p95 latency, sequential", p95, P95_MAX_MS, f"≤ {P95_MAX_MS:.0f} ms", ms),
        _at_most("stock_ratio", "p95 latency vs stock `rasa init` bot", ratio, STOCK_RATIO_MAX,
                 f"≤ {STOCK_RATIO_MAX}×", times),
        _at_least("throughput", f"Throughput, {CONCURRENCY} concurrent conversations", throughput, THROUGHPUT_MIN,
                  f"≥ {THROUGHPUT_MIN:.0f} msg/s", per_s),
        _at_most("train", "Training from scratch", _get(results, "training", "ours", "seconds"), TRAIN_MAX_S,
                 f"≤ {TRAIN_MAX_S:.0f} s", seconds),
        _at_most("first_answer", "Start to first answer", _get(results, "startup", "ours", "first_answer_s"),
                 FIRST_ANSWER_MAX_S, f"≤ {FIRST_ANSWER_MAX_S:.0f} s", seconds),
        _at_most("rasa_rss", "Rasa server peak RSS", _get(results, "memory", "ours", "rasa_peak_rss_mb"),
                 RASA_RSS_MAX_MB, f"≤ {RASA_RSS_MAX_MB / 1024:.1f} GiB", mib),
        _at_most("actions_rss", "Action server peak RSS", _get(results, "memory", "ours", "actions_peak_rss_mb"),
                 ACTIONS_RSS_MAX_MB, f"≤ {ACTIONS_RSS_MAX_MB:.0f} MiB", mib),
    ]
