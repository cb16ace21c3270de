"""Stage 1, intent understanding: ``rasa test nlu --cross-validation`` per config on the same folds."""

from __future__ import annotations

import json
import random
import re
import sys
import time
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional

from sklearn.metrics import confusion_matrix, precision_recall_fscore_support
from tqdm import tqdm

from bench.common import REPO, rasa_env, stream, tail
from bench.seeded_rasa import FOLD_DONE

NO_PREDICTION = "(none)"


@dataclass
class CvResult:
    """One config's cross-validated intent figures (test folds only, accumulated)."""

    name: str
    config: str
    folds: int
    seconds: float
    examples: int
    accuracy: float
    macro_f1: float
    fold_digests: List[str]
    per_intent: Dict[str, Dict[str, float]]
    labels: List[str] = field(default_factory=list)
    confusion: List[List[int]] = field(default_factory=list)
    rasa_macro_f1: Optional[float] = None
    entity_reports: Dict[str, Dict[str, Any]] = field(default_factory=dict)
    errors: List[Dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> Dict[str, Any]:
        """Plain data for the results file."""
        return asdict(self)


def load_nlu(path: Path) -> Any:
    """Rasa's own reading of the NLU data (``TrainingData``), so counts match what it trains on."""
    from rasa.shared.nlu.training_data.loading import load_data

    return load_data(str(path))


def entity_annotations(path: Path) -> int:
    """How many training examples carry entity annotations; 0 means entity F1 cannot be measured."""
    return len(load_nlu(path).entity_examples)


def write_sample(source: Path, out: Path, per_intent: int, seed: int) -> Path:
    """Write a small stratified sample of the NLU data, for the smoke run.

    Args:
        source: File or folder of NLU data.
        out: The YAML file to write.
        per_intent: Examples kept per intent (intents with fewer keep all).
        seed: Seed of the sampling.

    Returns:
        ``out``.
    """
    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLWriter
    from rasa.shared.nlu.training_data.training_data import TrainingData

    by_intent: Dict[str, List[Any]] = defaultdict(list)
    for example in load_nlu(source).intent_examples:
        by_intent[example.get("intent")].append(example)
    rng = random.Random(seed)
    kept = [
        example
        for intent in sorted(by_intent)
        for example in rng.sample(by_intent[intent], min(per_intent, len(by_intent[intent])))
    ]
    out.parent.mkdir(parents=True, exist_ok=True)
    RasaYAMLWriter().dump(out, TrainingData(training_examples=kept))
    return out


def _predictions(out_dir: Path) -> List[Dict[str, Any]]:
    """Every test-fold prediction: Rasa writes the right ones and the wrong ones to two files."""
    rows: List[Dict[str, Any]] = []
    for name in ("intent_successes.json", "intent_errors.json"):
        path = out_dir / name
        if path.exists():
            rows.extend(json.loads(path.read_text(encoding="utf-8")))
    return rows


def score(rows: List[Dict[str, Any]]) -> Dict[str, Any]:
    """Accuracy, macro-F1 and per-intent figures over the intents that have test examples.

    Macro-F1 averages over the labelled intents only. Rasa's own "macro avg" also averages over
    labels that were only ever predicted (``nlu_fallback``, the rule-set ``red_flag_*``), each with
    an F1 of 0, which punishes the same mistake twice; those predictions still count here, as
    misses of the true intent.

    Args:
        rows: Predictions as in Rasa's ``intent_successes.json`` / ``intent_errors.json``.

    Returns:
        ``accuracy``, ``macro_f1``, ``per_intent``, ``labels`` and ``confusion`` (rows: true label).
    """
    truth = [r["intent"] for r in rows]
    predicted = [(r.get("intent_prediction") or {}).get("name") or NO_PREDICTION for r in rows]
    intents = sorted(set(truth))
    precision, recall, f1, support = precision_recall_fscore_support(
        truth, predicted, labels=intents, zero_division=0
    )
    per_intent = {
        intent: {"precision": float(p), "recall": float(r), "f1": float(f), "support": int(s)}
        for intent, p, r, f, s in zip(intents, precision, recall, f1, support)
    }
    labels = intents + sorted(set(predicted) - set(intents))
    matrix = confusion_matrix(truth, predicted, labels=labels)
    return {
        "accuracy": sum(t == p for t, p in zip(truth, predicted)) / max(len(truth), 1),
        "macro_f1": float(sum(f1) / max(len(f1), 1)),
        "per_intent": per_intent,
        "labels": labels,
        "confusion": matrix.tolist(),
    }


def run_cv(
    name: str,
    config: Path,
    nlu: Path,
    folds: int,
    seed: int,
    workdir: Path,
) -> CvResult:
    """Cross-validate one config with ``rasa test nlu --cross-validation`` and score its test folds.

    Args:
        name: Short name for the report.
        config: The config file.
        nlu: NLU data file or folder (the same for every config).
        folds: Number of folds.
        seed: Seed of numpy's global generator, which Rasa's fold split draws from.
        workdir: Scratch folder; Rasa's output, its log and a private training cache go here.

    Returns:
        The figures.

    Raises:
        RuntimeError: Rasa failed; the message ends with its log.
    """
    out = workdir / f"cv-{name}"
    log = workdir / f"cv-{name}.log"
    folds_file = out / "folds.json"
    out.mkdir(parents=True, exist_ok=True)
    args = [
        sys.executable, "-m", "bench.seeded_rasa", "--seed", str(seed), "--folds-out", str(folds_file), "--",
        "test", "nlu", "--cross-validation", "--folds", str(folds), "--config", str(config),
        "--nlu", str(nlu), "--out", str(out), "--successes", "--no-plot",
    ]
    bar = tqdm(total=folds, desc=f"cv {name}", unit="fold")
    done = re.compile(rf"{FOLD_DONE} (\d+)/")

    def on_line(line: str) -> None:
        match = done.search(line)
        if match:
            bar.update(int(match.group(1)) - bar.n)

    started = time.perf_counter()
    status = stream(args, REPO, rasa_env(workdir / f"cache-{name}"), log, on_line)
    seconds = time.perf_counter() - started
    bar.close()
    if status != 0:
        raise RuntimeError(f"cross-validation of {config} failed ({status}):\n{tail(log)}")

    rows = _predictions(out)
    figures = score(rows)
    report_path = out / "intent_report.json"
    rasa_report = json.loads(report_path.read_text(encoding="utf-8")) if report_path.exists() else {}
    entity_reports = {
        path.stem.removesuffix("_report"): json.loads(path.read_text(encoding="utf-8"))
        for path in sorted(out.glob("*_report.json"))
        if path.name not in ("intent_report.json", "response_selection_report.json")
    }
    errors = [
        {"text": r["text"], "intent": r["intent"], "predicted": (r.get("intent_prediction") or {}).get("name")}
        for r in rows
        if r["intent"] != (r.get("intent_prediction") or {}).get("name")
    ]
    return CvResult(
        name=name,
        config=str(config.relative_to(REPO) if config.is_relative_to(REPO) else config),
        folds=folds,
        seconds=seconds,
        examples=len(rows),
        accuracy=figures["accuracy"],
        macro_f1=figures["macro_f1"],
        fold_digests=[f["digest"] for f in json.loads(folds_file.read_text(encoding="utf-8"))],
        per_intent=figures["per_intent"],
        labels=figures["labels"],
        confusion=figures["confusion"],
        rasa_macro_f1=(rasa_report.get("macro avg") or {}).get("f1-score"),
        entity_reports={
            k: {"macro avg": v.get("macro avg"), "micro avg": v.get("micro avg")} for k, v in entity_reports.items()
        },
        errors=errors,
    )


def main(argv: Optional[List[str]] = None) -> int:
    """Cross-validate one config alone on the bench's data, folds and seed; print the figures.

    ``python -m bench.nlu_cv --config config.yml`` gives the "project" row of ``make bench``'s
    stage 1 without the other configs and stages.
    """
    import argparse
    import tempfile

    from bench.run import FOLDS, NLU_DATA, SEED

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--config", type=Path, default=REPO / "config.yml")
    parser.add_argument("--name", default="project")
    parser.add_argument("--nlu", type=Path, default=NLU_DATA, help="NLU data (default: the bench's, data/nlu)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="nlu-cv-") as workdir:
        result = run_cv(args.name, args.config.resolve(), args.nlu.resolve(), FOLDS, SEED, Path(workdir))
    print(f"macro-F1 {result.macro_f1:.3f}  accuracy {result.accuracy:.3f}  ({result.examples} examples)")
    for intent, figures in sorted(result.per_intent.items(), key=lambda item: item[1]["f1"]):
        print(f"  {intent:22} f1 {figures['f1']:.2f}  support {figures['support']}")
    if args.json:
        args.json.write_text(json.dumps(result.to_json(), indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
