"""Parts of pages rendered once and reused: those that depend only on what they are given.

The study, its schedule, each role's steps and the upload form's step list come out the same for
every request with the same content, role and day; rendering them was most of the НИКО tab's time.
A fragment's cache key is derived from exactly the variables its template reads (plain values by
value, other objects by identity, held by the cache so their ids are not reused), plus the
request's script root for the URLs it builds; a variable given but never read cannot change the
output, so it is not part of the key. So that nothing else can leak into a kept fragment,
such as the account, the request or a CSRF token, a template that reads any name it was not given
(other than Jinja's own pure globals and `url_for`) is refused before it is rendered.

`FISOKO_FRAGMENT_CACHE=0` renders every fragment afresh.
"""

from __future__ import annotations

import datetime as dt
import threading

from flask import current_app, render_template, request
from jinja2 import Environment, meta
from markupsafe import Markup

MAX_KEPT = 256
PURE_GLOBALS = frozenset({"range", "dict", "lipsum", "cycler", "joiner", "namespace", "url_for"})
_VALUES = (str, int, float, bool, type(None), dt.date)
_lock = threading.Lock()


class FragmentError(RuntimeError):
    """A fragment template reads a name that is not part of its key."""


def _key_part(value: object) -> object:
    if isinstance(value, _VALUES):
        return value
    if isinstance(value, (tuple, list, frozenset)):
        return (type(value).__name__, *map(_key_part, value))
    return (type(value).__qualname__, id(value))


def template_names(template: str) -> frozenset[str]:
    """Every name a template and the templates it includes or imports read from outside."""
    env = current_app.jinja_env
    bare = Environment()  # parsed without globals: Jinja leaves known globals out of the names
    bare.globals.clear()
    bare.filters, bare.tests = env.filters, env.tests
    names: set[str] = set()
    pending, seen = [template], set()
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        tree = bare.parse(env.loader.get_source(env, name)[0])
        names |= meta.find_undeclared_variables(tree)
        pending += [t for t in meta.find_referenced_templates(tree) if isinstance(t, str)]
    return frozenset(names)


def _names_read(template: str, context: dict, checked: dict) -> tuple[str, ...]:
    """The names `template` reads from its context, in a fixed order; a name it reads that the
    context does not give is an error."""
    names = checked.get(template)
    if names is None:
        names = checked[template] = tuple(sorted(template_names(template) - PURE_GLOBALS))
    unknown = [name for name in names if name not in context]
    if unknown:
        raise FragmentError(f"{template} reads {unknown}, which are not in its key")
    return names


def render_once(template: str, **context) -> Markup:
    """`template` rendered with `context`, once for each distinct `context` (see above)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if not app.config["FRAGMENT_CACHE"]:
        return Markup(render_template(template, **context))
    state = app.extensions.setdefault("fisoko.fragments", {"kept": {}, "checked": {}})
    names = _names_read(template, context, state["checked"])
    key = (template, request.script_root, *(_key_part(context[name]) for name in names))
    found = state["kept"].get(key)
    if found is not None:
        return found[1]
    html = Markup(render_template(template, **context))
    with _lock:
        if len(state["kept"]) >= MAX_KEPT:
            state["kept"].clear()
        state["kept"][key] = (tuple(context[name] for name in names), html)
    return html
