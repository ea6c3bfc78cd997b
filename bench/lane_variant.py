"""The app served with another login queue, for the benchmark's comparison of designs only.

    python bench/lane_variant.py --order fifo --host 127.0.0.1 --port 8081
    python bench/lane_variant.py --order fair --half-life 30 --host 127.0.0.1 --port 8081

`fair` is the shipped queue (fisoko/login/lanes.py: lightest source first, a much lighter source
displaces the heaviest waiting login), here with a chosen halving period of the usage counts.
`fifo` keeps everything else (the lanes, the bound on the queue, Retry-After from the queue as it
is) but serves waiting logins in arrival order and never displaces one: a bounded FIFO queue,
as in Keycloak. Everything else is `python app.py`'s server.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app import create_app  # noqa: E402
from fisoko.login.lanes import LoginLane, Ticket  # noqa: E402
from fisoko.login.usage import HALF_LIFE, Usage  # noqa: E402
from fisoko.web import server  # noqa: E402


class FifoLane(LoginLane):
    """First come, first served: the order of arrival alone, no displacement."""

    def _rank(self, ticket: Ticket) -> tuple[float, int, int]:
        return (0.0, 0, ticket.order)

    def _displaceable_by(self, ticket: Ticket) -> Ticket | None:
        return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--order", choices=["fair", "fifo"], default="fair")
    parser.add_argument("--half-life", type=float, default=HALF_LIFE, help="seconds (120)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    if not args.host.startswith("127."):
        parser.error("loopback only")
    app = create_app({"HOST": args.host, "PORT": args.port})
    kind = FifoLane if args.order == "fifo" else LoginLane
    app.extensions["fisoko.login_lane"] = kind(
        lanes=app.config["LOGIN_LANES"],
        max_wait=app.config["LOGIN_QUEUE_SECONDS"],
        max_in_flight=max(1, app.config["THREADS"] // 2),
        usage=Usage(half_life=args.half_life),
    )
    print(f"login queue: {args.order}, half-life {args.half_life:g} s", flush=True)
    server.serve(app)


if __name__ == "__main__":
    main()
