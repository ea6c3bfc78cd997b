"""The coordinator's ZIP of the region's results (blueprint "results_archive")."""

from __future__ import annotations

from flask import Blueprint, abort
from flask_login import login_required

from fisoko import clock
from fisoko.accounts.store import COORDINATOR
from fisoko.login import audit
from fisoko.niko.exchange import results
from fisoko.niko.region.archive import stream
from fisoko.niko.region.results_archive import region_results
from fisoko.web.access import account_with_role
from fisoko.web.downloads import no_store, zip_attachment

bp = Blueprint("results_archive", __name__)
bp.after_request(no_store)


@bp.route("/cabinet/niko/results.zip")
@login_required
def region_zip():
    """A coordinator's ZIP of the region's results from `results.opens` on; 404 for anyone else."""
    account = account_with_role(COORDINATOR)
    if not results.is_open():
        abort(404)
    files = region_results(account)
    audit.event(account.login, "results.zip", region=account.region, files=str(len(files)))
    name = f"niko-results-{account.region}-{clock.today():%Y-%m-%d}.zip"
    return zip_attachment(stream(files, clock.now_local().timetuple()[:6]), name)
