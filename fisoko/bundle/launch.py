"""What start.cmd and start.sh run inside the bundle's venv: the server, and the browser once it
answers `/healthz`.

The browser opens from a thread that polls the health check, so a server that fails to start
(a taken port, a bad accounts file) never sends the user to an empty page.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
import urllib.request
import webbrowser

WAIT_SECONDS = 60


def _address(argv: list[str]) -> tuple[str, str]:
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--host", default=os.environ.get("FISOKO_HOST", "127.0.0.1"))
    parser.add_argument("--port", default=os.environ.get("FISOKO_PORT", "8080"))
    known, _ = parser.parse_known_args(argv)
    host = "127.0.0.1" if known.host in ("0.0.0.0", "") else known.host
    host = "[::1]" if host == "::" else (f"[{host}]" if ":" in host else host)
    return host, known.port


def open_when_ready(url: str, deadline: float) -> bool:
    """Open `url` in the browser as soon as its `/healthz` answers; False when it never did."""
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "healthz", timeout=2) as answer:
                if answer.status == 200:
                    if os.environ.get("FISOKO_NO_BROWSER") != "1":
                        webbrowser.open(url)
                    return True
        except OSError:
            time.sleep(0.3)
    return False


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    host, port = _address(argv)
    url = f"http://{host}:{port}/"
    deadline = time.monotonic() + WAIT_SECONDS
    threading.Thread(target=open_when_ready, args=(url, deadline), daemon=True).start()
    import app  # the bundle's root is the working folder

    app.main(argv)


if __name__ == "__main__":
    main()
