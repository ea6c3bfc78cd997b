"""The login lane: how many checks run at once, and when a login is shed (a fake clock)."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from limits.storage import storage_from_string

from app import create_app
from fisoko.login.lanes import LoginLane, retry_after, shed_seconds
from fisoko.login.throttle import RUNNING_WAIT, Throttle
from tests.helpers import PASSWORDS, AuthActions


def NO_SPREAD() -> float:  # noqa: N802 - a constant random source
    return 0.0


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize(
    ("in_flight", "lanes", "check", "max_wait", "cap", "expected"),
    [
        (0, 1, 0.3, 2.0, 12, 0),  # a free lane always admits
        (1, 2, 5.0, 2.0, 12, 0),  # ... even when one check alone is longer than the bound
        (3, 2, 5.0, 2.0, 12, 0),  # one login may wait per lane, so no lane idles
        (4, 2, 5.0, 2.0, 12, 10),  # more: 10 s ahead, shed
        (5, 1, 0.3, 2.0, 12, 0),  # 1.5 s of work ahead and 0.3 s its own: within the bound
        (6, 1, 0.3, 2.0, 12, 2),  # 1.8 + 0.3 s: shed, try again when the 1.8 s are done
        (11, 2, 0.3, 2.0, 20, 0),  # 1.65 + 0.3 s over two lanes: admitted
        (12, 2, 0.3, 9.0, 12, 2),  # the cap of admitted logins, whatever the time
        (40, 4, 0.01, 2.0, 40, 1),  # at the cap; the retry is never under a second
    ],
)
def test_shed_decision(in_flight, lanes, check, max_wait, cap, expected):
    assert shed_seconds(in_flight, lanes, check, max_wait, cap) == expected


def test_a_lane_admits_until_the_queued_work_exceeds_the_bound():
    lane = LoginLane(lanes=2, max_wait=1.0, max_in_flight=100, check_seconds=0.25, rng=NO_SPREAD)
    tickets = [lane.admit() for _ in range(8)]
    # 7 admitted logins over 2 lanes at 0.25 s are 0.875 s of waiting, plus 0.25 s of its own
    # check: over the bound, so the 8th is shed.
    assert [t.retry_after for t in tickets] == [0] * 7 + [1]
    assert lane.in_flight == 7
    tickets[0].close()
    tickets[0].close()  # closing twice frees one place only
    assert lane.in_flight == 6
    assert lane.admit().retry_after == 0


def test_the_estimate_follows_measured_checks():
    clock = FakeClock()
    lane = LoginLane(
        lanes=1, max_wait=2.0, max_in_flight=100, check_seconds=0.1, clock=clock, rng=NO_SPREAD
    )

    def slow_check():
        clock.now += 1.0
        return "checked"

    for _ in range(20):
        with lane.admit() as ticket:
            assert ticket.run(slow_check) == "checked"
    assert 0.95 < lane.check_seconds <= 1.0
    assert lane.in_flight == 0
    held = [lane.admit() for _ in range(2)]
    assert [t.retry_after for t in held] == [0, 0]  # a free lane; then 1 s ahead + 1 s its own
    assert lane.admit().retry_after == 2  # 2 s ahead + 1 s its own is over 2 s


def test_a_check_running_longer_than_the_estimate_tightens_admission():
    clock = FakeClock()
    lane = LoginLane(
        lanes=1, max_wait=2.0, max_in_flight=100, check_seconds=0.1, clock=clock, rng=NO_SPREAD
    )
    seen = []

    def long_check():
        # While this check runs, three more logins ask to queue at 0.1 s, then at 1.5 s.
        seen.append([lane.admit().retry_after for _ in range(3)])
        clock.now += 1.5
        assert lane.estimate() == 1.5
        seen.append([lane.admit().retry_after for _ in range(2)])
        return "done"

    with lane.admit() as ticket:
        assert ticket.run(long_check) == "done"
    # 0.1 s a check: 1, 2 and 3 admitted ahead are far under 2 s, all admitted; at 1.5 s a
    # check, 4 admitted ahead would be 6 s of waiting: shed, both told the queue's 6 s (the
    # first shed does not push the second one later).
    assert seen == [[0, 0, 0], [6, 6]]
    assert lane.estimate() == lane.check_seconds < 1.5  # the average learnt, not replaced


def test_retry_after_is_the_queue_now_not_the_sheds_before():
    clock = FakeClock()
    lane = LoginLane(
        lanes=2, max_wait=1.0, max_in_flight=100, check_seconds=0.5, clock=clock, rng=NO_SPREAD
    )
    admitted = [lane.admit() for _ in range(4)]  # one running and one waiting per lane
    assert [t.retry_after for t in admitted] == [0] * 4
    # 4 admitted over 2 lanes at 0.5 s: the queue drains in 1 s, whoever asks and however often.
    told = [lane.admit().retry_after for _ in range(500)]
    assert told == [1] * 500
    admitted[0].close()
    admitted[1].close()
    clock.now += 0.5
    assert lane.admit().retry_after == 0  # the queue drained: admitted at once


@pytest.mark.parametrize(
    ("ahead", "spread", "told"),
    [
        (0.0, 0.0, 1),  # never under a second
        (1.0, 0.0, 1),
        (1.0, 0.99, 2),  # at least a second of spread
        (4.0, 0.0, 4),
        (4.0, 0.99, 6),  # up to half as much again
        (50.0, 0.99, 60),  # capped
        (500.0, 0.0, 30),  # near the cap the range moves down: 30..60
        (500.0, 0.99, 60),
    ],
)
def test_retry_after_spread_and_cap(ahead, spread, told):
    assert retry_after(ahead, spread) == told


def test_a_class_shed_together_is_told_different_seconds():
    lane = LoginLane(lanes=2, max_wait=1.0, max_in_flight=100, check_seconds=1.0)
    held = [lane.admit() for _ in range(4)]
    told = [lane.admit().retry_after for _ in range(30)]
    assert set(told) <= {2, 3} and len(set(told)) == 2  # 2 s of queue, spread over a second
    for ticket in held:
        ticket.close()


def test_a_shed_ticket_cannot_run():
    lane = LoginLane(lanes=1, max_wait=0, max_in_flight=1)
    held = lane.admit()
    shed = lane.admit()
    assert held.retry_after == 0 and shed.retry_after >= 1
    with pytest.raises(RuntimeError):
        shed.run(lambda: None)
    shed.close()
    assert lane.in_flight == 1


def test_no_more_checks_run_at_once_than_lanes():
    lane = LoginLane(lanes=2, max_wait=100, max_in_flight=100)
    release = threading.Event()
    lock = threading.Lock()
    running, peak = [0], [0]

    def check():
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        release.wait(5)
        with lock:
            running[0] -= 1

    def login():
        with lane.admit() as ticket:
            ticket.run(check)

    threads = [threading.Thread(target=login) for _ in range(6)]
    for thread in threads:
        thread.start()
    for _ in range(200):
        with lane._cond:
            if lane.in_flight == 6 and lane.running == 2:
                break
        threading.Event().wait(0.005)
    assert lane.running == 2
    release.set()
    for thread in threads:
        thread.join(5)
    assert peak[0] == 2
    assert lane.in_flight == 0 and lane.running == 0


def test_parallel_tries_from_one_address_run_no_more_checks_than_its_allowance():
    throttle = Throttle(storage_from_string("memory://"), 5, 10, 900, 900)
    answers = [throttle.reserve("10.0.0.1", f"edu77{n:04d}") for n in range(25)]
    assert answers.count(0) == 10
    assert set(answers[10:]) == {RUNNING_WAIT}
    for _ in range(10):
        throttle.release("10.0.0.1")
    assert throttle.reserve("10.0.0.1", "edu779999") == 0
    assert throttle.reserve("10.0.0.2", "edu770001") == 0


@pytest.fixture
def busy_app(app_config):
    """An app whose lane admits one login at a time (THREADS 2), with an audit log."""
    audit = app_config["INSTANCE"] + "-audit.log"
    return create_app(
        {**app_config, "THREADS": 2, "THROTTLE_LOGIN_FAILURES": 2, "AUDIT_LOG": audit}
    )


def test_a_login_beyond_the_queue_is_shed_with_503_and_kept_login(busy_app, monkeypatch):
    lane = busy_app.extensions["fisoko.login_lane"]
    import auth as auth_module

    checks = []
    monkeypatch.setattr(auth_module, "check_password", lambda *a: checks.append(a))
    held = lane.admit()
    client = busy_app.test_client()
    response = AuthActions(client).login("edu770001", "whatever")
    page = response.get_data(as_text=True)
    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) >= 1
    assert f"Повторите вход через {response.headers['Retry-After']} с." in page
    assert "Сейчас входят очень многие." in page
    assert 'value="edu770001"' in page and "whatever" not in page
    assert checks == []
    held.close()


def test_shed_tries_are_not_failures_and_are_audited(busy_app):
    lane = busy_app.extensions["fisoko.login_lane"]
    client = busy_app.test_client()
    held = lane.admit()
    for _ in range(5):
        assert AuthActions(client).login("edu770001", "wrong").status_code == 503
    held.close()
    response = AuthActions(client).login("edu770001", PASSWORDS["edu770001"])
    assert response.status_code == 302
    busy_app.extensions["fisoko.audit"].flush(everything=True)
    log = Path(busy_app.config["AUDIT_LOG"]).read_text(encoding="utf-8")
    # the first shed attempt in full, the other four summed up in one line (audit.py)
    assert log.count("login attempt login='edu770001' addr=127.0.0.1 result=shed") == 1
    assert log.count("login attempts summary addr=127.0.0.1 result=shed") == 1
    assert "more=4 logins='edu770001'" in log and log.count("result=ok") == 1


class Blocker:
    """A password check that holds its lane until released; records the order checks ran in."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.ran: list[str] = []

    def check(self, name: str) -> str:
        self.ran.append(name)
        self.release.wait(5)
        return name


def _login(lane: LoginLane, source: str, blocker: Blocker, answers: dict, name: str) -> None:
    from fisoko.login.lanes import Shed

    with lane.admit(source, name) as ticket:
        if ticket.retry_after:
            answers[name] = ("shed", ticket.retry_after)
            return
        try:
            answers[name] = ("ran", ticket.run(blocker.check, name))
        except Shed as shed:
            answers[name] = ("displaced", shed.retry_after)


def _until(condition) -> None:
    for _ in range(400):
        if condition():
            return
        threading.Event().wait(0.005)
    raise AssertionError("the lane did not reach the expected state")


def _start(lane, source, blocker, answers, name) -> threading.Thread:
    thread = threading.Thread(target=_login, args=(lane, source, blocker, answers, name))
    thread.start()
    return thread


def test_a_lone_heavy_client_on_an_idle_lane_is_admitted():
    clock = FakeClock()
    lane = LoginLane(lanes=1, max_wait=1.0, max_in_flight=2, clock=clock, rng=NO_SPREAD)
    for _ in range(1000):
        lane.charge("addr:10.0.0.1")
    with lane.admit("addr:10.0.0.1", "edu770001") as ticket:
        assert ticket.retry_after == 0
        assert ticket.run(lambda: "checked") == "checked"


def test_a_light_source_takes_the_place_of_a_flood_in_a_full_queue():
    clock = FakeClock()
    lane = LoginLane(lanes=1, max_wait=100, max_in_flight=2, clock=clock, rng=NO_SPREAD)
    blocker, answers = Blocker(), {}
    for _ in range(30):
        lane.charge("addr:flood")
    threads = [_start(lane, "addr:flood", blocker, answers, "flood-1")]
    _until(lambda: blocker.ran == ["flood-1"])
    threads.append(_start(lane, "addr:flood", blocker, answers, "flood-2"))
    _until(lambda: len(lane._waiting) == 1)
    # the queue is full: another flood login is shed, a user's login displaces the waiting flood
    _login(lane, "addr:flood", blocker, answers, "flood-3")
    assert answers["flood-3"][0] == "shed"
    lane.charge("addr:user")
    threads.append(_start(lane, "addr:user", blocker, answers, "user"))
    _until(lambda: "flood-2" in answers)
    assert answers["flood-2"][0] == "displaced" and 1 <= answers["flood-2"][1] <= 60
    blocker.release.set()
    for thread in threads:
        thread.join(5)
    assert answers["user"] == ("ran", "user")
    assert blocker.ran == ["flood-1", "user"]
    assert lane.in_flight == 0 and lane.running == 0


def test_waiting_logins_are_served_lightest_source_first():
    clock = FakeClock()
    lane = LoginLane(lanes=1, max_wait=100, max_in_flight=10, clock=clock, rng=NO_SPREAD)
    blocker, answers = Blocker(), {}
    for _ in range(20):
        lane.charge("addr:flood")
    for _ in range(3):
        lane.charge("addr:school")
    lane.charge("addr:user")
    threads = [_start(lane, "addr:flood", blocker, answers, "first")]
    _until(lambda: blocker.ran == ["first"])
    for name, source in (("flood", "addr:flood"), ("school", "addr:school"), ("user", "addr:user")):
        threads.append(_start(lane, source, blocker, answers, name))
        _until(lambda name=name: any(t.account == name for t in lane._waiting))
    blocker.release.set()
    for thread in threads:
        thread.join(5)
    assert blocker.ran == ["first", "user", "school", "flood"]


def test_a_login_waiting_past_the_promise_goes_first_and_is_never_displaced():
    """Lightest-first must not starve a heavy source's login past `max_wait` (the storm's 10 s)."""
    clock = FakeClock()
    lane = LoginLane(
        lanes=1, max_wait=1.0, max_in_flight=3, check_seconds=0.01, clock=clock, rng=NO_SPREAD
    )
    blocker, answers = Blocker(), {}
    for _ in range(30):
        lane.charge("addr:heavy")
    lane.charge("addr:user")
    threads = [_start(lane, "addr:heavy", blocker, answers, "first")]
    _until(lambda: blocker.ran == ["first"])
    threads.append(_start(lane, "addr:heavy", blocker, answers, "old"))
    _until(lambda: len(lane._waiting) == 1)
    threads.append(_start(lane, "addr:user", blocker, answers, "user"))
    _until(lambda: len(lane._waiting) == 2)
    clock.now += 0.6  # both have waited past half of max_wait: overdue, served oldest first
    lane.charge("addr:light")
    _login(lane, "addr:light", blocker, answers, "light")  # the queue is full
    assert answers["light"][0] == "shed"  # an overdue login is not displaced
    blocker.release.set()
    for thread in threads:
        thread.join(5)
    assert blocker.ran == ["first", "old", "user"]
    assert answers["old"] == ("ran", "old") and answers["user"] == ("ran", "user")


def test_an_accounts_successes_weigh_like_a_sources_attempts():
    lane = LoginLane(lanes=1, max_wait=1.0, max_in_flight=2, clock=FakeClock())
    lane.charge("addr:10.0.0.5")
    light = lane.admit("addr:10.0.0.5", "edu770001")
    before = lane.weight(light)
    for _ in range(10):
        lane.succeeded("edu770001")
    assert before == 1 and lane.weight(light) == 10
    light.close()


def test_a_trusted_device_passes_an_equally_heavy_stranger():
    clock = FakeClock()
    lane = LoginLane(lanes=1, max_wait=100, max_in_flight=2, clock=clock, rng=NO_SPREAD)
    blocker, answers = Blocker(), {}
    threads = [_start(lane, "addr:a", blocker, answers, "a")]
    _until(lambda: blocker.ran == ["a"])
    threads.append(_start(lane, "addr:b", blocker, answers, "b"))
    _until(lambda: len(lane._waiting) == 1)
    with lane.admit("device:x", "c", trusted=True) as ticket:
        assert ticket.retry_after == 0
    _until(lambda: "b" in answers)
    assert answers["b"][0] == "displaced"
    blocker.release.set()
    for thread in threads:
        thread.join(5)
