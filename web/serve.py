"""Serve the chat page, its two npm libraries and /config.json on 127.0.0.1:$WEB_PORT.

Run with ``python web/serve.py`` (``make web``). Settings (``backcare.settings``): ``WEB_PORT``
(default 8080), ``WEB_HOST`` (default 127.0.0.1) and ``RASA_PORT`` (default 5005), the port the
page's socket connects to on the same host name the page was loaded from.
"""

import re
import sys
from pathlib import Path
from typing import Dict

from aiohttp import web
from aiohttp.typedefs import Handler
from yarl import URL

HERE = Path(__file__).resolve().parent
if __package__ in (None, ""):
    # Run as a script (`python web/serve.py`): the repo root, where backcare/ lives, is not on the path.
    sys.path.insert(0, str(HERE.parent))

from backcare import settings  # noqa: E402

MODULES = HERE / "node_modules"

# Only these files are served: nothing else under web/ (or node_modules) is reachable.
PAGE_FILES: Dict[str, Path] = {
    "/": HERE / "index.html",
    "/app.js": HERE / "app.js",
    "/style.css": HERE / "style.css",
    "/vendor/socket.io.esm.min.js": MODULES / "socket.io-client/dist/socket.io.esm.min.js",
    "/vendor/socket.io.esm.min.js.map": MODULES / "socket.io-client/dist/socket.io.esm.min.js.map",
    "/vendor/purify.es.mjs": MODULES / "dompurify/dist/purify.es.mjs",
    "/vendor/purify.es.mjs.map": MODULES / "dompurify/dist/purify.es.mjs.map",
}
# mimetypes does not know .mjs on Python 3.10, and browsers refuse modules served as text/plain.
CONTENT_TYPES = {
    ".html": "text/html",
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".css": "text/css",
    ".map": "application/json",
}


def rasa_url(request: web.Request) -> str:
    """The Rasa server as the browser can reach it: the page's host name on ``RASA_PORT``."""
    try:
        host = URL(f"http://{request.host}").raw_host or ""
    except ValueError:
        host = ""
    # The Host header goes into a response header (CSP): accept plain names and IP literals only.
    if not re.fullmatch(r"[A-Za-z0-9.:-]+", host):
        host = "127.0.0.1"
    host = f"[{host}]" if ":" in host else host  # an IPv6 literal needs its brackets back
    return f"http://{host}:{settings.rasa_port()}"


@web.middleware
async def security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Tell the browser to run only our own scripts and talk only to us and Rasa (defence in depth)."""
    reply = await handler(request)
    socket = rasa_url(request)
    reply.headers["Content-Security-Policy"] = (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        f"connect-src 'self' {socket} {socket.replace('http', 'ws', 1)}; "
        "object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )
    reply.headers["X-Content-Type-Options"] = "nosniff"
    reply.headers["Referrer-Policy"] = "no-referrer"
    return reply


async def config(request: web.Request) -> web.Response:
    """Where the page's socket connects."""
    return web.json_response({"socketUrl": rasa_url(request), "socketPath": "/socket.io"})


async def static(request: web.Request) -> web.StreamResponse:
    """One of :data:`PAGE_FILES`, never cached so an edited page shows on reload."""
    path = PAGE_FILES[request.path]
    if not path.is_file():
        raise web.HTTPNotFound(text=f"{path.name} is missing: run `make web-deps`.")
    return web.FileResponse(
        path,
        headers={
            "Content-Type": CONTENT_TYPES.get(path.suffix, "application/octet-stream"),
            "Cache-Control": "no-cache",
        },
    )


def make_app() -> web.Application:
    """The page's aiohttp application."""
    app = web.Application(middlewares=[security_headers])
    app.router.add_get("/config.json", config)
    for route in PAGE_FILES:
        app.router.add_get(route, static)
    return app


if __name__ == "__main__":
    port = settings.web_port()
    web.run_app(
        make_app(),
        host=settings.web_host(),
        port=port,
        print=lambda _: print(f"Chat page: http://localhost:{port}/", flush=True),
    )
