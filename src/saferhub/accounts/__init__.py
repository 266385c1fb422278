"""Hub staff accounts: users, passwords (Argon2), web sessions, API tokens and sign-in limits.

Door:
- ``create_user``, ``get_user``, ``list_users``, ``update_user``, ``set_password``,
  ``reader_for`` (the ``saferhub.access.Reader`` a user acts as).
- ``authenticate`` (rate-limited sign-in) -> ``SignInResult``; ``SignInRefused``.
- ``start_session``, ``session_user``, ``end_session``.
- ``issue_token``, ``token_user``, ``revoke_token``.
"""

from __future__ import annotations

from saferhub.accounts.service import (
    AccountError,
    SignInRefused,
    SignInResult,
    UserView,
    authenticate,
    create_user,
    end_session,
    get_user,
    issue_token,
    list_users,
    reader_for,
    revoke_token,
    session_user,
    set_password,
    start_session,
    token_user,
    update_user,
)

__all__ = [
    "AccountError",
    "SignInRefused",
    "SignInResult",
    "UserView",
    "authenticate",
    "create_user",
    "end_session",
    "get_user",
    "issue_token",
    "list_users",
    "reader_for",
    "revoke_token",
    "session_user",
    "set_password",
    "start_session",
    "token_user",
    "update_user",
]
