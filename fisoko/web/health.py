"""A liveness check for scripts and monitoring."""

from flask import Blueprint, jsonify

bp = Blueprint("health", __name__)


@bp.route("/healthz")
def healthz():
    """200 with {"status": "ok"} while the app serves."""
    return jsonify(status="ok")
