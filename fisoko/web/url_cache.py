"""`url_for` in templates, with the URLs it built kept: a page builds a dozen, the same each time.

Building a URL walks werkzeug's rules and quotes every value, about a tenth of the НИКО tab's
rendering. A relative URL depends only on the app, the endpoint, its values and the request's
script root (the prefix a proxy may mount the app under), so those are the key. Anything else
(`_external`, `_anchor`, a blueprint-relative ".endpoint") is built as usual. The kept URLs are
dropped when there are MAX_KEPT of them (upload ids make the set of URLs unbounded).
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, request

MAX_KEPT = 4096


def kept_url_for(build: Callable[..., str]) -> Callable[..., str]:
    """A `url_for` for templates that keeps what `build` (the app's url_for) returns."""
    kept: dict[tuple, str] = {}

    def url_for(endpoint: str, **values) -> str:
        if endpoint.startswith(".") or any(name.startswith("_") for name in values):
            return build(endpoint, **values)
        try:
            key = (request.script_root, endpoint, *sorted(values.items()))
            url = kept.get(key)
        except TypeError:  # a value that cannot be part of a key
            return build(endpoint, **values)
        if url is None:
            url = build(endpoint, **values)
            if len(kept) >= MAX_KEPT:
                kept.clear()
            kept[key] = url
        return url

    return url_for


def init_app(app: Flask) -> None:
    app.jinja_env.globals["url_for"] = kept_url_for(app.url_for)
