"""Serving with waitress: its settings, and guards against slow and hostile clients.

`python app.py` serves through `serve(app)`. On top of waitress's own settings (threads,
connection limit, channel timeout, body size) three small extensions of waitress's classes:

- A body larger than its route allows is refused with 413 from its `Content-Length`, as soon as
  the headers have arrived: an upload may send the upload limit, anything else the form limit.
  waitress alone reads (and spools to disk) any body under one global limit before the app sees it.
- waitress's own error answers (400, 413, 431, 501 ...) are a Russian HTML page with the app's
  security headers instead of English plain text.
- One client address may hold at most CONNECTIONS_PER_ADDRESS connections; a further one gets a
  short 503 and is closed. Without this, one machine trickling bytes into 100 connections kept
  everybody else out. Behind a reverse proxy every connection comes from the proxy, so the cap is
  off when FISOKO_TRUSTED_PROXIES is set: the proxy limits per client (see docs/security.md).

These rely on waitress's class attributes `parser_class`, `error_task_class` and
`channel_class`, stable through waitress 3.0 (pinned ~=3.0.2 in requirements.txt).
`waitress-serve --call app:create_app` serves without these guards.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Callable

from flask import Flask
from waitress.channel import HTTPChannel
from waitress.parser import HTTPRequestParser
from waitress.server import BaseWSGIServer, MultiSocketServer, create_server
from waitress.task import ErrorTask
from waitress.utilities import RequestEntityTooLarge

from fisoko.web.errors import MESSAGES
from fisoko.web.security import FORM_LIMIT, HEADERS, UPLOAD_PATH

log = logging.getLogger("fisoko")

WAITRESS_MESSAGES = {
    **MESSAGES,
    431: ("Слишком большие заголовки", "Запрос содержит слишком большие заголовки."),
    501: ("Не поддерживается", "Сервер не поддерживает такой способ передачи данных."),
}
BUSY_PAGE = "Слишком много соединений с вашего адреса. Закройте лишние вкладки и повторите."


def options(config: dict) -> dict:
    """waitress's settings from the app's (see docs/security.md for why these values)."""
    return {
        "host": config["HOST"],
        "port": config["PORT"],
        "ident": "fisoko",
        "threads": config["THREADS"],
        "connection_limit": config["CONNECTION_LIMIT"],
        "channel_timeout": config["CHANNEL_TIMEOUT"],
        "cleanup_interval": min(10, config["CHANNEL_TIMEOUT"]),
        "max_request_body_size": config["MAX_CONTENT_LENGTH"] + 1,
        "max_request_header_size": 64 * 1024,
    }


def body_limit(path: str, upload_limit: int) -> int:
    """The largest body a request to `path` may send."""
    return upload_limit if path == UPLOAD_PATH else FORM_LIMIT


def error_page(code: int, reason: str) -> bytes:
    """A small Russian HTML page for an error waitress answers itself (no app, no template)."""
    title, text = WAITRESS_MESSAGES.get(code, MESSAGES[500] if code >= 500 else MESSAGES[400])
    return (
        '<!doctype html>\n<html lang="ru"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)} — ФИС ОКО</title></head><body>"
        f"<h1>{html.escape(title)}</h1><p>{html.escape(text)}</p>"
        f"<p>Код ошибки: {code} {html.escape(reason)}</p></body></html>\n"
    ).encode()


class RussianErrorTask(ErrorTask):
    """waitress's error answer as a Russian page with the security headers."""

    def execute(self) -> None:
        error = self.request.error
        body = error_page(error.code, error.reason)
        self.status = f"{error.code} {error.reason}"
        self.response_headers.append(("Content-Type", "text/html; charset=utf-8"))
        self.response_headers.extend(HEADERS.items())
        self.set_close_on_finish()
        self.content_length = len(body)
        self.write(body)


class RouteLimitedParser(HTTPRequestParser):
    """Refuses a body over its route's limit once the headers are in, before reading it."""

    upload_limit = FORM_LIMIT

    def received(self, data: bytes) -> int:
        consumed = super().received(data)
        if self.headers_finished and self.error is None and not self.completed:
            limit = body_limit(self.path, self.upload_limit)
            sent = self.body_bytes_received if self.chunked else self.content_length
            if sent > limit:
                self.error = RequestEntityTooLarge(f"exceeds the limit of {limit} bytes")
                self.completed = True
        return consumed


class GuardedChannel(HTTPChannel):
    error_task_class = RussianErrorTask
    parser_class = RouteLimitedParser


def _connections_from(socket_map: dict, host: str) -> int:
    return sum(
        1
        for channel in list(socket_map.values())
        if isinstance(channel, HTTPChannel) and channel.addr and channel.addr[0] == host
    )


def _busy_answer() -> bytes:
    body = error_page(503, "Service Unavailable")
    head = [
        "HTTP/1.1 503 Service Unavailable",
        "Content-Type: text/html; charset=utf-8",
        f"Content-Length: {len(body)}",
        "Retry-After: 5",
        "Connection: close",
        *(f"{name}: {value}" for name, value in HEADERS.items()),
    ]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


def channel_factory(channel: type[HTTPChannel], per_address: int) -> Callable:
    """Make channels, refusing a connection from an address that holds `per_address` already.

    waitress accepts in its event loop thread, which is also the only one that adds channels to
    the socket map, so the count cannot race with another accept.
    """
    answer = _busy_answer()

    def make(server, conn, addr, adj, map=None):
        host = addr[0] if isinstance(addr, tuple) and addr else None
        if per_address and host is not None and _connections_from(map, host) >= per_address:
            try:
                conn.setblocking(False)
                conn.send(answer)
            except OSError:
                pass
            conn.close()
            return None
        return channel(server, conn, addr, adj, map=map)

    return make


def make_server(app: Flask):
    """A waitress server for the app with the settings and guards above (not yet running)."""
    config = app.config
    per_address = 0 if config["TRUSTED_PROXIES"] else config["CONNECTIONS_PER_ADDRESS"]
    parser = type("Parser", (RouteLimitedParser,), {"upload_limit": config["MAX_CONTENT_LENGTH"]})
    channel = type("Channel", (GuardedChannel,), {"parser_class": parser})
    server = create_server(app, **options(config))
    listeners = server.map.values() if isinstance(server, MultiSocketServer) else [server]
    for listener in list(listeners):
        if isinstance(listener, BaseWSGIServer):
            listener.channel_class = channel_factory(channel, per_address)
    return server


def serve(app: Flask) -> None:
    """Serve the app until Ctrl+C (an OSError such as a busy port goes to the caller)."""
    make_server(app).run()
