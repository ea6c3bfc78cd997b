"""Protections for every response and request: security headers, the client address, no debug.

- Every answer (pages, static files, errors, /healthz) carries the headers below. The policy
  allows scripts, styles, images and fonts from this site only and no inline code at all, so
  templates must keep CSS in static/ and use no `style=` attribute or `<script>` block.
- `Referrer-Policy: same-origin`, not `no-referrer`: Flask-WTF's CSRF check behind HTTPS compares
  the Referer of a form post with the host, so a same-site post must keep sending it.
- The client address is the socket's, unless `FISOKO_TRUSTED_PROXIES=N` says N proxies stand in
  front; then werkzeug's ProxyFix takes the Nth address from the right of X-Forwarded-For (the
  one the nearest trusted proxy saw), so a visitor cannot pick its own address by sending one.
- A body that is not a multipart upload is capped at FORM_LIMIT bytes: werkzeug reads a url-encoded
  form whole into memory with no cap of its own, and the app's forms are a few fields.
- Debug stays off whatever FLASK_DEBUG or FISOKO_DEBUG say: the app serves with waitress on
  school networks, and a debug page would show code and settings.
"""

from __future__ import annotations

from flask import Flask, Response, request
from werkzeug.middleware.proxy_fix import ProxyFix

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
FORM_LIMIT = 256 * 1024
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def add_headers(response: Response) -> Response:
    """Put the security headers on a response (a view may set its own stricter ones)."""
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def limit_plain_forms() -> None:
    """Cap a non-multipart body before anything (the CSRF check first of all) reads the form."""
    if request.mimetype != "multipart/form-data":
        current = request.max_content_length
        request.max_content_length = FORM_LIMIT if current is None else min(current, FORM_LIMIT)


def init_app(app: Flask) -> None:
    app.debug = False
    app.before_request_funcs.setdefault(None, []).insert(0, limit_plain_forms)
    app.after_request(add_headers)
    proxies = app.config["TRUSTED_PROXIES"]
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=0, x_host=0, x_port=0)
