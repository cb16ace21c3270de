"""PNG figures for the report: confusion matrix, per-intent F1, answer accuracy, latency."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List

import numpy as np

CONFIG_LABELS = {
    "project": "project config.yml",
    "rasa_init": "rasa init default",
    "tfidf_logreg": "CountVectors + LogReg",
}


def _pyplot() -> Any:
    """matplotlib's pyplot, headless (the bench runs in CI and over SSH), imported on first use:
    it takes about 2 s, and the test run imports this module without drawing anything."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def confusion(cv: Dict[str, Any], path: Path) -> Path:
    """Row-normalised confusion matrix of one config's test folds (rows: true intent)."""
    plt = _pyplot()
    labels: List[str] = cv["labels"]
    matrix = np.array(cv["confusion"], dtype=float)
    # Rows for labels that were only predicted (nlu_fallback, red_flag_*) are empty; keep them at 0.
    totals = matrix.sum(axis=1, keepdims=True)
    share = np.divide(matrix, totals, out=np.zeros_like(matrix), where=totals > 0)
    size = max(6.0, 0.38 * len(labels) + 2)
    fig, ax = plt.subplots(figsize=(size + 1.5, size))
    image = ax.imshow(share, cmap="Blues", vmin=0, vmax=1)
    ax.set_xticks(range(len(labels)))
    ax.set_xticklabels(labels, rotation=90, fontsize=8)
    ax.set_yticks(range(len(labels)))
    ax.set_yticklabels(labels, fontsize=8)
    for (row, col), count in np.ndenumerate(matrix):
        if count:
            ax.text(col, row, int(count), ha="center", va="center", fontsize=6,
                    color="white" if share[row, col] > 0.5 else "black")
    ax.set_xlabel("predicted intent")
    ax.set_ylabel("true intent")
    ax.set_title(f"Intent confusion, {CONFIG_LABELS.get(cv['name'], cv['name'])}, {cv['folds']}-fold CV "
                 f"(macro-F1 {cv['macro_f1']:.3f})")
    fig.colorbar(image, ax=ax, fraction=0.03, label="share of the true intent's examples")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def intent_f1(configs: Dict[str, Dict[str, Any]], path: Path) -> Path:
    """Per-intent F1 of every config side by side."""
    plt = _pyplot()
    names = list(configs)
    intents = sorted({i for c in configs.values() for i in c["per_intent"]})
    width = 0.8 / max(len(names), 1)
    fig, ax = plt.subplots(figsize=(max(8.0, 0.45 * len(intents) + 2), 5))
    for index, name in enumerate(names):
        values = [configs[name]["per_intent"].get(i, {}).get("f1", 0.0) for i in intents]
        ax.bar(np.arange(len(intents)) + index * width, values, width,
               label=f"{CONFIG_LABELS.get(name, name)} (macro {configs[name]['macro_f1']:.3f})")
    ax.set_xticks(np.arange(len(intents)) + width * (len(names) - 1) / 2)
    ax.set_xticklabels(intents, rotation=60, ha="right", fontsize=8)
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("F1 (test folds)")
    ax.set_title("Per-intent F1, same cross-validation folds", pad=28)
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=len(names), fontsize=8, frameon=False)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def answers(answers_data: Dict[str, Any], path: Path) -> Path:
    """Top-1 accuracy of the bot and the TF-IDF search, overall and per topic of the label."""
    plt = _pyplot()
    topics = sorted({a["labels"][0].split(".")[0] for a in answers_data["tfidf"]["answers"]})
    systems = [s for s in ("bot", "tfidf") if answers_data.get(s)]
    fig, ax = plt.subplots(figsize=(10, 4.5))
    width = 0.8 / len(systems)
    groups = ["all", *topics]
    for index, system in enumerate(systems):
        rows = answers_data[system]["answers"]
        values = []
        for group in groups:
            chosen = [a for a in rows if group == "all" or a["labels"][0].split(".")[0] == group]
            # A topic this system was not asked about (smoke run) gets no bar rather than a zero.
            values.append(sum(a["correct"] for a in chosen) / len(chosen) if chosen else float("nan"))
        label = "assistant" if system == "bot" else "TF-IDF search (same store)"
        ax.bar(np.arange(len(groups)) + index * width, values, width, label=f"{label}: {values[0]:.3f}")
    ax.axhline(0.95, color="grey", linestyle="--", linewidth=1, label="target 0.95")
    ax.set_xticks(np.arange(len(groups)) + width * (len(systems) - 1) / 2)
    counts = [len(answers_data["tfidf"]["answers"])] + [
        sum(a["labels"][0].split(".")[0] == t for a in answers_data["tfidf"]["answers"]) for t in topics
    ]
    ax.set_xticklabels([f"{g}\n(n={n})" for g, n in zip(groups, counts)], fontsize=8)
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("top-1 accuracy")
    ax.set_title(f"Answer correctness on {len(answers_data['tfidf']['answers'])} held-out questions")
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=3, fontsize=8, frameon=False)
    ax.set_title(ax.get_title(), pad=24)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def latency(speed: Dict[str, Any], path: Path) -> Path:
    """Latency percentiles and throughput of the assistant and the stock bot, sequential and concurrent."""
    plt = _pyplot()
    bots = [b for b in ("ours", "stock") if speed.get(b)]
    modes = ["sequential", "concurrent"]
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2), gridspec_kw={"width_ratios": [3, 1.3]})
    bars = [(bot, mode) for mode in modes for bot in bots if speed[bot].get(mode)]
    x = np.arange(3)
    width = 0.8 / max(len(bars), 1)
    for index, (bot, mode) in enumerate(bars):
        run = speed[bot][mode]
        name = "assistant" if bot == "ours" else "stock rasa init"
        left.bar(x + index * width, [run["p50_ms"], run["p95_ms"], run["p99_ms"]], width,
                 label=f"{name}, {mode} ({run['concurrency']} at once)")
    left.axhline(100, color="grey", linestyle="--", linewidth=1, label="p95 target (sequential)")
    # Concurrent latencies are an order of magnitude above sequential ones: a log axis keeps both readable.
    left.set_yscale("log")
    left.set_xticks(x + width * (len(bars) - 1) / 2)
    left.set_xticklabels(["p50", "p95", "p99"])
    left.set_ylabel("ms per message (REST round trip)")
    left.set_title("Latency")
    left.legend(fontsize=7)
    labels = [f"{'assistant' if b == 'ours' else 'stock'}\n{m}" for b, m in bars]
    right.bar(range(len(bars)), [speed[b][m]["throughput"] for b, m in bars], color="tab:green")
    right.axhline(30, color="grey", linestyle="--", linewidth=1)
    right.set_xticks(range(len(bars)))
    right.set_xticklabels(labels, fontsize=7)
    right.set_ylabel("messages / s")
    right.set_title("Throughput")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
