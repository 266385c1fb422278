"""Hub administration as services for the web and API: staff accounts, partner file imports
and the audit log viewer, each checking the acting reader's role and writing the audit log.

Door:
- ``accounts``: ``staff``, ``add_staff``, ``change_staff``, ``reset_password``, ``api_tokens``,
  ``make_api_token``, ``revoke_api_token`` (hub admins only).
- ``imports``: ``import_upload``, ``past_imports``, ``import_run``, ``import_details`` (hub admins
  and analysts; quarantined values only to the file's own agency).
- ``audit_log``: ``audit_entries``, ``check_chain`` (auditors and hub admins).

Errors: ``AdminDenied`` (the role may not do this: 403) and ``saferhub.accounts.AccountError``.
"""

from __future__ import annotations


class AdminDenied(PermissionError):
    """The reader's role may not use this part of the hub's administration (a web 403)."""


__all__ = ["AdminDenied"]
