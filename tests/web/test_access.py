"""Pages for one role: the other role gets 404, the same answer as for a URL that does not exist."""

from __future__ import annotations

import pytest
from werkzeug.exceptions import NotFound

from fisoko.web.access import account_with_role


@pytest.mark.parametrize(
    "login, role, allowed",
    [
        ("edu770001", "school", True),
        ("edu770001", "coordinator", False),
        ("niko__77", "coordinator", True),
        ("niko__77", "school", False),
    ],
)
def test_only_the_named_role_gets_its_account(app, login_as, login, role, allowed):
    client = login_as(login)
    with client:
        client.get("/cabinet")
        if allowed:
            assert account_with_role(role).login == login
        else:
            with pytest.raises(NotFound):
                account_with_role(role)
