"""Protections for every response and request: security headers, the client address, no debug.

- Every answer (pages, static files, errors, /healthz) carries the headers below. The policy
  allows scripts, styles, images and fonts from this site only and no inline code at all, so
  templates must keep CSS in static/ and use no `style=` attribute or `<script>` block.
- `Referrer-Policy: same-origin`, not `no-referrer`: Flask-WTF's CSRF check behind HTTPS compares
  the Referer of a form post with the host, so a same-site post must keep sending it.
- The client address is the socket's, unless `FISOKO_TRUSTED_PROXIES=N` says N proxies stand in
  front; then werkzeug's ProxyFix takes the Nth address from the right of X-Forwarded-For (the
  one the nearest trusted proxy saw), so a visitor cannot pick its own address by sending one.
- A body sent anywhere but the upload view is capped at FORM_LIMIT bytes: werkzeug reads a
  url-encoded form whole into memory with no cap of its own, and the app's forms are a few fields.
  The cap is checked against Content-Length before anything reads the body.
- Bytes that are not UTF-8 never cost a visitor the whole request: werkzeug drops a url-encoded
  form that has one (and with it the CSRF token, so the answer would be a misleading 400) and
  fails on such a query string, so both are read with those bytes replaced (U+FFFD) or escaped.
- Debug stays off whatever FLASK_DEBUG or FISOKO_DEBUG say: the app serves with waitress on
  school networks, and a debug page would show code and settings.
"""

from __future__ import annotations

import io
import string
import typing as t
from urllib.parse import quote

import flask
from flask import Flask, Response, request
from werkzeug.formparser import FormDataParser
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


_HEADERS = [(name, name.lower(), value) for name, value in HEADERS.items()]


def add_headers(response: Response) -> Response:
    """Put the security headers on a response (a view may set its own stricter ones).

    One pass over the response's headers instead of a search per header (`setdefault`): this
    runs on every answer, and the searching was most of its cost.
    """
    headers = response.headers
    present = {name.lower() for name in headers.keys()}
    for name, lower, value in _HEADERS:
        if lower not in present:
            headers.add(name, value)
    return response


QUERY_SAFE = string.ascii_letters + string.digits + string.punctuation


class LenientFormDataParser(FormDataParser):
    """Parses a url-encoded body whose bytes are not valid UTF-8 as if they were U+FFFD."""

    def parse(self, stream, mimetype, content_length, options=None):
        if mimetype != "application/x-www-form-urlencoded":
            return super().parse(stream, mimetype, content_length, options)
        data = stream.read()
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            data = data.decode("utf-8", "replace").encode("utf-8")
        return super().parse(io.BytesIO(data), mimetype, len(data), options)


class Request(flask.Request):
    form_data_parser_class = LenientFormDataParser


def ascii_query(wsgi_app: t.Callable) -> t.Callable:
    """Percent-encode raw non-ASCII bytes of the query string, which werkzeug cannot decode."""

    def app(environ, start_response):
        query = environ.get("QUERY_STRING", "")
        if not query.isascii():
            environ["QUERY_STRING"] = quote(query.encode("latin-1", "replace"), safe=QUERY_SAFE)
        return wsgi_app(environ, start_response)

    return app


# The upload route, named here once: its body limit (here and in server.py) and its view use these.
UPLOAD_PATH = "/cabinet/niko/uploads"
UPLOAD_ENDPOINT = "uploads.upload"


def limit_bodies() -> None:
    """Cap a body but an upload's before anything (the CSRF check first of all) reads the form."""
    if request.endpoint != UPLOAD_ENDPOINT:
        current = request.max_content_length
        request.max_content_length = FORM_LIMIT if current is None else min(current, FORM_LIMIT)


def init_app(app: Flask) -> None:
    app.debug = False
    app.request_class = Request
    app.wsgi_app = ascii_query(app.wsgi_app)
    app.before_request_funcs.setdefault(None, []).insert(0, limit_bodies)
    app.after_request(add_headers)
    proxies = app.config["TRUSTED_PROXIES"]
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=0, x_host=0, x_port=0)
