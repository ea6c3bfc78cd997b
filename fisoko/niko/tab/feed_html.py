"""A publication's HTML, as «Главная» and the НИКО tab show it: `publication(item)` in templates.

Every account that sees a publication with the same «новое» mark and the same of its files open
gets the same HTML, so it is a fragment (web/fragments.py), rendered once and shared.
"""

from __future__ import annotations

from flask import Flask
from markupsafe import Markup

from fisoko.niko.tab.news import Item
from fisoko.web import fragments


def publication(item: Item) -> Markup:
    """One publication of an account's feed."""
    return fragments.render_once(
        "cabinet/_publication.html",
        publication=item.publication,
        new=item.new,
        open_files=item.links,
    )


def init_app(app: Flask) -> None:
    app.add_template_global(publication, "publication")
