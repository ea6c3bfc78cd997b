"""Russian error pages for every status the app answers with; never a traceback."""

from __future__ import annotations

import logging
import sqlite3

from flask import Flask, g, make_response, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from fisoko.files import disk_full

log = logging.getLogger("fisoko")
WRITE_SKIPPED = "fisoko_write_skipped"  # set on `g` by a best-effort write the disk refused

MESSAGES: dict[int, tuple[str, str]] = {
    400: ("Некорректный запрос", "Запрос не удалось обработать. Обновите страницу и повторите."),
    403: ("Доступ запрещён", "У вашей учётной записи нет доступа к этой странице."),
    404: ("Страница не найдена", "Такой страницы нет или она вам недоступна."),
    405: ("Действие недоступно", "Эта страница не поддерживает такое действие."),
    413: ("Слишком большой запрос", "Отправленные данные превышают допустимый размер."),
    429: ("Слишком много попыток", "Подождите немного и попробуйте снова."),
    507: ("Нет места на диске", disk_full.MESSAGE),
    500: ("Внутренняя ошибка", "Произошла ошибка на сервере. Попробуйте ещё раз позже."),
}
CSRF_MESSAGE = (
    "Срок действия формы истёк или страница была открыта в другом сеансе. "
    "Пожалуйста, обновите страницу и повторите действие."
)


def render_error(code: int, message: str | None = None):
    """The error page for a status, with its usual message unless another is given."""
    title, text = MESSAGES.get(code, MESSAGES[500] if code >= 500 else MESSAGES[400])
    page = render_template("errors/error.html", code=code, title=title, text=message or text)
    return make_response(page, code)


def _csrf_error(error: CSRFError):
    return render_error(400, CSRF_MESSAGE)


def _http_error(error: HTTPException):
    response = render_error(error.code or 500)
    if error.code == 405 and error.valid_methods:
        response.headers["Allow"] = ", ".join(error.valid_methods)
    return response


def _unhandled(error: Exception):
    log.exception("unhandled error", exc_info=error)
    return render_error(500)


def _write_failed(error: Exception):
    """A full disk answers 507 with its own message (logged once); anything else is a 500."""
    if disk_full.is_disk_full(error):
        disk_full.noticed(error)
        return render_error(disk_full.STATUS)
    return _unhandled(error)


def _write_succeeded(response):
    """A POST that succeeded wrote to the disk, unless it skipped a write (`WRITE_SKIPPED`)."""
    wrote = request.method == "POST" and response.status_code < 400 and not g.get(WRITE_SKIPPED)
    if disk_full.is_full() and wrote:
        disk_full.cleared()
    return response


def init_app(app: Flask) -> None:
    app.after_request(_write_succeeded)
    app.register_error_handler(OSError, _write_failed)
    app.register_error_handler(sqlite3.Error, _write_failed)
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(InternalServerError, _unhandled)
    app.register_error_handler(Exception, _unhandled)
