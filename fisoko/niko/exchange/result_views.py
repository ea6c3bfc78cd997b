"""The results download routes (blueprint "results"): an account's own files, a school's for its
coordinator. Everything else, and everything before `results.opens`, is 404."""

from __future__ import annotations

from flask import Blueprint, abort, request
from flask_login import current_user, login_required

from fisoko.accounts.store import COORDINATOR
from fisoko.login import audit
from fisoko.niko.exchange import result_marks, results
from fisoko.niko.exchange.materials import content_type
from fisoko.web.access import account_with_role
from fisoko.web.downloads import attachment, no_store

bp = Blueprint("results", __name__)
bp.after_request(no_store)


def _send(login: str, name: str):
    """The open results file `name` of `login`, its first download recorded; 404 if none.

    Each download (not a HEAD) is an audit event: results hold participants' scores, and the
    log answers «did the school get its results, and who else took them»."""
    found = results.find(login, name)
    if found is None:
        abort(404)
    if not found.path.is_file():  # gone since the folder was listed
        abort(404)
    if request.method == "GET":
        viewer = current_user.account.login
        result_marks.record_opened(viewer, found)
        audit.event(viewer, "results.download", owner=login, file=found.name)
    return attachment(found.path, found.name, content_type(found.name))


@bp.route("/cabinet/niko/results/<name>", merge_slashes=False)
@login_required
def own(name: str):
    """The logged-in account's own results file: a school's, or the region's for a coordinator."""
    return _send(current_user.account.login, name)


@bp.route("/cabinet/niko/results/<login>/<name>", merge_slashes=False)
@login_required
def school(login: str, name: str):
    """A school's results file, for the coordinator of the school's region."""
    coordinator = account_with_role(COORDINATOR)
    if results.school_of_region(login, coordinator.region) is None:
        abort(404)
    return _send(login, name)
