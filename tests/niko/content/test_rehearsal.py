"""The rehearsal's banner on every page and wiping its state with `rehearsal clear`."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from fisoko.db import database_path


def test_a_rehearsal_shows_its_banner_with_the_date(app, client, login_as):
    app.config["TODAY"] = dt.date(2027, 3, 17)
    for page in (client.get("/login"), login_as("edu770001").get("/cabinet/niko")):
        text = page.get_data(as_text=True)
        assert "Репетиция" in text and "17.03.2027" in text


def test_real_work_shows_no_banner(client):
    assert "Репетиция" not in client.get("/login").get_data(as_text=True)


def test_clear_removes_only_the_rehearsals_state(app, runner, login_as):
    real = Path(database_path(app))
    app.config["TODAY"] = dt.date(2027, 3, 17)
    login_as("edu770001").get("/cabinet/niko")
    rehearsal = Path(database_path(app))
    assert rehearsal.exists()
    result = runner.invoke(args=["rehearsal", "clear"])
    assert result.exit_code == 0 and "Данные репетиции удалены" in result.output
    assert not rehearsal.parent.exists() and real.exists()
    again = runner.invoke(args=["rehearsal", "clear"])
    assert again.exit_code == 0 and "Данных репетиции нет" in again.output
