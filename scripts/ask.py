"""Ask a running assistant one question over REST and print its answer, for scripts.

Usage: ``python -m scripts.ask [--url URL] [--sender ID] "question"``; exits 1 when the
server cannot be reached or answers with an error. ``REST_TOKEN``, when set, is sent as a bearer
token (read from the environment, never from the command line, where ``ps`` would show it).
"""

import argparse
import ipaddress
import sys
from typing import Any, Dict, List, Optional

import requests

from backcare import settings


def local_url() -> str:
    """The Rasa server as started by ``make`` on this machine: ``RASA_INTERFACE`` and ``RASA_PORT``."""
    host = settings.rasa_interface()
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        address = None
    if address is not None and address.is_unspecified:
        host = "127.0.0.1"  # 0.0.0.0 / :: listen everywhere, loopback included
    elif address is not None and address.version == 6:
        host = f"[{address}]"
    return f"http://{host}:{settings.rasa_port()}"


def post(url: str, sender: str, text: str, timeout: float = 30.0) -> List[Dict[str, Any]]:
    """The bot's messages for one message from ``sender``, with ``REST_TOKEN`` if set."""
    token = settings.rest_token()
    reply = requests.post(
        f"{url.rstrip('/')}/webhooks/rest/webhook",
        json={"sender": sender, "message": text},
        headers={"Authorization": f"Bearer {token}"} if token else {},
        timeout=timeout,
    )
    reply.raise_for_status()
    messages = reply.json()
    return messages if isinstance(messages, list) else []


def lines(messages: List[Dict[str, Any]]) -> List[str]:
    """Each message's text with its button titles in brackets."""
    shown = []
    for message in messages:
        text = message.get("text", "")
        buttons = " ".join(f"[{b['title']}]" for b in message.get("buttons", []))
        shown.append(f"{text} {buttons}".strip())
    return shown


def ask(url: str, sender: str, question: str, timeout: float = 30.0) -> List[str]:
    """The bot's reply texts (with button titles in brackets) for one question."""
    return lines(post(url, sender, question, timeout))


def refusal(error: requests.HTTPError) -> str:
    """What to tell the person when the server answered with an error status."""
    status = error.response.status_code if error.response is not None else 0
    if status in (401, 403):
        return (f"The assistant refused the call ({status}): set REST_TOKEN to the server's token "
                "(REST needs it when Rasa listens beyond loopback).")
    return f"The assistant answered with an error: {error}"


def main(argv: Optional[List[str]] = None) -> int:
    """Parse arguments, ask, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("question")
    parser.add_argument("--url", default=local_url(), help="default: RASA_INTERFACE and RASA_PORT")
    parser.add_argument("--sender", default="cli")
    args = parser.parse_args(argv)
    if not args.question.strip():
        print('Give a question, e.g. make ask Q="heat or ice?"', file=sys.stderr)
        return 2
    try:
        for line in ask(args.url, args.sender, args.question):
            print(line)
    except requests.HTTPError as exc:
        print(refusal(exc), file=sys.stderr)
        return 1
    except requests.RequestException as exc:
        print(f"Could not ask the assistant at {args.url}: {exc}. Is `make run` running?", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
