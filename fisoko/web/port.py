"""Whether another program already listens on the server's port, and what to say when it does.

waitress sets SO_REUSEADDR on its listening socket. On Linux that only lets a restart bind past
the last run's connections in TIME_WAIT, and a second server fails with EADDRINUSE. On Windows it
lets a second process bind the same port without a word, and which of the two answers is
undefined. So before serving, the port is tried the way that fails on every OS: a plain bind
(no socket options), which any socket bound to the port blocks. TIME_WAIT leftovers of our own
last run block a plain bind too, so a refusal counts only when something accepts a connection
on that address.
"""

from __future__ import annotations

import errno
import socket

ADDRESS_IN_USE = {errno.EADDRINUSE, 10048}  # 10048: WSAEADDRINUSE
NOT_ALLOWED = {errno.EACCES, 10013}  # 10013: WSAEACCES, e.g. a port reserved by Hyper-V
NOT_HERE = {errno.EADDRNOTAVAIL, 10049}  # 10049: WSAEADDRNOTAVAIL
PROBE_SECONDS = 1.0


def _code(exc: OSError) -> int | None:
    return getattr(exc, "winerror", None) or exc.errno


def busy_message(port: int) -> str:
    """The Russian answer to a port that another server already listens on."""
    other = port + 1 if port < 65535 else port - 1
    return (
        f"Порт {port} уже занят: на нём уже работает другая программа — возможно, этот же "
        "сервер, запущенный в другом окне. Остановите её (в её окне Ctrl+C) или запустите "
        f"сервер на другом порту: python app.py --port {other}"
    )


def listen_error(host: str, port: int, exc: OSError) -> str:
    """The Russian answer to a failed bind, with what to do."""
    code = _code(exc)
    if code in ADDRESS_IN_USE:
        return busy_message(port)
    if code in NOT_ALLOWED:
        return (
            f"Порт {port} недоступен: система не разрешает его открыть (на Windows порт может "
            "быть зарезервирован, на Linux порты ниже 1024 открывает только root). Выберите "
            "другой порт, например: python app.py --port 8081"
        )
    if code in NOT_HERE:
        return (
            f"Адрес {host} не принадлежит этому компьютеру. Укажите его адрес или "
            "python app.py --host 127.0.0.1"
        )
    return f"Не удаётся открыть {host}:{port}: {exc.strerror or exc}"


def _addresses(host: str, port: int) -> list[tuple[int, tuple]]:
    try:
        found = socket.getaddrinfo(
            host, port, socket.AF_UNSPEC, socket.SOCK_STREAM, 0, socket.AI_PASSIVE
        )
    except OSError:
        return []  # waitress reports an unknown host itself
    return list(dict.fromkeys((family, address) for family, _, _, _, address in found))


def _plain_bind_refused(family: int, address: tuple) -> bool:
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        try:
            probe.bind(address)
        except OSError as exc:
            return _code(exc) in ADDRESS_IN_USE
    return False


def _accepts(family: int, address: tuple) -> bool:
    """Whether something answers a connection on the address (a wildcard means loopback)."""
    host, port = address[0], address[1]
    if host in ("0.0.0.0", ""):
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    try:
        with socket.create_connection((host, port), timeout=PROBE_SECONDS):
            return True
    except OSError:
        return False


def busy(host: str, port: int) -> str | None:
    """The message to stop with when another program listens on host:port, else None."""
    for family, address in _addresses(host, port):
        if _plain_bind_refused(family, address) and _accepts(family, address):
            return busy_message(port)
    return None
