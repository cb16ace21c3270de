"""Ask a running assistant one question over REST and print its answer, for scripts.

Usage: ``python -m scripts.ask [--url URL] [--sender ID] "question"``; exits 1 when the
server cannot be reached or answers with an error.
"""

import argparse
import sys
from typing import List, Optional

import requests


def ask(url: str, sender: str, question: str, timeout: float = 30.0) -> List[str]:
    """The bot's reply texts (with button titles in brackets) for one question."""
    reply = requests.post(
        f"{url.rstrip('/')}/webhooks/rest/webhook",
        json={"sender": sender, "message": question},
        timeout=timeout,
    )
    reply.raise_for_status()
    lines = []
    for message in reply.json():
        text = message.get("text", "")
        buttons = " ".join(f"[{b['title']}]" for b in message.get("buttons", []))
        lines.append(f"{text} {buttons}".strip())
    return lines


def main(argv: Optional[List[str]] = None) -> int:
    """Parse arguments, ask, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("question")
    parser.add_argument("--url", default="http://127.0.0.1:5005")
    parser.add_argument("--sender", default="cli")
    args = parser.parse_args(argv)
    if not args.question.strip():
        print('Give a question, e.g. make ask Q="heat or ice?"', file=sys.stderr)
        return 2
    try:
        for line in ask(args.url, args.sender, args.question):
            print(line)
    except requests.RequestException as exc:
        print(f"Could not ask the assistant at {args.url}: {exc}. Is `make run` running?", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
