"""Parts of pages rendered once and reused: those that depend only on the НИКО content file.

The content is read and validated at start-up and never changes while the app runs, so the study,
its schedule and each role's steps come out the same for every request; rendering them (a few
hundred escaped values) was most of the НИКО tab's time. A fragment is kept per content object
(compared by identity, so an app given other content renders afresh) and per key, e.g. the role;
it must not use the request, the account beyond its key, the date, or a CSRF token.
"""

from __future__ import annotations

import threading

from flask import current_app, render_template
from markupsafe import Markup

_lock = threading.Lock()


def render_once(template: str, owner: object, key: tuple, **context) -> Markup:
    """`template` rendered with `context`, the first time for this `owner` and `key` only."""
    cache: dict = current_app.extensions.setdefault("fisoko.fragments", {})
    full_key = (template, id(owner), *key)
    found = cache.get(full_key)
    if found is not None and found[0] is owner:
        return found[1]
    html = Markup(render_template(template, **context))
    with _lock:
        cache[full_key] = (owner, html)
    return html
