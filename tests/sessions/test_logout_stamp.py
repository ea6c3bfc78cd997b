"""The logout stamp: a logout in one process is seen at once by every other process."""

from __future__ import annotations

from app import create_app
from fisoko.sessions.logout_stamp import SIZE, LogoutStamp
from tests.helpers import AuthActions

COOKIE = "fisoko_session"


def test_stamp_file_is_shared_and_changes_on_each_logout(tmp_path):
    one, two = LogoutStamp(tmp_path / "s"), LogoutStamp(tmp_path / "s")
    try:
        assert one.read() == two.read() == bytes(SIZE)
        one.changed()
        first = two.read()
        assert first != bytes(SIZE) and first == one.read()
        two.changed()
        assert one.read() not in (first, bytes(SIZE))
    finally:
        one.close()
        two.close()


def test_known_sessions_are_forgotten_when_the_stamp_changes(tmp_path):
    stamp = LogoutStamp(tmp_path / "s")
    try:
        known = stamp.known_active(stamp.read())
        stamp.remember(known, "sid-1")
        assert "sid-1" in stamp.known_active(stamp.read())
        stamp.changed()
        assert stamp.known_active(stamp.read()) == set()
    finally:
        stamp.close()


def test_logout_in_one_process_ends_the_session_in_another(app_config):
    """Two apps on one instance folder stand for two server processes behind a proxy."""
    first, second = create_app(app_config), create_app(app_config)
    client = first.test_client()
    AuthActions(client).login()
    cookie = client.get_cookie(COOKIE).value
    replay = second.test_client()
    replay.set_cookie(COOKIE, cookie)
    assert replay.get("/cabinet").status_code == 200
    assert replay.get("/cabinet").status_code == 200  # now known not revoked in `second`
    assert AuthActions(client).logout().status_code == 302
    assert replay.get("/cabinet").status_code == 302
    again = first.test_client()
    again.set_cookie(COOKIE, cookie)
    assert again.get("/cabinet").status_code == 302


def test_a_logout_of_another_session_keeps_this_one(app_config, login_as):
    app = create_app(app_config)
    one, two = app.test_client(), app.test_client()
    AuthActions(one).login("edu770001")
    AuthActions(two).login("edu770002")
    assert one.get("/cabinet").status_code == 200
    AuthActions(two).logout()
    assert one.get("/cabinet").status_code == 200
