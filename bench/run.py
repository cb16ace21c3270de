"""``make bench``: every measurement of issue 7 in one run, then the report, the plots and a summary.

Usage::

    python -m bench.run            # full run (what `make bench` does); about 20 minutes on 2 cores
    python -m bench.run --smoke    # each stage on a tiny slice, against servers started from
                                   # models/backcare.tar.gz (`make train`); about a minute
    python -m bench.run --render bench/results/<date>.json   # redraw an earlier run's report

A full run trains our model from scratch, cross-validates three NLU configs on the same folds,
creates and trains the stock ``rasa init`` bot, serves both bots in turn (never at the same time, so
they do not compete for the two cores), and writes ``bench/results/<date>.json`` and ``.md`` plus
PNGs; the latest report and plots are copied to ``docs/bench/`` for the README.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import shutil
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from backcare.encoder import get_encoder
from backcare.guidance_loader import load_store
from backcare.ranking import GuidanceIndex
from bench import answers as answer_stage
from bench import breakdown, evalsets, machine, plots, report, speed, stack, training
from bench.common import CONFIGS, DOCS, EVAL_SET, REPO, RESULTS
from bench.nlu_cv import entity_annotations, load_nlu, run_cv, write_sample
from bench.targets import CONCURRENCY, check
from channels.guard import APOLOGY
from scripts.servers import MODEL, Server, private_env, start_actions, start_rasa

SEED = 42
FOLDS = 5
NLU_DATA = REPO / "data" / "nlu"
PROJECT_CONFIGS = {
    "project": REPO / "config.yml",
    "rasa_init": CONFIGS / "rasa_init.yml",
    "tfidf_logreg": CONFIGS / "tfidf_logreg.yml",
}
WARM_UP = 5
# Every question set the baselines run on: the committed one, then the two written before tuning.
QUESTION_SETS = {"questions": EVAL_SET, **{Path(name).stem: evalsets.EVAL / name for name in evalsets.QUESTION_SETS}}


def _cpu_seconds() -> float:
    """CPU time (user + system) of this process and of every child it has waited for.

    Unlike wall time it hardly changes when other work competes for the cores, so it tells how
    long the run would take on an idle machine (at least CPU time / cores).
    """
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


class Plan:
    """How much of each stage a run does: the full bench or the smoke slice."""

    def __init__(self, smoke: bool) -> None:
        self.smoke = smoke
        self.folds = 2 if smoke else FOLDS
        # The smoke run cross-validates only the cheapest config, on a few examples per intent.
        self.configs = {"tfidf_logreg": PROJECT_CONFIGS["tfidf_logreg"]} if smoke else PROJECT_CONFIGS
        self.sample_per_intent = 6 if smoke else 0
        self.questions = 5 if smoke else 0  # 0: all of them
        self.sequential = (4, 2) if smoke else (50, 4)  # conversations, turns
        self.concurrent = (3, 2) if smoke else (40, 8)
        self.concurrency = 3 if smoke else CONCURRENCY


class Bench:
    """Collects the figures of one run and the load average at the start of each stage."""

    def __init__(self, plan: Plan, workdir: Path) -> None:
        self.plan = plan
        self.workdir = workdir
        self.results: Dict[str, Any] = {}
        self.load: Dict[str, float] = {}
        self.marks: List[Tuple[str, float, float]] = []
        self.started = datetime.now()
        self.clock = time.perf_counter()

    def stage(self, name: str) -> None:
        """Note the time, the CPU time used so far and the machine's load as a stage starts; say so."""
        self.marks.append((name, time.perf_counter(), _cpu_seconds()))
        self.load[name] = machine.load()
        print(f"\n== {name} (load {self.load[name]:.1f})", flush=True)

    # Stage 1 ---------------------------------------------------------------------------------

    def nlu(self) -> None:
        """Cross-validate every config on the same data and folds."""
        self.stage("nlu")
        data = NLU_DATA
        if self.plan.sample_per_intent:
            data = write_sample(NLU_DATA, self.workdir / "nlu-sample.yml", self.plan.sample_per_intent, SEED)
        training_data = load_nlu(data)
        configs = {}
        for name, config in self.plan.configs.items():
            configs[name] = run_cv(name, config, data, self.plan.folds, SEED, self.workdir).to_json()
        digests = {tuple(c["fold_digests"]) for c in configs.values()}
        annotations = entity_annotations(data)
        entity_note = (
            f"not measurable: the training data has {annotations} entity annotations. Entities come from the "
            "spaCy entity ruler (patterns built from the guidance store's vocabulary), not from a trained "
            "extractor, so there is nothing to score them against."
            if annotations == 0
            else "see the per-extractor reports in the JSON (`entity_reports`)."
        )
        self.results["nlu"] = {
            "data": str(data.relative_to(REPO)) if data.is_relative_to(REPO) else data.name,
            "examples": len(training_data.intent_examples),
            "intents": len(training_data.intents),
            "folds": self.plan.folds,
            "seed": SEED,
            "same_folds": len(digests) == 1,
            "entity_annotations": annotations,
            "entity_note": entity_note,
            "configs": configs,
        }

    # Stage 2 ---------------------------------------------------------------------------------

    def questions(self) -> List[answer_stage.Question]:
        """The evaluation set, or its first few questions in a smoke run."""
        questions = answer_stage.load_questions(EVAL_SET)
        return questions[: self.plan.questions] if self.plan.questions else questions

    def tfidf(self) -> None:
        """The search baselines on every question set, always in full (they take seconds).

        TF-IDF (an off-the-shelf search box), the store's BM25, and pure dense retrieval (the
        encoder's nearest question or paraphrase): the parts of our ranker, each on its own.
        """
        self.stage("baselines")
        store = load_store(REPO / "guidance")
        found = answer_stage.tfidf_baseline(store, answer_stage.load_questions(EVAL_SET))
        self.results.setdefault("answers", {})["tfidf"] = {
            "top1": answer_stage.top1(found), "answers": [a.to_json() for a in found]}
        self.results["answers"]["questions"] = len(found)
        index = GuidanceIndex(store, get_encoder())
        baselines: Dict[str, Dict[str, float]] = {}
        for name, path in QUESTION_SETS.items():
            questions = answer_stage.load_questions(path)
            baselines[name] = {
                "tfidf": answer_stage.top1(answer_stage.tfidf_baseline(store, questions)),
                "bm25": answer_stage.top1(answer_stage.bm25_baseline(store, questions)),
                "dense": answer_stage.top1(answer_stage.dense_baseline(index, questions)),
            }
        self.results["answers"]["baselines"] = baselines

    def heldout(self, url: str) -> None:
        """The sets written before tuning and never tuned on: questions, warning signs, conversations."""
        self.stage("held-out sets")
        scored = asyncio.run(evalsets.score(url))
        self.results["heldout"] = {
            name: {**{k: v for k, v in result.items() if k != "misses"}, "misses": len(result["misses"])}
            for name, result in scored.items()
        }

    def bot_answers(self, url: str) -> None:
        """Ask the running assistant every evaluation question, each in a new conversation."""
        self.stage("answers")
        found = answer_stage.ask_bot(url, self.questions())
        self.results.setdefault("answers", {})["bot"] = {
            "asked": len(found),
            "top1": answer_stage.top1(found),
            "asked_onset": sum(a.asked_onset for a in found),
            "misses": [a.to_json() for a in found if not a.correct],
            "answers": [a.to_json() for a in found],
        }

    # Stage 3 ---------------------------------------------------------------------------------

    def speed(self, bot: str, url: str, texts: Sequence[str], timings: Optional[Path] = None) -> None:
        """Sequential and concurrent load against one running bot.

        ``timings``: the per-stage log of a Rasa server started through ``bench/timed_rasa.py``;
        the sequential pass's turns are broken down from it (none when the server is not timed).
        """
        self.stage(f"speed {bot}")
        speed.warm_up(url, texts, WARM_UP)
        seq_n, seq_turns = self.plan.sequential
        conc_n, conc_turns = self.plan.concurrent
        sequential = speed.measure(url, texts, seq_n, seq_turns, 1, f"{bot} sequential")
        self.results.setdefault("speed", {})[bot] = {
            "sequential": sequential.to_json(),
            "concurrent": speed.measure(url, texts, conc_n, conc_turns, self.plan.concurrency,
                                        f"{bot} {self.plan.concurrency} concurrent").to_json(),
        }
        # The sequential pass only: one message in flight, so a stage's time is that message's own.
        if timings is not None:
            self.results.setdefault("breakdown", {})[bot] = breakdown.measure(timings, sequential.samples)
        self.results["speed"]["workload"] = {
            "warm_up": WARM_UP,
            "sequential": f"{seq_n} conversations × {seq_turns} messages, one message in flight",
            "concurrent": (f"{conc_n} conversations × {conc_turns} messages, "
                           f"{self.plan.concurrency} conversations in flight"),
        }

    def memory(self, bot: str, rasa: Server, actions: Server) -> None:
        """Peak RSS of both servers, read after the load."""
        self.results.setdefault("memory", {})[bot] = stack.memory(rasa, actions)

    # Full run --------------------------------------------------------------------------------

    def full(self) -> None:
        """Every stage, one bot served at a time."""
        self.stage("train ours")
        ours = training.train_ours(self.workdir)
        self.results.setdefault("training", {})["ours"] = {"seconds": ours.seconds, "model_mb": ours.size_mb}

        self.nlu()

        self.stage("train stock")
        stock = training.init_stock(self.workdir)
        self.results["training"]["stock"] = {"seconds": stock.seconds, "model_mb": stock.size_mb}

        questions = self.questions()
        self.stage("start ours")
        running = stack.start(
            "ours", REPO, ours.model, REPO / "endpoints.yml", REPO / "credentials.yml", "actions",
            private_env(self.workdir), self.workdir / "logs", questions[0].text,
            lambda turn: bool(turn.messages) and APOLOGY not in turn.text,
        )
        try:
            self.results.setdefault("startup", {})["ours"] = {"first_answer_s": running.first_answer_s}
            self.bot_answers(running.url)
            self.heldout(running.url)
            self.speed("ours", running.url, [q.text for q in questions], running.timings)
            self.memory("ours", running.rasa, running.actions)
        finally:
            running.stop()

        stock_texts = [ex.get("text") for ex in load_nlu(stock.project / "data" / "nlu.yml").intent_examples]
        self.stage("start stock")
        running = stack.start(
            "stock", stock.project, stock.model, training.stock_endpoints(stock.project),
            stock.project / "credentials.yml", "actions", private_env(self.workdir), self.workdir / "logs",
            stock_texts[0], lambda turn: bool(turn.messages),
        )
        try:
            self.results["startup"]["stock"] = {"first_answer_s": running.first_answer_s}
            self.speed("stock", running.url, stock_texts, running.timings)
            self.memory("stock", running.rasa, running.actions)
        finally:
            running.stop()

        self.tfidf()

    def smoke(self, rasa: Server, actions: Server, timings: Optional[Path] = None) -> None:
        """Each stage on a tiny slice, against an already running assistant (timed if ``timings``)."""
        self.nlu()
        self.bot_answers(rasa.url)
        self.speed("ours", rasa.url, [q.text for q in self.questions()], timings)
        self.memory("ours", rasa, actions)
        self.tfidf()

    # Output ----------------------------------------------------------------------------------

    def write(self, out_dir: Path, docs: Optional[Path], command: str) -> Dict[str, Path]:
        """Write the JSON, the report, the plots and the README section; print the summary table.

        Args:
            out_dir: Where ``<date>.json``, ``<date>.md`` and ``<date>-*.png`` go.
            docs: Where the latest report, plots and README section are copied, or None.
            command: The command line to quote in the report.

        Returns:
            The files written, by kind.
        """
        stamp = self.started.strftime("%Y-%m-%d-%H%M")
        ends = [(t, c) for _, t, c in self.marks[1:]] + [(time.perf_counter(), _cpu_seconds())]
        stage_s = {name: end[0] - begin for (name, begin, _), end in zip(self.marks, ends)}
        stage_cpu_s = {name: end[1] - begin for (name, _, begin), end in zip(self.marks, ends)}
        self.results["meta"] = {
            "started": self.started.isoformat(timespec="seconds"),
            "finished": datetime.now().isoformat(timespec="seconds"),
            "duration_s": time.perf_counter() - self.clock,
            "command": command,
            "mode": "smoke" if self.plan.smoke else "full",
            "seed": SEED,
            "machine": machine.describe(),
            "load": self.load,
            "stage_s": stage_s,
            "stage_cpu_s": stage_cpu_s,
            "cpu_s": _cpu_seconds(),
        }
        return publish(self.results, out_dir, docs, stamp)


def publish(results: Dict[str, Any], out_dir: Path, docs: Optional[Path], stamp: str) -> Dict[str, Path]:
    """Check the targets, draw the plots, write the JSON and the report; print the summary table.

    Args:
        results: The figures, with ``meta`` filled in.
        out_dir: Where ``<stamp>.json``, ``<stamp>.md`` and ``<stamp>-*.png`` go.
        docs: Where the latest report, plots and README section are copied, or None.
        stamp: The run's date and time, naming its files.

    Returns:
        The files written, by kind.
    """
    targets = check(results)
    results["targets"] = [t.to_json() for t in targets]
    out_dir.mkdir(parents=True, exist_ok=True)
    figures: Dict[str, Callable[[Path], Path]] = {}
    configs = results.get("nlu", {}).get("configs", {})
    if configs:
        main_cv = configs.get("project") or next(iter(configs.values()))
        figures["confusion"] = lambda p: plots.confusion(main_cv, p)
        figures["intent_f1"] = lambda p: plots.intent_f1(configs, p)
    if "answers" in results:
        figures["answers"] = lambda p: plots.answers(results["answers"], p)
    if "speed" in results:
        figures["latency"] = lambda p: plots.latency(results["speed"], p)
    written: Dict[str, Path] = {}
    for name, draw in figures.items():
        written[name] = draw(out_dir / f"{stamp}-{name}.png")
    json_path = out_dir / f"{stamp}.json"
    json_path.write_text(json.dumps(results, indent=1, default=str), encoding="utf-8")
    md_path = out_dir / f"{stamp}.md"
    images = {k: p.name for k, p in written.items()}
    md_path.write_text(report.render(results, targets, images), encoding="utf-8")
    written.update(json=json_path, report=md_path)
    if docs is not None:
        docs.mkdir(parents=True, exist_ok=True)
        doc_images = {}
        for name in figures:
            shutil.copyfile(written[name], docs / f"{name}.png")
            doc_images[name] = f"{name}.png"
        (docs / "report.md").write_text(report.render(results, targets, doc_images), encoding="utf-8")
        readme_images = {k: f"docs/bench/{v}" for k, v in doc_images.items()}
        (docs / "README-section.md").write_text(
            report.readme_section(results, targets, readme_images), encoding="utf-8")
        written["docs"] = docs
    print("\n" + report.console(targets))
    print(f"\nReport: {md_path.relative_to(REPO) if md_path.is_relative_to(REPO) else md_path}")
    return written


def run_smoke(rasa: Server, actions: Server, out_dir: Path, timings: Optional[Path] = None) -> Dict[str, Path]:
    """The smoke run against servers someone else started (the pytest fixture); writes to ``out_dir``.

    ``timings``: the per-stage log, when the Rasa server runs through ``bench/timed_rasa.py``.
    """
    workdir = Path(tempfile.mkdtemp(prefix="bench-smoke-"))
    try:
        bench = Bench(Plan(smoke=True), workdir)
        bench.smoke(rasa, actions, timings)
        return bench.write(out_dir, None, "python -m bench.run --smoke")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _smoke_cli(out_dir: Path) -> Dict[str, Path]:
    """``--smoke`` from the command line: start the assistant from models/backcare.tar.gz first."""
    if not MODEL.exists():
        raise SystemExit(f"{MODEL.relative_to(REPO)} is missing: run `make train` first.")
    workdir = Path(tempfile.mkdtemp(prefix="bench-smoke-stack-"))
    env = private_env(workdir)
    actions = start_actions(workdir, env)
    env["ACTION_ENDPOINT_URL"] = f"{actions.url}/webhook"
    try:
        timings = workdir / "turn-timings.jsonl"
        rasa = start_rasa(workdir, env, REPO / "credentials.yml", launcher=stack.TIMED_RASA,
                          extra_args=[breakdown.LOG_FLAG, str(timings)])
        try:
            return run_smoke(rasa, actions, out_dir, timings)
        finally:
            rasa.stop()
    finally:
        actions.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def main(argv: Optional[List[str]] = None) -> int:
    """Parse arguments and run the bench."""
    parser = argparse.ArgumentParser(description="Measure the assistant against its baselines (issue 7).")
    parser.add_argument("--smoke", action="store_true", help="each stage on a tiny slice (about a minute)")
    parser.add_argument("--out", type=Path, default=None, help="results folder (default bench/results)")
    parser.add_argument("--no-docs", action="store_true", help="do not copy the report and plots to docs/bench/")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder (models, logs)")
    parser.add_argument("--render", type=Path, metavar="JSON",
                        help="only redraw the report and plots of an earlier run from its results file")
    args = parser.parse_args(argv)

    if args.render:
        results = json.loads(args.render.read_text(encoding="utf-8"))
        publish(results, args.render.parent, None if args.no_docs else DOCS, args.render.stem)
        return 0

    if args.smoke:
        _smoke_cli(args.out or RESULTS / "smoke")
        return 0

    workdir = Path(tempfile.mkdtemp(prefix="bench-"))
    bench = Bench(Plan(smoke=False), workdir)
    try:
        bench.full()
    except BaseException:
        print(f"\nThe bench failed; models and logs are kept in {workdir}", file=sys.stderr)
        raise
    bench.write(args.out or RESULTS, None if args.no_docs else DOCS, "make bench")
    if args.keep:
        print(f"Scratch folder kept: {workdir}")
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
