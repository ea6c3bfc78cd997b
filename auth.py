"""Logging in and out: the login form, password checks, the user loader and safe redirects."""

from __future__ import annotations

import hashlib
import unicodedata

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import LoginManager, current_user, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField, SubmitField
from wtforms.validators import InputRequired

from fisoko.accounts.passwords import check_password
from fisoko.accounts.store import Account, current_store
from fisoko.login import audit, last_login, low_priority
from fisoko.login import device as devices
from fisoko.login.lanes import Shed, current_lane
from fisoko.login.throttle import current_throttle, wait_text
from fisoko.sessions import lifecycle

bp = Blueprint("auth", __name__)
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "Войдите в личный кабинет, чтобы открыть эту страницу."
login_manager.login_message_category = "info"

WRONG_CREDENTIALS = "Неверный логин или пароль"
BUSY = "Сейчас входят очень многие. Повторите вход через {seconds} с."
MAX_NEXT_LENGTH = 2000


class User:
    """The logged-in account as Flask-Login sees it."""

    is_authenticated = True
    is_active = True
    is_anonymous = False

    def __init__(self, account: Account) -> None:
        self.account = account

    def get_id(self) -> str:
        """The login and a digest of the password hash: a changed password ends old sessions."""
        return f"{self.account.login}:{hash_digest(self.account.password_hash)}"


def hash_digest(password_hash: str) -> str:
    return hashlib.sha256(password_hash.encode("ascii")).hexdigest()[:16]


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """The session's account, unless it is gone, disabled, re-passworded or logged out."""
    login, _, digest = user_id.partition(":")
    account = current_store().get(login)
    if account is None or account.disabled or digest != hash_digest(account.password_hash):
        return None
    if not lifecycle.is_active():
        return None
    return User(account)


class LoginForm(FlaskForm):
    login = StringField("Логин", validators=[InputRequired("Введите логин")])
    password = PasswordField("Пароль", validators=[InputRequired("Введите пароль")])
    submit = SubmitField("Войти")


def authenticate(login: str, password: str) -> tuple[Account | None, str]:
    """The account and 'ok', or None and why: 'unknown', 'disabled' or 'wrong'.

    Every outcome costs exactly one bcrypt check, so timing tells nothing about which logins exist.
    """
    store = current_store()
    account = store.get(login)
    usable = account is not None and not account.disabled
    matched = low_priority.run(
        check_password,
        password,
        account.password_hash if usable else None,
        store.accounts.slowest_cost,
    )
    if account is None:
        return None, "unknown"
    if account.disabled:
        return None, "disabled"
    return (account, "ok") if matched else (None, "wrong")


def is_safe_next(target: str | None) -> bool:
    """Whether `next` is a path on this site: one leading '/', no scheme, host or odd character."""
    if not target or len(target) > MAX_NEXT_LENGTH:
        return False
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return False
    return not any(
        ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") for ch in target
    )


def safe_next() -> str | None:
    target = request.args.get("next")
    return target if is_safe_next(target) else None


def _address() -> str:
    return request.remote_addr or "-"


def _typed_login() -> str:
    """The login as typed, without surrounding spaces: the same text the password check uses."""
    return (request.form.get("login") or "").strip()


def _throttled(typed: str, wait: int, target: str | None, form: LoginForm | None = None):
    """The login form again with 429, the wait and Retry-After: the address, the pair or the
    device is blocked; no password check runs. The typed login is kept, the password not."""
    audit.record(typed, "throttled")
    form = form or LoginForm()
    form.login.data = typed
    message = (
        f"Слишком много неудачных попыток входа. Подождите {wait_text(wait)} "
        "и попробуйте снова. Если вы забыли пароль, напишите в техническую поддержку."
    )
    page = render_template("auth/login.html", form=form, error=message, next=target)
    return page, 429, {"Retry-After": str(wait)}


def _shed(form: LoginForm, typed: str, seconds: int, target: str | None):
    """The login page again with 503 and Retry-After: too many logins queue for a check."""
    audit.record(typed, "shed")
    form.login.data = typed
    page = render_template(
        "auth/login.html", form=form, error=BUSY.format(seconds=seconds), next=target
    )
    return page, 503, {"Retry-After": str(seconds)}


def _reserved_check(typed: str, password: str, device: str | None):
    """In the lane: take the throttle's reservation, then check: (account, result, wait).

    The reservation is taken only once the login's turn has come, so a login that is shed or
    displaced from the queue has cost the throttle nothing (it is charged to its source's usage).
    """
    throttle = current_throttle()
    if device is not None:
        wait = throttle.reserve_device(device)
        return (None, "throttled", wait) if wait else (*authenticate(typed, password), 0)
    wait = throttle.reserve(_address(), typed)
    if wait:
        return None, "throttled", wait
    try:
        return (*authenticate(typed, password), 0)
    finally:
        throttle.release(_address())


def _check(typed: str, password: str, target: str | None, form: LoginForm, device: str | None):
    """Admit the login to the lane (or shed it), then in its turn reserve and check the password.

    A browser with a valid device cookie is its own source and is counted per device (device.py).
    """
    lane = current_lane()
    source = f"device:{device}" if device is not None else f"addr:{_address()}"
    with lane.admit(source, typed, trusted=device is not None) as ticket:
        if ticket.retry_after:
            return _shed(form, typed, ticket.retry_after, target)
        try:
            account, result, wait = ticket.run(_reserved_check, typed, password, device)
        except Shed as shed:
            return _shed(form, typed, shed.retry_after, target)
    if wait:
        return _throttled(typed, wait, target, form)
    audit.record(typed, result)
    throttle = current_throttle()
    if account is not None:
        if device is not None:
            throttle.device_succeeded(device)
        throttle.succeeded(_address(), typed)
        lane.succeeded(typed)
        lifecycle.start()
        login_user(User(account))
        last_login.record(account)
        response = redirect(target or url_for("cabinet.home"))
        devices.remember(response, account, device)
        return response
    if device is not None:
        throttle.device_failed(device, _address(), typed)
    else:
        throttle.failed(_address(), typed)
    form.login.data = typed
    return render_template("auth/login.html", form=form, error=WRONG_CREDENTIALS, next=target)


def _trusted_device(typed: str) -> str | None:
    """The device id of a valid device cookie for the typed login that is not locked out."""
    device = devices.device_for(typed)
    if device is None or current_throttle().device_locked(device):
        return None
    return device


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Show the login form; on a good login and password open the cabinet (or a local `next`)."""
    target = safe_next()
    if current_user.is_authenticated and request.method == "GET":
        return redirect(target or url_for("cabinet.home"))
    device = None
    if request.method == "POST":
        typed = _typed_login()
        device = _trusted_device(typed)
        current_lane().charge(f"device:{device}" if device is not None else f"addr:{_address()}")
        if device is None:
            wait = current_throttle().wait_seconds(_address(), typed)
            if wait:
                return _throttled(typed, wait, target)
    form = LoginForm()
    if form.validate_on_submit():
        return _check(_typed_login(), form.password.data, target, form, device)
    return render_template("auth/login.html", form=form, error=None, next=target)


@bp.route("/logout", methods=["POST"])
def logout():
    """End the session here and on the server, so a replayed cookie opens nothing."""
    logout_user()
    lifecycle.end()
    flash("Вы вышли из личного кабинета.", "info")
    return redirect(url_for("auth.login"))
