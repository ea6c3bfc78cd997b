"""Serving with waitress: its settings, and guards against slow and hostile clients.

`python app.py` serves through `serve(app)`. On top of waitress's own settings (threads,
connection limit, channel timeout, body size) three small extensions of waitress's classes:

- A body larger than its route allows is refused with 413 from its `Content-Length`, as soon as
  the headers have arrived: an upload may send the upload limit, anything else the form limit.
  waitress alone reads (and spools to disk) any body under one global limit before the app sees it.
- waitress's own error answers (400, 413, 431, 501 ...) are a Russian HTML page with the app's
  security headers instead of English plain text.
- Room for everyone (`Guard`, deciding through `fisoko.web.connections`): one client address may
  hold at most CONNECTIONS_PER_ADDRESS connections and the server CONNECTION_LIMIT. waitress
  itself stops accepting at its limit, which leaves an honest newcomer waiting in the listen
  backlog behind trickling connections; so waitress's own limit is set above ours and every new
  connection is accepted, and at our limit (or the address's cap) room is made: an idle
  keep-alive connection first, then one that makes no progress, from the heaviest address. Only
  when nothing may give way does the newcomer get a short 503 and get closed. Near a limit, a
  connection past its header deadline or below the body's minimum rate is dropped
  (mod_reqtimeout's `header=` and `body=…,MinRate=`). Behind a reverse proxy every connection
  comes from the proxy, so the cap per address is off when FISOKO_TRUSTED_PROXIES is set.
- The event loop: waitress uses select() unless told to poll. select() takes at most 512 sockets
  on Windows (CPython's FD_SETSIZE there) and file descriptors below 1024 on Linux, so on Windows
  the limit stays under 512 sockets and elsewhere waitress polls (`asyncore_use_poll`), with the
  limit kept within the process's file descriptors (RLIMIT_NOFILE).

These rely on waitress's class attributes `parser_class`, `error_task_class` and
`channel_class`, its channels' and parsers' documented fields (`request`, `requests`,
`headers_finished`, `body_bytes_received`, `will_close` ...), and the `map` argument of
`create_server`, stable through waitress 3.0 (pinned ~=3.0.2 in requirements.txt).
`waitress-serve --call app:create_app` serves without these guards.
"""

from __future__ import annotations

import html
import logging
import os
import time
from collections import Counter
from collections.abc import Callable

from flask import Flask
from waitress.channel import HTTPChannel
from waitress.parser import HTTPRequestParser
from waitress.server import BaseWSGIServer, MultiSocketServer, create_server
from waitress.task import ErrorTask
from waitress.utilities import RequestEntityTooLarge

from fisoko.web import connections
from fisoko.web.connections import BODY, BUSY, IDLE, WAITING, Rules, Seen
from fisoko.web.errors import MESSAGES
from fisoko.web.security import FORM_LIMIT, HEADERS, UPLOAD_PATH

log = logging.getLogger("fisoko")

WAITRESS_MESSAGES = {
    **MESSAGES,
    431: ("Слишком большие заголовки", "Запрос содержит слишком большие заголовки."),
    501: ("Не поддерживается", "Сервер не поддерживает такой способ передачи данных."),
    503: ("Сервер занят", "Сервер сейчас перегружен. Повторите через несколько секунд."),
}
BUSY_PAGES = {
    "address": "Слишком много соединений с вашего адреса. Закройте лишние вкладки и повторите.",
    "server": "Все соединения сервера заняты. Повторите через несколько секунд.",
}
WINDOWS_SOCKETS = 500  # select() on Windows takes 512 sockets: these, the listeners, the trigger
FILES_KEPT = 64  # file descriptors left for the database, logs and uploads
BACKSTOP = 8  # waitress's own limit above ours: listeners and its trigger also sit in its map
SWEEP_SECONDS = 0.5  # how often connections past their deadline are looked for
LOG_EVERY = 60.0  # seconds between two log lines about a full server
clock = time.monotonic


def on_windows() -> bool:
    return os.name == "nt"


def descriptor_budget() -> int | None:
    """The file descriptors this process may open (its soft RLIMIT_NOFILE), None if unknown."""
    try:
        import resource
    except ImportError:  # Windows
        return None
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    return None if soft == resource.RLIM_INFINITY else soft


def connection_limit(configured: int) -> int:
    """The limit the server keeps: the setting, within what the event loop can watch.

    A connection may hold up to three descriptors (its socket, a spooled body, a spooled answer).
    """
    if on_windows():
        return min(configured, WINDOWS_SOCKETS)
    budget = descriptor_budget()
    if budget is None:
        return configured
    return min(configured, max(10, (budget - FILES_KEPT) // 3))


def rules(config: dict) -> Rules:
    return Rules(
        header_seconds=config["HEADER_SECONDS"],
        body_min_rate=config["BODY_MIN_RATE"],
        body_grace=config["BODY_GRACE_SECONDS"],
    )


def options(config: dict) -> dict:
    """waitress's settings from the app's (see docs/security.md for why these values).

    waitress's connection limit is a backstop above ours, which `Guard` keeps at every accept.
    """
    return {
        "host": config["HOST"],
        "port": config["PORT"],
        "ident": "fisoko",
        "threads": config["THREADS"],
        "connection_limit": connection_limit(config["CONNECTION_LIMIT"]) + BACKSTOP,
        "asyncore_use_poll": not on_windows(),
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
    headers_at: float | None = None  # when the headers were all in

    def __init__(self, adj) -> None:
        super().__init__(adj)
        self.started = clock()

    def received(self, data: bytes) -> int:
        consumed = super().received(data)
        if self.headers_finished and self.headers_at is None:
            self.headers_at = clock()
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
    answered = False  # whether a request of this connection has been served
    served_at = 0.0
    guard: Guard | None = None

    def __init__(self, server, sock, addr, adj, map=None) -> None:
        self.accepted = clock()
        super().__init__(server, sock, addr, adj, map=map)

    def service(self) -> None:
        super().service()
        self.served_at = clock()
        self.answered = True

    def readable(self) -> bool:
        if self.guard is not None:
            self.guard.tick()
        return super().readable()


def seen(channel: HTTPChannel) -> Seen | None:
    """A snapshot of one of our channels for `fisoko.web.connections`; None for anything else."""
    if not isinstance(channel, GuardedChannel) or not channel.addr:
        return None
    host, request = channel.addr[0], channel.request
    if (
        channel.requests
        or channel.total_outbufs_len
        or channel.will_close
        or channel.close_when_flushed
        or not channel.connected
    ):
        return Seen(host, BUSY, channel.accepted, handle=channel)
    if request is None or not request.headers_finished:
        if request is None and channel.answered:
            return Seen(host, IDLE, channel.served_at, handle=channel)
        since = request.started if channel.answered and request is not None else channel.accepted
        return Seen(host, WAITING, since, handle=channel)
    since = request.headers_at if request.headers_at is not None else request.started
    return Seen(host, BODY, since, request.body_bytes_received, handle=channel)


def _busy_answer(text: str) -> bytes:
    body = error_page(503, "Service Unavailable").replace(
        html.escape(WAITRESS_MESSAGES[503][1]).encode(), html.escape(text).encode()
    )
    head = [
        "HTTP/1.1 503 Service Unavailable",
        "Content-Type: text/html; charset=utf-8",
        f"Content-Length: {len(body)}",
        "Retry-After: 5",
        "Connection: close",
        *(f"{name}: {value}" for name, value in HEADERS.items()),
    ]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


def _refuse(conn, answer: bytes) -> None:
    try:
        conn.setblocking(False)
        conn.send(answer)
    except OSError:
        pass
    conn.close()


class Guard:
    """Keeps the server's and each address's connections within their limits.

    Runs only in waitress's event loop thread: it accepts, and it is the only one that adds
    channels to the socket map or reads requests, so a count cannot race with another accept.
    Idle and stalled channels run no task, so closing one there interrupts no answer.
    """

    def __init__(self, socket_map: dict, per_address: int, limit: int, rules: Rules) -> None:
        self.map, self.per_address, self.limit, self.rules = socket_map, per_address, limit, rules
        self.answers = {full: _busy_answer(text) for full, text in BUSY_PAGES.items()}
        self.next_sweep = 0.0
        self.logged_at: float | None = None

    def snapshot(self) -> list[Seen]:
        return [conn for conn in map(seen, list(self.map.values())) if conn is not None]

    def admit(self, conn, host: str) -> bool:
        """Whether a new connection from `host` may stay, after making room for it if needed."""
        channels = [item for item in list(self.map.values()) if isinstance(item, GuardedChannel)]
        if len(channels) < self.limit and (
            not self.per_address
            or sum(1 for item in channels if item.addr and item.addr[0] == host) < self.per_address
        ):
            return True  # room enough: nothing to look at closer
        conns = [conn for conn in map(seen, channels) if conn is not None]
        room = connections.make_room(conns, host, self.per_address, self.limit, clock(), self.rules)
        if room.full == "server":
            self._log_full()
        if room.victim is not None:
            room.victim.handle.handle_close()
        if not room.admit:
            _refuse(conn, self.answers[room.full])
        return room.admit

    def tick(self) -> None:
        """Every SWEEP_SECONDS: mark the connections past their deadline near a limit to close."""
        now = clock()
        if now < self.next_sweep:
            return
        self.next_sweep = now + SWEEP_SECONDS
        conns = self.snapshot()
        for conn in connections.to_drop(conns, self.per_address, self.limit, now, self.rules):
            conn.handle.will_close = True

    def _log_full(self) -> None:
        now = clock()
        if self.logged_at is not None and now - self.logged_at < LOG_EVERY:
            return
        self.logged_at = now
        counts = Counter(conn.host for conn in self.snapshot())
        host, held = counts.most_common(1)[0] if counts else ("-", 0)
        log.warning(
            "Заняты все %d соединений сервера (FISOKO_CONNECTION_LIMIT): место для новых "
            "освобождается за счёт простаивающих и медленных соединений самых нагруженных "
            "адресов; больше всего соединений у адреса %s (%d)",
            self.limit,
            host,
            held,
        )


def channel_factory(channel: type[HTTPChannel], guard: Guard) -> Callable:
    """Make channels, each new connection admitted by `guard` first."""

    def make(server, conn, addr, adj, map=None):
        host = addr[0] if isinstance(addr, tuple) and addr else None
        if host is not None and not guard.admit(conn, host):
            return None
        return channel(server, conn, addr, adj, map=map)

    return make


def make_server(app: Flask):
    """A waitress server for the app with the settings and guards above (not yet running)."""
    config = app.config
    per_address = 0 if config["TRUSTED_PROXIES"] else config["CONNECTIONS_PER_ADDRESS"]
    limit = connection_limit(config["CONNECTION_LIMIT"])
    if limit < config["CONNECTION_LIMIT"]:
        why = "select() в Windows" if on_windows() else f"ulimit -n = {descriptor_budget()}"
        log.warning(
            "FISOKO_CONNECTION_LIMIT=%d больше, чем позволяет система (%s): сервер держит не "
            "больше %d соединений",
            config["CONNECTION_LIMIT"],
            why,
            limit,
        )
    socket_map: dict = {}
    guard = Guard(socket_map, per_address, limit, rules(config))
    parser = type("Parser", (RouteLimitedParser,), {"upload_limit": config["MAX_CONTENT_LENGTH"]})
    channel = type("Channel", (GuardedChannel,), {"parser_class": parser, "guard": guard})
    server = create_server(app, map=socket_map, **options(config))
    listeners = server.map.values() if isinstance(server, MultiSocketServer) else [server]
    for listener in list(listeners):
        if isinstance(listener, BaseWSGIServer):
            listener.channel_class = channel_factory(channel, guard)
    server.guard = guard
    return server


def serve(app: Flask) -> None:
    """Serve the app until Ctrl+C (an OSError such as a busy port goes to the caller)."""
    make_server(app).run()
