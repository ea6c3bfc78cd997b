"""The coordinator's ZIP of the region's uploads (blueprint "archive")."""

from __future__ import annotations

from flask import Blueprint, abort, request
from flask_login import login_required

from fisoko import clock
from fisoko.accounts.store import COORDINATOR, SCHOOL
from fisoko.login import audit
from fisoko.niko.content.model import current_content
from fisoko.niko.region.archive import region_files, stream
from fisoko.web.access import account_with_role
from fisoko.web.downloads import no_store, zip_attachment

bp = Blueprint("archive", __name__)
bp.after_request(no_store)


@bp.route("/cabinet/niko/uploads.zip")
@login_required
def region_zip():
    """A coordinator's ZIP of the region's school uploads (`?step=<id>` for one step); 404 else."""
    account = account_with_role(COORDINATOR)
    step = request.args.get("step") or None
    if step is not None and current_content().guide(SCHOOL).step(step) is None:
        abort(404)
    files = region_files(account.region, step)
    audit.event(
        account.login, "uploads.zip", region=account.region, step=step or "", files=str(len(files))
    )
    moment = clock.now_local()
    name = f"niko-uploads-{account.region}{'-' + step if step else ''}-{clock.today():%Y-%m-%d}.zip"
    return zip_attachment(stream(files, moment.timetuple()[:6]), name)
