"""Chat with a running assistant in the terminal, over our REST channel (what ``make shell`` runs).

Usage: ``python -m scripts.shell [--url URL] [--sender ID]``. It waits for the server to come
up, then reads a line, prints the bot's answer with its quick replies numbered, and takes a
number as a tap on that reply; ``/stop`` or Ctrl-D ends. It talks in conversation
``rest:<sender>`` like any REST caller and sends ``REST_TOKEN`` when set. `rasa shell` is not
used: its server is Rasa's stock REST channel, which files the caller's id un-namespaced, without
our checks, next to Telegram's and the web page's conversations.
"""

import argparse
import sys
import time
import uuid
from typing import Any, Dict, List, Optional

import requests

from scripts.ask import local_url, post, refusal

STOP = "/stop"


def wait_until_up(url: str, timeout: float) -> bool:
    """Whether the REST channel's health route answered within ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{url.rstrip('/')}/webhooks/rest/", timeout=2).status_code == 200:
                return True
        except requests.RequestException:
            pass
        time.sleep(1)
    return False


def choice(text: str, buttons: List[Dict[str, Any]]) -> str:
    """The payload of quick reply number ``text`` (1-based), or ``text`` itself."""
    if text.isdigit() and 1 <= int(text) <= len(buttons):
        return str(buttons[int(text) - 1]["payload"])
    return text


def main(argv: Optional[List[str]] = None) -> int:
    """Chat until /stop or end of input."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=local_url(), help="default: RASA_INTERFACE and RASA_PORT")
    parser.add_argument("--sender", default=f"shell-{uuid.uuid4().hex[:12]}")
    parser.add_argument("--wait", type=float, default=300, help="seconds to wait for the server")
    args = parser.parse_args(argv)
    print("Starting the assistant…", flush=True)
    if not wait_until_up(args.url, args.wait):
        print(f"The assistant at {args.url} did not come up (see var/rasa-shell.log).", file=sys.stderr)
        return 1
    print(f"Type a message and press Enter ({STOP} or Ctrl-D ends; a number picks a quick reply).")
    buttons: List[Dict[str, Any]] = []
    while True:
        try:
            text = input("you: ").strip()
        except EOFError:
            return 0
        if text == STOP:
            return 0
        if not text:
            continue
        try:
            messages = post(args.url, args.sender, choice(text, buttons), timeout=120)
        except requests.HTTPError as exc:
            print(refusal(exc), file=sys.stderr)
            return 1
        except requests.RequestException as exc:
            print(f"Lost the assistant at {args.url}: {exc}", file=sys.stderr)
            return 1
        buttons = [b for m in messages for b in m.get("buttons", [])]
        for message in messages:
            if message.get("text"):
                print(f"bot: {message['text']}")
        for number, button in enumerate(buttons, start=1):
            print(f"  {number}. {button['title']}")


if __name__ == "__main__":
    sys.exit(main())
