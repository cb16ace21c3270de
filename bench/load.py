"""Load test of the scale-out stack: concurrent conversations over several Rasa replicas.

Every conversation is one person: it sends its next message only after the previous answer,
and each message goes to a randomly chosen replica, so consecutive turns of one conversation
hop between servers that share PostgreSQL (trackers) and Redis (locks). Afterwards every
conversation's tracker is read back from the database and checked: each message sent appears
exactly once, in order, and is followed by a bot reply. Also counted: HTTP errors, replies that
are the channel's apology (a turn that produced nothing), and lock failures in the replica logs.
The runner is scripts/load_runner.py and the checks scripts/stack_checks.py, which the cluster's
end-to-end tests share; this module writes the report.

Some conversations say yes to the 48-hour check-in. REST cannot be messaged unprompted, so a
check-in comes with the first reply after it fell due, claimed by whichever replica takes that
turn while both replicas' delivery loops poll the same table. Each must reach its conversation
once, and every check-in due before the conversation's last message must have reached it.

Usage::

    python -m bench.load --start [--conversations 50] [--turns 20]   # what `make load` runs
    python -m bench.load --url http://127.0.0.1:5005 --url http://127.0.0.1:5006 \\
        --db "$TRACKER_STORE_URL" --log var/rasa-5005.log --log var/rasa-5006.log

``--start`` starts its own stack (PostgreSQL, Redis, action server, two replicas) in a temporary
folder on free ports, like the tests, at ``CHECKIN_TIME_SCALE=86400`` (``--checkin-scale``) so
that check-ins fall due within seconds; otherwise point it at running replicas (``make run-cluster``).
The report goes to ``bench/results/load.json`` and ``load.md``; the exit code is 1 on any problem.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from dataclasses import asdict
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

from scripts.cluster import remove, start_cluster
from scripts.load_runner import LoadResult, run_load
from scripts.stack_checks import (
    CheckinFigures,
    action_failures,
    check_checkins,
    check_trackers,
    lock_failures,
    log_offsets,
)

RESULTS = Path(__file__).resolve().parent / "results"
# Polls per second of each replica's check-in loop in a --start run, so the loops and the turns meet.
LOAD_POLL_SECONDS = "0.5"


def summary(
    result: LoadResult,
    problems: Dict[str, List[str]],
    locks: List[str],
    actions: List[str],
    replicas: int,
    checkins: Optional[CheckinFigures] = None,
) -> Dict[str, Any]:
    """The figures of a run, as written to the JSON report."""
    duplicated = sum(1 for found in problems.values() for p in found if p.startswith("unexpected"))
    missing = sum(1 for found in problems.values() for p in found if "missing" in p or "no bot reply" in p)
    checkins = checkins or CheckinFigures()
    return {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "replicas": replicas,
        "conversations": len(result.sent),
        "turns_per_conversation": max((len(m) for m in result.sent.values()), default=0),
        "turns": len(result.turns),
        "wall_seconds": round(result.wall_seconds, 2),
        "throughput_turns_per_second": round(result.throughput, 2),
        "latency_p50_ms": round(result.percentile(50) * 1000),
        "latency_p95_ms": round(result.percentile(95) * 1000),
        "latency_max_ms": round(max(result.latencies(), default=0.0) * 1000),
        "http_errors": len(result.http_errors),
        "apologies": len(result.apologies),
        "resent_after_drop": sum(len(v) for v in result.resent.values()),
        "conversations_with_problems": len(problems),
        "unexpected_or_duplicated_messages": duplicated,
        "missing_messages_or_replies": missing,
        "lock_failures": len(locks),
        "action_failures": len(actions),
        "checkins_scheduled": checkins.scheduled,
        "checkins_delivered": checkins.delivered,
        "checkins_received": checkins.received,
        "conversations_with_checkin_problems": len(checkins.problems),
        "problems": {k: v for k, v in list(problems.items())[:20]},
        "checkin_problems": {k: v for k, v in list(checkins.problems.items())[:20]},
        "lock_failure_lines": locks[:20],
        "action_failure_lines": actions[:20],
        "errors": [asdict(t) for t in (result.http_errors + result.apologies)[:20]],
    }


def passed(report: Dict[str, Any]) -> bool:
    """Whether a run had no error of any kind."""
    return not (
        report["http_errors"]
        or report["apologies"]
        or report["conversations_with_problems"]
        or report["lock_failures"]
        or report["action_failures"]
        or report.get("conversations_with_checkin_problems")
    )


def markdown(report: Dict[str, Any]) -> str:
    """The report as a short Markdown table."""
    rows = [
        ("Conversations x turns", f"{report['conversations']} x {report['turns_per_conversation']} "
                                  f"({report['turns']} turns) over {report['replicas']} replicas"),
        ("Wall time", f"{report['wall_seconds']} s"),
        ("Throughput", f"{report['throughput_turns_per_second']} turns/s"),
        ("Latency p50 / p95 / max", f"{report['latency_p50_ms']} / {report['latency_p95_ms']} / "
                                    f"{report['latency_max_ms']} ms"),
        ("HTTP errors", report["http_errors"]),
        ("Apologies (failed turns)", report["apologies"]),
        ("Conversations with lost, duplicated or unanswered messages", report["conversations_with_problems"]),
        ("Lock failures in the replica logs", report["lock_failures"]),
        ("Failed custom actions in the replica logs", report["action_failures"]),
        ("Check-ins scheduled / delivered / received in replies",
         f"{report['checkins_scheduled']} / {report['checkins_delivered']} / {report['checkins_received']}"),
        ("Conversations with a check-in lost or received twice", report["conversations_with_checkin_problems"]),
    ]
    lines = [f"# Load test, {report['date']}", "", "| | |", "|---|---|"]
    lines += [f"| {name} | {value} |" for name, value in rows]
    lines += ["", "Result: " + ("**pass**" if passed(report) else "**FAIL**"), ""]
    return "\n".join(lines)


def _write(report: Dict[str, Any], folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "load.json").write_text(json.dumps(report, indent=2) + "\n")
    (folder / "load.md").write_text(markdown(report))


def measure(
    urls: Sequence[str], db_url: str, logs: Sequence[Path], conversations: int, turns: int, seed: int
) -> Dict[str, Any]:
    """Run the load, then check the trackers and the logs; return the report."""
    offsets = log_offsets(logs)
    result = asyncio.run(run_load(urls, conversations, turns, seed))
    problems = check_trackers(db_url, result)
    checkins = check_checkins(db_url, result)
    return summary(result, problems, lock_failures(offsets), action_failures(offsets), len(urls), checkins)


def main(argv: Optional[List[str]] = None) -> int:
    """Command line (see the module docstring)."""
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__.split("\n")[0])
    parser.add_argument("--start", action="store_true", help="start a private stack with two replicas")
    parser.add_argument("--url", action="append", default=[], help="a replica's base URL (repeat)")
    parser.add_argument("--db", help="the replicas' TRACKER_STORE_URL (needed without --start)")
    parser.add_argument("--log", action="append", type=Path, default=[], help="a replica's log file (repeat)")
    parser.add_argument("--conversations", type=int, default=50)
    parser.add_argument("--turns", type=int, default=20)
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--checkin-scale", default="86400", help="CHECKIN_TIME_SCALE of a --start stack")
    args = parser.parse_args(argv)
    if args.start:
        print("Starting PostgreSQL, Redis, the action server and two Rasa replicas...", flush=True)
        cluster = start_cluster([[], []], CHECKIN_TIME_SCALE=args.checkin_scale,
                                CHECKIN_POLL_SECONDS=LOAD_POLL_SECONDS, CHECKIN_QUIET_HOURS="")
        try:
            report = measure(cluster.urls, cluster.postgres.url, cluster.replica_logs,
                             args.conversations, args.turns, args.seed)
        finally:
            cluster.stop()
            remove(cluster.folder)
    else:
        if not args.url or not args.db:
            parser.error("give --start, or --url (at least one) and --db")
        report = measure(args.url, args.db, args.log, args.conversations, args.turns, args.seed)
    _write(report, args.out)
    print(markdown(report))
    return 0 if passed(report) else 1


if __name__ == "__main__":
    sys.exit(main())
