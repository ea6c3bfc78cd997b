"""НИКО: the study's tab of the cabinet, in four parts that import only downwards.

content (the content files, publications, the clock) < exchange (a school's uploads, materials,
codes and marks) < region (the coordinator's table, sample and archive) < tab (the НИКО tab).
`init_app` is the one entry point app.py calls.
"""

from __future__ import annotations

from flask import Flask


def load_data(app: Flask) -> None:
    """Read the content and help files; raises `Invalid` with their problems."""
    from fisoko import clock
    from fisoko.niko.content import support
    from fisoko.niko.content.model import current_content, load_content

    app.extensions["fisoko.content"] = load_content(app.config["CONTENT"])
    clock.use_zone(app, lambda: current_content().timezone)
    app.extensions["fisoko.support"] = support.load_support(app.config["SUPPORT"])


def init_app(app: Flask) -> None:
    """Register НИКО's blueprints, the upload error page, and the start-up checks of its files.

    Imported here, not at the top: importing one of niko's modules (the clock from the audit
    log, a domain module in a test) then never runs every view module.
    """
    from fisoko.niko.content import views as support_views
    from fisoko.niko.exchange import (
        code_views,
        material_views,
        materials,
        result_views,
        review_views,
        upload_views,
    )
    from fisoko.niko.region import (
        archive_views,
        progress_views,
        results_archive_views,
        sample_views,
    )
    from fisoko.niko.tab import views as tab_views

    blueprints = (
        material_views.bp,
        upload_views.bp,
        review_views.bp,
        progress_views.bp,
        support_views.bp,
        code_views.bp,
        sample_views.bp,
        archive_views.bp,
        result_views.bp,
        results_archive_views.bp,
    )
    for blueprint in blueprints:
        app.register_blueprint(blueprint)
    materials.init_app(app)
    upload_views.init_app(app)
    tab_views.init_app(app)
