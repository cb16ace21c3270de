"""Markdown report, README section and console summary, all rendered from the results JSON."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence

from bench import breakdown
from bench.plots import CONFIG_LABELS
from bench.targets import Target

MISS_REPLY_CHARS = 110


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A GitHub Markdown table."""
    def cell(value: Any) -> str:
        return str(value).replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def _num(value: Optional[float], fmt: str = "{:.3f}", unit: str = "") -> str:
    return "—" if value is None else fmt.format(value) + unit


def summary_table(targets: Sequence[Target]) -> str:
    """The targets with their figures and verdicts."""
    return table(["Target", "Goal", "Measured", "", "Gap"],
                 [[t.label, t.goal, t.figure, t.mark, t.gap] for t in targets])


def machine_line(meta: Dict[str, Any]) -> str:
    """One line naming the machine and software the figures come from."""
    m = meta["machine"]
    return (f"{m['nproc']} cores ({m['cpu_model']}), {m['memory_gib']} GiB RAM, {m['os']}, Python {m['python']}, "
            f"Rasa {m['rasa']}, commit `{m['commit']}`")


def _nlu_section(nlu: Dict[str, Any], images: Dict[str, str]) -> List[str]:
    configs = nlu["configs"]
    out = ["## 1. Intent understanding", ""]
    out.append(
        f"`rasa test nlu --cross-validation --folds {nlu['folds']}` on `{nlu['data']}` ({nlu['examples']} examples, "
        f"{nlu['intents']} intents), numpy's global generator seeded with {nlu['seed']} so every config gets the "
        f"same stratified split. Same folds for every config (test-fold digests compared): "
        f"**{'yes' if nlu['same_folds'] else 'NO'}**. Intents set only by rule-based components "
        f"(`red_flag_*`, `non_english`) have no training examples and are not scored. Macro-F1 averages over the "
        f"intents with test examples; a prediction of `nlu_fallback` or a rule-set intent counts as a miss of the "
        f"true intent. Rasa's own \"macro avg\" (which also averages in never-true predicted labels at F1 0) is "
        f"shown for reference."
    )
    out.append("")
    rows = []
    for name, cv in configs.items():
        rows.append([CONFIG_LABELS.get(name, name), f"`{cv['config']}`", _num(cv["accuracy"]), _num(cv["macro_f1"]),
                     _num(cv.get("rasa_macro_f1")), f"{cv['seconds']:.0f} s", len(cv["errors"])])
    out.append(table(["Config", "File", "Accuracy", "Macro-F1", "Rasa macro avg", "CV wall time", "Errors"], rows))
    out.append("")
    intents = sorted({i for cv in configs.values() for i in cv["per_intent"]})
    names = list(configs)
    rows = []
    for intent in intents:
        first = configs[names[0]]["per_intent"].get(intent, {})
        rows.append([f"`{intent}`", first.get("support", "")] +
                    [_num(configs[n]["per_intent"].get(intent, {}).get("f1")) for n in names])
    out.append("Per-intent F1 (test folds):")
    out.append("")
    out.append(table(["Intent", "Examples", *[CONFIG_LABELS.get(n, n) for n in names]], rows))
    out.append("")
    out.append(f"**Entities:** {nlu['entity_note']}")
    out.append("")
    for key in ("confusion", "intent_f1"):
        if key in images:
            out.append(f"![{key}]({images[key]})")
            out.append("")
    project = configs.get("project")
    if project and project["errors"]:
        count = len(project["errors"])
        out.append(f"<details><summary>Misclassified examples of the project config ({count})</summary>")
        out.append("")
        out.append(table(["Text", "True intent", "Predicted"],
                         [[e["text"], e["intent"], e["predicted"]] for e in project["errors"]]))
        out.append("")
        out.append("</details>")
        out.append("")
    return out


def _heldout_section(results: Dict[str, Any]) -> List[str]:
    """Question sets against the baselines, warning signs, conversations: the honest figures."""
    held = results.get("heldout") or {}
    baselines = (results.get("answers") or {}).get("baselines") or {}
    out = ["## 2b. Held-out sets (written before tuning, never tuned on)", ""]
    rows = []
    bot_top1 = {"questions": (results.get("answers") or {}).get("bot", {}).get("top1")}
    for name in ("fresh", "new_topics"):
        bot_top1[name] = held.get(f"{name}.csv", {}).get("top1")
    for name, base in baselines.items():
        rows.append([name, _num(bot_top1.get(name)), _num(base["tfidf"]), _num(base["bm25"]), _num(base["dense"])])
    if rows:
        out.append(table(["Question set", "assistant", "TF-IDF", "BM25", "dense"], rows))
        out.append("")
    topics = held.get("new_topics.csv", {}).get("per_topic")
    if topics:
        out.append("New-topic top-1 per topic: " + ", ".join(f"{t} {_num(v)}" for t, v in topics.items()))
        out.append("")
    flags = held.get("red_flags_fresh.csv")
    if flags:
        recall = ", ".join(f"{t} {_num(v)}" for t, v in flags["recall"].items())
        out.append(f"Warning signs (`red_flags_fresh.csv`): recall {recall}; near-misses calm "
                   f"{_num(flags['calm'])}, calm and answered {_num(flags['calm_and_answered'])}.")
        out.append("")
    talks = held.get("conversations.yml")
    if talks:
        out.append(f"Conversations (`conversations.yml`, last turn): overall {_num(talks['overall'])}.")
        out.append("")
        out.append(table(["Shape", "with context", "last turn alone"],
                         [[s, _num(v), _num(talks["last_turn_alone"].get(s))] for s, v in talks["per_shape"].items()]))
        out.append("")
    return out


def _answers_section(answers: Dict[str, Any], images: Dict[str, str]) -> List[str]:
    out = ["## 2. Answer correctness", ""]
    tfidf = answers["tfidf"]
    bot = answers.get("bot")
    out.append(
        f"{answers['questions']} held-out questions from `bench/eval/questions.csv` (never in the training data), "
        f"each labelled with the guidance entries that answer it. The assistant gets each question as a new "
        f"conversation over REST; its answer is the `metadata.entry_id` of the last reply message that has one. "
        f"The baseline is a TF-IDF search (scikit-learn `TfidfVectorizer` with its defaults, cosine similarity, top-1) "
        f"over each entry's question, "
        f"keywords and advice in the same store."
    )
    out.append("")
    rows = []
    if bot:
        rows.append(["assistant (REST)", bot["asked"], _num(bot["top1"]), len(bot["misses"])])
    tfidf_misses = sum(not a["correct"] for a in tfidf["answers"])
    rows.append(["TF-IDF search", len(tfidf["answers"]), _num(tfidf["top1"]), tfidf_misses])
    out.append(table(["System", "Questions", "Top-1 accuracy", "Misses"], rows))
    out.append("")
    if "answers" in images:
        out.append(f"![answers]({images['answers']})")
        out.append("")
    if bot:
        out.append(f"### Assistant misses ({len(bot['misses'])}; asked for the onset although the question gave it: "
                   f"{bot['asked_onset']})")
        out.append("")
        if bot["misses"]:
            out.append(table(
                ["Question", "Expected", "Answered with", "Its reply (start)"],
                [
                    [m["question"], ", ".join(m["labels"]), m["entry_id"] or "(no entry)",
                     ("ASKED ONSET: " if m["asked_onset"] else "") + (m.get("answer") or m["reply"])[:MISS_REPLY_CHARS]]
                    for m in bot["misses"]
                ],
            ))
        else:
            out.append("None.")
        out.append("")
    return out


def _speed_section(results: Dict[str, Any], images: Dict[str, str]) -> List[str]:
    speed, training = results["speed"], results.get("training", {})
    startup, memory = results.get("startup", {}), results.get("memory", {})
    work = speed["workload"]
    out = ["## 3. Speed and footprint", ""]
    out.append(
        f"Per-message REST round trip (`POST /webhooks/rest/webhook`, aiohttp client on the same machine), after "
        f"{work['warm_up']} untimed warm-up messages. Sequential: {work['sequential']}. Concurrent: "
        f"{work['concurrent']}. Each conversation has its own sender, so some messages open a session. The assistant "
        f"gets the evaluation questions; the stock bot (`rasa init --no-prompt`, trained on the spot, run with its own "
        f"action server and the in-memory tracker store `rasa init` configures) gets its own training phrases. The "
        f"assistant runs as shipped: SQLite tracker store (private, in a temp dir), custom actions over HTTP."
    )
    out.append("")

    sections: Dict[str, Any] = {"speed": speed, "training": training, "startup": startup, "memory": memory}

    def get(bot: str, section: str, *keys: str) -> Optional[float]:
        data: Any = sections.get(section, {}).get(bot)
        for key in keys:
            data = data.get(key) if isinstance(data, dict) else None
        return data if isinstance(data, (int, float)) else None

    metrics = [
        ("p50, sequential", ("speed", "sequential", "p50_ms"), "{:.1f}", " ms"),
        ("p95, sequential", ("speed", "sequential", "p95_ms"), "{:.1f}", " ms"),
        ("p99, sequential", ("speed", "sequential", "p99_ms"), "{:.1f}", " ms"),
        ("throughput, sequential", ("speed", "sequential", "throughput"), "{:.1f}", " msg/s"),
        ("p50, 20 concurrent", ("speed", "concurrent", "p50_ms"), "{:.1f}", " ms"),
        ("p95, 20 concurrent", ("speed", "concurrent", "p95_ms"), "{:.1f}", " ms"),
        ("p99, 20 concurrent", ("speed", "concurrent", "p99_ms"), "{:.1f}", " ms"),
        ("throughput, 20 concurrent", ("speed", "concurrent", "throughput"), "{:.1f}", " msg/s"),
        ("HTTP errors or timeouts (seq + conc)", "failed", "{:.0f}", ""),
        ("empty replies (seq + conc)", "empty", "{:.0f}", ""),
        ("training from scratch", ("training", "seconds"), "{:.0f}", " s"),
        ("model size", ("training", "model_mb"), "{:.1f}", " MiB"),
        ("start to first answer", ("startup", "first_answer_s"), "{:.1f}", " s"),
        ("Rasa server peak RSS", ("memory", "rasa_peak_rss_mb"), "{:.0f}", " MiB"),
        ("action server peak RSS", ("memory", "actions_peak_rss_mb"), "{:.0f}", " MiB"),
    ]
    rows = []
    for label, path, fmt, unit in metrics:
        if isinstance(path, str):
            values = [sum((speed.get(b) or {}).get(m, {}).get(path, 0) for m in ("sequential", "concurrent"))
                      if speed.get(b) else None for b in ("ours", "stock")]
        else:
            values = [get(b, *path) for b in ("ours", "stock")]
        ours, stock = values
        # Counts of failures have no meaningful ratio.
        ratio = f"{ours / stock:.2f}×" if not isinstance(path, str) and ours is not None and stock else "—"
        rows.append([label, _num(values[0], fmt, unit), _num(values[1], fmt, unit), ratio])
    out.append(table(["Metric", "Assistant", "Stock rasa init bot", "Ratio"], rows))
    out.append("")
    out.append("Peak RSS is `VmHWM` from `/proc/<pid>/status` of the process that owns the listening socket "
               f"(Rasa pid {memory.get('ours', {}).get('rasa_pid', '—')}, action server pid "
               f"{memory.get('ours', {}).get('actions_pid', '—')}), read after the load runs. Training time is "
               "`rasa train` (the stock bot: `rasa init --no-prompt`, which trains) with an empty cache.")
    out.append("")
    if "latency" in images:
        out.append(f"![latency]({images['latency']})")
        out.append("")
    out += _breakdown_section(results.get("breakdown") or {})
    return out


def _breakdown_section(figures: Dict[str, Any]) -> List[str]:
    """Where a sequential message's time goes, per stage, for each bot that was timed."""
    out = ["### Where a message's time goes (sequential pass)", ""]
    bots = [bot for bot in ("ours", "stock") if (figures.get(bot) or {}).get("stages")]
    if not bots:
        return out + ["Not measured: the Rasa server was not started through `bench/timed_rasa.py`.", ""]
    out.append(
        "Measured inside each bot's Rasa server on the sequential pass's own messages (`bench/breakdown.py`): "
        "`parse_message` (NLU), the core graph's predictions (policies), `RemoteAction.run` (action server calls, "
        "HTTP included), `get_tracker` + `save_tracker` (tracker store); the rest of `handle_message` is other "
        "processing, and the client's round trip minus `handle_message` is HTTP, channel and lock. p50 and p95 "
        "are per stage (they do not add up); the share is of all the time the client waited."
    )
    out.append("")
    names = {"ours": "Assistant", "stock": "Stock bot"}
    headers = ["Stage"] + [f"{names[b]} {k}" for b in bots for k in ("p50", "p95", "share")]
    rows = []
    for stage in (*breakdown.STAGES, "total"):
        row: List[Any] = [breakdown.LABELS[stage]]
        for bot in bots:
            cell = figures[bot]["total"] if stage == "total" else figures[bot]["stages"][stage]
            row += [_num(cell["p50_ms"], "{:.1f}", " ms"), _num(cell["p95_ms"], "{:.1f}", " ms"),
                    _num(cell["share"] * 100, "{:.0f}", " %")]
        rows.append(row)
    out.append(table(headers, rows))
    out.append("")
    counts = "; ".join(
        f"{names[b]}: {figures[b]['paired']} of {figures[b]['messages']} messages paired with the server's log, "
        f"{figures[b]['action_calls_per_message']:.2f} action server calls per message" for b in bots)
    out.append(counts + ".")
    out.append("")
    return out


def render(results: Dict[str, Any], targets: Sequence[Target], images: Dict[str, str]) -> str:
    """The full Markdown report."""
    meta = results["meta"]
    out = [f"# Back-care assistant bench, {meta['started'][:16].replace('T', ' ')}", ""]
    if meta["mode"] == "smoke":
        out += ["> **Smoke run**: every stage on a tiny slice, to keep the harness working. Its figures are not "
                "the bench's; targets it cannot judge from a slice show as not measured.", ""]
    out.append(f"Command: `{meta['command']}` ({meta['mode']} run, {meta['duration_s'] / 60:.1f} min). "
               f"Machine: {machine_line(meta)}.")
    out.append("")
    stages = list(meta["load"])
    rows = []
    # Results files from before these figures were recorded lack them: --render must still work.
    for key, label in (("stage_s", "wall time"), ("stage_cpu_s", "CPU time (bench + its servers)")):
        if key in meta:
            rows.append([label, *(f"{meta[key][k] / 60:.1f} min" for k in stages)])
    rows.append(["1-min load average at start", *(f"{meta['load'][k]:.1f}" for k in stages)])
    out.append(table(["Stage", *stages], rows))
    out.append("")
    cores = meta["machine"]["nproc"]
    note = (f"A load average above {cores} (the core count) means other work competed for the CPU during that "
            "stage: absolute times suffer, ratios measured within the run much less.")
    if "cpu_s" in meta:
        note += (f" The run used {meta['cpu_s'] / 60:.1f} CPU-minutes, so on an idle {cores}-core machine it "
                 f"needs at least {meta['cpu_s'] / 60 / cores:.1f} min of wall time. A server's CPU time is "
                 "counted when it stops, i.e. in the bot's speed stage, which therefore includes its start and "
                 "the answer run.")
    out.append(note)
    out.append("")
    out.append("## Summary")
    out.append("")
    out.append(summary_table(targets))
    out.append("")
    if "nlu" in results:
        out += _nlu_section(results["nlu"], images)
    if "answers" in results:
        out += _answers_section(results["answers"], images)
        out += _heldout_section(results)
    if "speed" in results:
        out += _speed_section(results, images)
    return "\n".join(out).rstrip() + "\n"


def readme_section(results: Dict[str, Any], targets: Sequence[Target], images: Dict[str, str]) -> str:
    """The README block: summary table, plots, command and machine, between markers for pasting."""
    meta = results["meta"]
    out = ["<!-- bench:start (generated by `make bench` into docs/bench/README-section.md; paste as is) -->",
           "## Benchmark", ""]
    out.append(f"Measured with `{meta['command']}` on {meta['started'][:10]}: {machine_line(meta)}. "
               f"Full report: [docs/bench/report.md](docs/bench/report.md).")
    out.append("")
    out.append(summary_table(targets))
    out.append("")
    out += [f"![{name}]({path})" for name, path in images.items()]
    out.append("")
    out.append("<!-- bench:end -->")
    return "\n".join(out) + "\n"


def console(targets: Sequence[Target]) -> str:
    """The summary as aligned plain text."""
    rows = [("Target", "Goal", "Measured", "", "Gap")] + [(t.label, t.goal, t.figure, t.mark, t.gap) for t in targets]
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    return "\n".join("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip() for row in rows)
