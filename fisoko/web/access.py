"""Pages that exist for one role only: any other logged-in account gets 404, as for a wrong URL."""

from __future__ import annotations

from flask import abort
from flask_login import current_user

from fisoko.accounts.store import Account


def account_with_role(role: str) -> Account:
    """The logged-in account when it has `role`; otherwise the request ends with 404."""
    account: Account = current_user.account
    if account.role != role:
        abort(404)
    return account
