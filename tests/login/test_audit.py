"""The audit log: one escaped line per login attempt, to the log and to FISOKO_AUDIT_LOG."""

from __future__ import annotations

import re

import pytest

from app import create_app
from fisoko.login.audit import escape
from tests.helpers import PASSWORDS, AuthActions

LINE_RE = re.compile(
    r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d login attempt login='(?:[^'\\]|\\.)*'(?:\.\.\.)?"
    r" addr=\S+ result=(ok|wrong|unknown|disabled|throttled)"
)


@pytest.fixture
def audit_file(tmp_path):
    return tmp_path / "logs" / "audit.log"


@pytest.fixture
def app(app_config, audit_file):
    audit_file.parent.mkdir()
    return create_app({**app_config, "AUDIT_LOG": str(audit_file)})


def read_lines(path) -> list[str]:
    return path.read_text(encoding="utf-8").split("\n")[:-1]


@pytest.mark.parametrize(
    "text, shown",
    [
        ("edu770001", "edu770001"),
        ("a\nb", "a\\x0ab"),
        ("a\r\nFAKE", "a\\x0d\\x0aFAKE"),
        ("\x1b[31mred", "\\x1b[31mred"),
        ("x\u2028y\u2029z", "x\\u2028y\\u2029z"),
        ("\u202eevil", "\\u202eevil"),
        ("nul\0", "nul\\x00"),
        ("it's", "it\\'s"),
        ("back\\slash", "back\\\\slash"),
        ("логин пользователя", "логин пользователя"),
        ("tab\there", "tab\\x09here"),
        ("\U000e0001tag", "\\U000e0001tag"),
    ],
)
def test_escape(text, shown):
    assert escape(text) == shown


def test_escape_shortens_a_long_login():
    assert escape("x" * 10_000) == "x" * 200 + "..."


def test_every_result_is_written_as_one_line_without_passwords(app, auth, audit_file, caplog):
    caplog.set_level("INFO", logger="fisoko.audit")
    auth.login("edu770001")
    auth.logout()
    auth.login("edu770001", "Wrong-Pass-1")
    auth.login("edu770099", "Wrong-Pass-2")
    auth.login("edu770009")
    for _ in range(5):
        auth.login("edu780001", "Wrong-Pass-3")
    auth.login("edu780001", PASSWORDS["edu780001"])
    lines = read_lines(audit_file)
    results = [LINE_RE.fullmatch(line).group(1) for line in lines]
    assert results == ["ok", "wrong", "unknown", "disabled"] + ["wrong"] * 5 + ["throttled"]
    assert "login='edu770099' addr=127.0.0.1 result=unknown" in lines[2]
    logged = [r.getMessage() for r in caplog.records if r.name == "fisoko.audit"]
    assert [line.split(" ", 1)[1] for line in lines] == logged
    text = audit_file.read_text(encoding="utf-8")
    for secret in ["Wrong-Pass", *PASSWORDS.values()]:
        assert secret not in text


@pytest.mark.parametrize(
    "login",
    [
        "nobody\n2030-01-01T00:00:00+00:00 login attempt login='edu770001' addr=1.2.3.4 result=ok",
        "nobody\r2030 result=ok",
        "x\u2028y result=ok",
        "x\x85y\x0bz\x0c result=ok",
        "\x1b[2K\x1b[1Gresult=ok",
        "' addr=6.6.6.6 result=ok",
    ],
)
def test_a_login_cannot_forge_audit_lines(app, auth, audit_file, login):
    auth.login(login, "whatever-1")
    text = audit_file.read_text(encoding="utf-8")
    assert text.count("\n") == 1
    assert len(text.splitlines()) == 1
    assert not any(ch in text[:-1] for ch in "\r\x0b\x0c\x1b\x85\u2028\u2029")
    match = LINE_RE.fullmatch(text[:-1])
    assert match and match.group(1) == "unknown"
    assert "addr=127.0.0.1 " in text


def test_an_audit_log_that_cannot_be_written_stops_the_start(app_config, tmp_path, capsys):
    target = tmp_path / "missing-folder" / "audit.log"
    with pytest.raises(SystemExit) as caught:
        create_app({**app_config, "AUDIT_LOG": str(target)})
    assert caught.value.code == 1
    assert f"FISOKO_AUDIT_LOG: не удаётся записать {target}" in capsys.readouterr().err


def test_a_failing_audit_file_does_not_fail_the_login(app, audit_file, caplog):
    audit_file.unlink()
    audit_file.mkdir()
    response = AuthActions(app.test_client()).login("edu770001")
    assert response.status_code == 302
    assert any("не удаётся записать журнал входов" in r.getMessage() for r in caplog.records)


def test_without_an_audit_file_only_the_log_gets_lines(app_config, caplog, tmp_path):
    caplog.set_level("INFO", logger="fisoko.audit")
    AuthActions(create_app(app_config).test_client()).login("edu770001", "bad-password")
    assert [r.getMessage() for r in caplog.records if r.name == "fisoko.audit"] == [
        "login attempt login='edu770001' addr=127.0.0.1 result=wrong"
    ]
    assert not list(tmp_path.rglob("*.log"))


def test_an_event_line_names_who_what_and_escapes_typed_details():
    from fisoko.login.audit import describe_event

    line = describe_event("niko__77", "sample.replace", "10.0.0.1", {"reason": "a\nFAKE 'x'"})
    assert line == (
        "event action=sample.replace by='niko__77' addr=10.0.0.1 reason='a\\x0aFAKE \\'x\\''"
    )


def test_an_event_action_is_a_fixed_word(app):
    from fisoko.login.audit import event

    with app.test_request_context(), pytest.raises(ValueError):
        event("niko__77", "sample replace\nforged")


class Minutes:
    """A settable now_local() for the audit's summaries."""

    def __init__(self) -> None:
        import datetime as dt

        self.now = dt.datetime(2026, 3, 2, 9, 0, 5).astimezone()

    def __call__(self):
        return self.now

    def advance(self, seconds: float) -> None:
        import datetime as dt

        self.now += dt.timedelta(seconds=seconds)


def test_shed_and_throttled_attempts_are_summed_per_source_and_minute(tmp_path, monkeypatch):
    from fisoko.login import audit

    minutes = Minutes()
    monkeypatch.setattr(audit, "now_local", minutes)
    path = tmp_path / "audit.log"
    log = audit.AuditLog(path, max_bytes=10**6, backups=2)
    for number in range(40):
        log.count(f"edu77{number % 5:04d}", "10.0.0.1", "shed")
    log.count("edu770001", "10.0.0.2", "throttled")
    log.flush()  # the minute is not over: nothing more yet
    assert len(read_lines(path)) == 2
    minutes.advance(60)
    log.count("edu770001", "10.0.0.1", "shed")  # a new minute starts with a line in full
    log.flush()
    lines = read_lines(path)
    assert len(lines) == 4
    assert lines[0].endswith("login attempt login='edu770000' addr=10.0.0.1 result=shed")
    assert lines[2].endswith(
        "login attempts summary addr=10.0.0.1 result=shed minute=2026-03-02T09:00 more=39 "
        "logins='edu770001','edu770002','edu770003'"
    )
    assert lines[3].endswith("addr=10.0.0.1 result=shed")
    log.flush(everything=True)  # 10.0.0.2 had no more; the new minute had no more
    assert len(read_lines(path)) == 4


def test_the_audit_file_is_rotated_by_size(tmp_path):
    from fisoko.login import audit

    path = tmp_path / "audit.log"
    log = audit.AuditLog(path, max_bytes=1000, backups=2)
    for number in range(100):
        log.write(f"event number {number:03d} " + "x" * 40)
    kept = [path, path.with_name("audit.log.1"), path.with_name("audit.log.2")]
    assert all(p.exists() for p in kept) and not path.with_name("audit.log.3").exists()
    assert all(p.stat().st_size <= 1000 for p in kept)
    assert read_lines(path)[-1].endswith("event number 099 " + "x" * 40)
    newest_first = [read_lines(p) for p in kept]
    numbers = [int(line.split("number ")[1][:3]) for lines in newest_first[::-1] for line in lines]
    assert (
        numbers == sorted(numbers) and numbers[-1] == 99
    )  # nothing reordered, only the oldest went


def test_the_flusher_survives_an_app_whose_start_failed_half_way(tmp_path, caplog):
    """The audit log is made before the content is loaded. A start that fails after it leaves a
    log whose app has no content: its clock keeps Moscow time, so its summaries are still
    written. A log whose summaries cannot be made (here its app names a zone it cannot read) is
    reported once and dropped, and the others keep being flushed."""
    from flask import Flask

    from fisoko import clock
    from fisoko.login import audit

    half_built = Flask("half-built")
    idle = audit.AuditLog(tmp_path / "idle.log", max_bytes=10**6, backups=1, app=half_built)
    idle.flush()  # nothing counted: the clock is not read at all
    early = audit.AuditLog(tmp_path / "early.log", max_bytes=10**6, backups=1, app=half_built)
    early._pending[("10.0.0.3", "shed")] = ["2026-03-02T08:58", 4, ["edu770003"]]
    unreadable = Flask("unreadable")
    clock.use_zone(unreadable, lambda: unreadable.extensions["fisoko.content"].timezone)
    broken = audit.AuditLog(tmp_path / "broken.log", max_bytes=10**6, backups=1, app=unreadable)
    broken._pending[("10.0.0.1", "shed")] = ["2026-03-02T09:00", 3, ["edu770001"]]
    working = audit.AuditLog(tmp_path / "working.log", max_bytes=10**6, backups=1)
    working._pending[("10.0.0.2", "shed")] = ["2026-03-02T08:59", 2, ["edu770002"]]
    audit._flush_all()
    assert broken not in audit._LOGS
    assert idle in audit._LOGS and early in audit._LOGS and working in audit._LOGS
    assert read_lines(tmp_path / "working.log")[0].endswith("more=2 logins='edu770002'")
    assert read_lines(tmp_path / "early.log")[0].endswith("more=4 logins='edu770003'")
    assert any("итоги попыток" in r.getMessage() for r in caplog.records)
