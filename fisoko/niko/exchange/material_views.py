"""The materials download route (blueprint "materials")."""

from __future__ import annotations

from flask import Blueprint, abort
from flask_login import current_user, login_required

from fisoko import clock
from fisoko.niko.content.model import current_content
from fisoko.niko.exchange.materials import content_type, file_of, folder
from fisoko.web.downloads import attachment, no_store

bp = Blueprint("materials", __name__)
bp.after_request(no_store)


@bp.route("/cabinet/niko/materials/<path:name>", merge_slashes=False)
@login_required
def download(name: str):
    """A listed material open to this account today; 404 for anything else."""
    account = current_user.account
    material = current_content().material(name)
    if material is None or not material.open_to(account.role, account.region, clock.today()):
        abort(404)
    path = file_of(folder(), material)
    if path is None:
        abort(404)
    return attachment(path, material.file, content_type(material.file))
