"""One in-process measurement of the app in ROOT (another revision's tree): run by compare.py.

    python bench/inprocess_probe.py ROOT ACCOUNTS --requests 400 [--coordinator]

Builds that tree's app with `create_app()` from the FISOKO_* variables (the contract's way, so
any revision can be measured), logs in through its form and prints one JSON line: CPU µs per
request of each page and of a Flask «hello» in the same process.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import sys
import tempfile
from pathlib import Path

import inprocess_variants
import variants
from servers import hello_app


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("root")
    p.add_argument("accounts")
    p.add_argument("--requests", type=int, default=400)
    p.add_argument("--coordinator", action="store_true")
    args = p.parse_args()
    pages = variants.SCHOOL_PAGES + (variants.COORDINATOR_PAGES if args.coordinator else [])
    sys.path.insert(0, str(Path(args.root).resolve()))
    with tempfile.TemporaryDirectory(prefix="fisoko-probe-") as instance:
        os.environ |= {
            "FISOKO_ACCOUNTS": args.accounts,
            "FISOKO_INSTANCE": instance,
            "FISOKO_SECRET_KEY": secrets.token_hex(32),
        }
        from app import create_app

        client = create_app().test_client(use_cookies=False)
        cookies = inprocess_variants.logged_in(client, pages)
        timed = inprocess_variants.time_pages(client, pages, cookies, args.requests)
        hello = inprocess_variants.time_pages(
            hello_app().test_client(), [("hello", "/", None)], {}, args.requests
        )["hello"]
    print(json.dumps({"pages": timed, "hello_us": hello}))


if __name__ == "__main__":
    main()
