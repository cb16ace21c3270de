"""Smoke run of the bench harness on a tiny slice, so `make bench` cannot rot unnoticed."""

import json
import math
from pathlib import Path
from typing import Tuple

from bench.run import run_smoke
from tests.servers import Server


def test_smoke_run_writes_a_report_with_sane_figures(bench_stack: Tuple[Server, Server], tmp_path: Path) -> None:
    rasa, actions = bench_stack
    written = run_smoke(rasa, actions, tmp_path)

    report = written["report"].read_text(encoding="utf-8")
    assert report.startswith("# Back-care assistant bench")
    assert "## Summary" in report and "## 3. Speed" in report
    for name in ("confusion", "intent_f1", "answers", "latency"):
        assert written[name].stat().st_size > 10_000, name
        assert written[name].name in report

    results = json.loads(written["json"].read_text(encoding="utf-8"))
    cv = results["nlu"]["configs"]["tfidf_logreg"]
    assert results["nlu"]["same_folds"] is True and len(cv["fold_digests"]) == 2
    assert 0 < cv["accuracy"] <= 1 and 0 < cv["macro_f1"] <= 1
    assert sum(row["support"] for row in cv["per_intent"].values()) == cv["examples"]

    answers = results["answers"]
    assert answers["bot"]["asked"] == 5 and 0 <= answers["bot"]["top1"] <= 1
    # The TF-IDF baseline always runs on the whole evaluation set; keyword overlap alone gets it well above chance.
    assert answers["questions"] >= 120 and 0.3 < answers["tfidf"]["top1"] < 1

    for mode in ("sequential", "concurrent"):
        run = results["speed"]["ours"][mode]
        assert run["failed"] == 0 and run["messages"] > 0
        assert 0 < run["p50_ms"] <= run["p95_ms"] <= run["p99_ms"] < 10_000
        assert run["throughput"] > 0 and not math.isnan(run["mean_ms"])

    memory = results["memory"]["ours"]
    assert 100 < memory["rasa_peak_rss_mb"] < 8192
    assert 20 < memory["actions_peak_rss_mb"] < 2048

    marks = {t["key"]: t["passed"] for t in results["targets"]}
    assert marks["train"] is None and marks["stock_ratio"] is None  # not measured by a smoke run
    assert marks["top1"] is None  # 5 questions are no accuracy figure
