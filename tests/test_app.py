"""The factory's configuration, start-up failures, and the real server started as users start it."""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

import pytest

from app import create_app
from fisoko.settings import BASE_DIR
from tests.helpers import PASSWORDS, NoRedirect, Server, free_port, run_app


def test_secret_key_is_generated_once_and_kept(app_config, monkeypatch):
    monkeypatch.delenv("FISOKO_SECRET_KEY", raising=False)
    first = create_app(app_config)
    key_file = Path(first.instance_path) / "secret_key"
    assert key_file.exists()
    assert len(first.config["SECRET_KEY"]) >= 32
    if os.name == "posix":
        assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert create_app(app_config).config["SECRET_KEY"] == first.config["SECRET_KEY"]


def test_secret_key_from_the_environment_wins(app_config, monkeypatch):
    monkeypatch.setenv("FISOKO_SECRET_KEY", "12345")
    app = create_app(app_config)
    assert app.config["SECRET_KEY"] == "12345"
    assert not (Path(app.instance_path) / "secret_key").exists()


def test_environment_settings_are_read(app_config, monkeypatch, tmp_path):
    monkeypatch.setenv("FISOKO_SESSION_MINUTES", "5")
    monkeypatch.setenv("FISOKO_PORT", "9000")
    monkeypatch.setenv("FISOKO_SECURE_COOKIES", "1")
    monkeypatch.setenv("FISOKO_INSTANCE", str(tmp_path / "other"))
    config = {k: v for k, v in app_config.items() if k != "INSTANCE"}
    app = create_app(config)
    assert app.permanent_session_lifetime.total_seconds() == 300
    assert app.config["PORT"] == 9000
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert Path(app.instance_path) == tmp_path / "other"


@pytest.mark.parametrize(
    "key, value, message",
    [
        ("PORT", "eighty", "FISOKO_PORT должно быть целым числом"),
        ("PORT", 70000, "FISOKO_PORT должно быть от 1 до 65535"),
        ("SESSION_MINUTES", 0, "FISOKO_SESSION_MINUTES должно быть от"),
        ("SECURE_COOKIES", "maybe", "FISOKO_SECURE_COOKIES должно быть 1 или 0"),
        ("MAX_UPLOAD_MB", "big", "FISOKO_MAX_UPLOAD_MB должно быть целым числом"),
        ("MAX_UPLOAD_MB", 0, "FISOKO_MAX_UPLOAD_MB должно быть от 1 до 1024"),
        ("TODAY", "16.03.2027", "FISOKO_TODAY должно быть датой в виде ГГГГ-ММ-ДД"),
        ("TODAY", "2027-02-30", "FISOKO_TODAY должно быть датой в виде ГГГГ-ММ-ДД"),
        ("THROTTLE_LOGIN_FAILURES", 0, "FISOKO_THROTTLE_LOGIN_FAILURES должно быть от"),
        ("THROTTLE_ADDRESS_FAILURES", "many", "FISOKO_THROTTLE_ADDRESS_FAILURES должно быть целым"),
        ("THROTTLE_WINDOW_MINUTES", -1, "FISOKO_THROTTLE_WINDOW_MINUTES должно быть от"),
        ("THROTTLE_BLOCK_MINUTES", "", "FISOKO_THROTTLE_BLOCK_MINUTES должно быть целым"),
        ("TRUSTED_PROXIES", 11, "FISOKO_TRUSTED_PROXIES должно быть от 0 до 10"),
        ("RATELIMIT_STORAGE", "", "FISOKO_RATELIMIT_STORAGE пусто"),
        (
            "RATELIMIT_STORAGE",
            "bogus://x",
            "FISOKO_RATELIMIT_STORAGE 'bogus://x' нельзя использовать",
        ),
    ],
)
def test_bad_settings_stop_with_a_message(app_config, capsys, key, value, message):
    with pytest.raises(SystemExit) as caught:
        create_app({**app_config, key: value})
    assert caught.value.code == 1
    assert message in capsys.readouterr().err


def test_invalid_accounts_stop_the_start_with_every_problem(app_config, tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("accounts:\n  edu1:\n    name: x\n  edu770001:\n    nam: y\n", encoding="utf-8")
    with pytest.raises(SystemExit) as caught:
        create_app({**app_config, "ACCOUNTS": str(bad)})
    assert caught.value.code == 1
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith(f"{bad}:2: неверный логин «edu1»")
    assert (
        f"{bad}:5: edu770001: неизвестное поле «nam»: "
        "допустимы name, password_hash, email, disabled" in err
    )
    assert len(err) == 5


def test_python_app_py_with_invalid_accounts_exits_1_without_traceback(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("accounts:\n  edu770001:\n    name: [x\n", encoding="utf-8")
    result = run_app("--accounts", str(bad), env={"FISOKO_INSTANCE": str(tmp_path / "i")})
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert re.search(rf"^{re.escape(str(bad))}:\d+: ", result.stderr, re.M)


def test_python_app_py_help_lists_the_flags_in_russian():
    result = run_app("--help")
    assert result.returncode == 0
    for flag in ("--host H", "--port P", "--accounts PATH"):
        assert flag in result.stdout
    assert result.stdout.startswith("Использование: python app.py [--host H] [--port P]")
    assert "Параметры:" in result.stdout and "Показать эту справку и выйти." in result.stdout
    for english in ("usage:", "options:", "show this help"):
        assert english not in result.stdout


@pytest.mark.parametrize(
    "args, message",
    [
        (["--bogus"], "неизвестные параметры: --bogus."),
        (["--port"], "после --port нужно значение."),
        (["--help=1"], "параметр --help не принимает значения."),
        (["--ho", "x"], "неизвестные параметры: --ho x."),  # no abbreviations of the flags
    ],
)
def test_python_app_py_usage_errors_in_russian_exit_2(args, message):
    result = run_app(*args)
    assert result.returncode == 2
    assert result.stderr.startswith("Использование: python app.py ")
    assert f"Ошибка: {message}\nПодробнее: python app.py --help\n" in result.stderr
    assert "error:" not in result.stderr and "usage:" not in result.stderr


@pytest.mark.slow
def test_real_server_login_over_http(tmp_path, accounts_file):
    server = Server(tmp_path, accounts_file)
    try:
        jar = CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)
        with opener.open(server.base + "/login") as response:
            page = response.read().decode()
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        form = {"login": "edu770001", "password": PASSWORDS["edu770001"], "csrf_token": token}
        with pytest.raises(urllib.error.HTTPError) as redirect:
            opener.open(server.base + "/login", urllib.parse.urlencode(form).encode())
        redirect.value.close()
        assert redirect.value.code == 302
        assert redirect.value.headers["Location"] == "/cabinet"
        with opener.open(server.base + "/cabinet") as response:
            assert "Ответственный организатор ОО" in response.read().decode()
        with opener.open(server.base + "/healthz") as response:
            assert response.read() == b'{"status":"ok"}\n'
    finally:
        server.stop()
    assert "login attempt login='edu770001'" in server.output
    assert "result=ok" in server.output
    assert PASSWORDS["edu770001"] not in server.output


def test_exchange_settings_from_the_environment(app_config, monkeypatch, tmp_path):
    import datetime as dt

    monkeypatch.setenv("FISOKO_MAX_UPLOAD_MB", "5")
    monkeypatch.setenv("FISOKO_TODAY", "2027-03-16")
    monkeypatch.setenv("FISOKO_MATERIALS", str(tmp_path))
    monkeypatch.setenv("FISOKO_RESULTS", str(tmp_path / "results"))
    app = create_app(app_config)
    assert app.config["MAX_UPLOAD_MB"] == 5
    assert app.config["MAX_CONTENT_LENGTH"] > 5 * 1024 * 1024
    assert app.config["TODAY"] == dt.date(2027, 3, 16)
    assert app.config["MATERIALS"] == str(tmp_path)
    assert app.config["RESULTS"] == str(tmp_path / "results")
    monkeypatch.delenv("FISOKO_MAX_UPLOAD_MB")
    monkeypatch.delenv("FISOKO_TODAY")
    defaults = create_app(app_config).config
    assert (defaults["MAX_UPLOAD_MB"], defaults["TODAY"]) == (20, None)
    monkeypatch.delenv("FISOKO_RESULTS")
    assert create_app(app_config).config["RESULTS"] == str(BASE_DIR / "results")


@pytest.mark.slow
def test_login_attempts_are_logged_under_waitress_serve(tmp_path, accounts_file):
    """waitress-serve configures only the root logger; the audit lines must still appear."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "waitress", "--host", "127.0.0.1", "--port", str(port)]
        + ["--call", "app:create_app"],
        cwd=BASE_DIR,
        env={
            **os.environ,
            "FISOKO_INSTANCE": str(tmp_path / "instance"),
            "FISOKO_ACCOUNTS": str(accounts_file),
        },
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=1):
                    break
            except OSError:
                assert time.monotonic() < deadline and process.poll() is None, "no server"
                time.sleep(0.1)
        jar = CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        with opener.open(base + "/login") as response:
            page = response.read().decode()
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        form = {"login": "edu770002", "password": "Wrong-Password", "csrf_token": token}
        with opener.open(base + "/login", urllib.parse.urlencode(form).encode()) as response:
            assert response.status == 200
    finally:
        process.terminate()
        output = process.communicate(timeout=10)[0]
    assert "login attempt login='edu770002'" in output and "result=wrong" in output
