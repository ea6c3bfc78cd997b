"""`url_for` in templates, with the URLs it built kept: a page builds a dozen, the same each time.

A relative URL depends only on the app, the endpoint, its values (an `_anchor` among them) and the
request's script root (the prefix a proxy may mount the app under), so those are the key. Anything
else (`_external`, `_scheme`, `_method`, a blueprint-relative ".endpoint", a template rendered
outside a request) is built as usual. An app with `url_defaults` or `url_value_preprocessor`
functions would build URLs from more than the key, so the cache is not installed there. The kept
URLs are dropped when there are MAX_KEPT of them (upload ids make the set of URLs unbounded).
`FISOKO_URL_CACHE=0` turns it off.

The script root is read once per rendered template: a context processor gives each template
rendered in a request its own `url_for`, bound to that request's script root. Reading it through
the `request` proxy on every call cost as much as the lookup itself on pages that build a URL
per table row. A template rendered outside a request, or not through Flask's render functions,
uses Flask's own `url_for`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from functools import partial

import flask
from flask import Flask, current_app, has_request_context, request

MAX_KEPT = 4096
EXTENSION = "fisoko.url_cache"
log = logging.getLogger(__name__)


def kept_url_for(build: Callable[..., str]) -> Callable[..., str]:
    """`url_for(root, endpoint, **values)`: what `build` (the app's url_for) returns for a
    request under the script root `root`, kept."""
    kept: dict[tuple, str] = {}

    def url_for(root: str, endpoint: str, **values) -> str:
        if endpoint.startswith("."):
            return build(endpoint, **values)
        if values:
            items = tuple(values.items()) if len(values) == 1 else tuple(sorted(values.items()))
            for name, _ in items:
                if name.startswith("_") and name != "_anchor":
                    return build(endpoint, **values)
            key: tuple = (root, endpoint, items)
        else:
            key = (root, endpoint)
        try:
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


def urls_for(endpoint: str, name: str, values: Iterable[str]) -> dict[str, str]:
    """`{value: url_for(endpoint, name=value)}` for many values at once, kept like the templates'
    URLs: a table that posts to a URL per row builds them here, in one pass, instead of through
    a template call per row (each costs several times the lookup)."""
    kept = current_app.extensions.get(EXTENSION)
    if kept is None:
        return {value: flask.url_for(endpoint, **{name: value}) for value in values}
    root = request.root_path
    return {value: kept(root, endpoint, **{name: value}) for value in values}


def has_url_hooks(app: Flask) -> bool:
    """Whether the app or a blueprint changes URLs through url_defaults or value preprocessors."""
    hooks = (app.url_default_functions, app.url_value_preprocessors)
    return any(functions for registry in hooks for functions in registry.values())


def init_app(app: Flask) -> None:
    """Install the kept `url_for` for templates; call it after every blueprint is registered."""
    if not app.config["URL_CACHE"]:
        return
    if has_url_hooks(app):
        log.info("url_cache: the app has url_defaults; templates build every URL afresh")
        return
    under_root = app.extensions[EXTENSION] = kept_url_for(app.url_for)

    @app.context_processor
    def kept_urls() -> dict[str, Callable[..., str]]:
        if not has_request_context():
            return {}
        return {"url_for": partial(under_root, request.root_path)}
