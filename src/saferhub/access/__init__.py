"""Access control and audit: what each reader may see of partner records, and the log of it.

Every service that returns people, events or intelligence takes the acting ``Reader``,
passes its records through this door and writes an audit entry; a template or route can
only show what came back.

Door:
- ``Reader(agency, role, user)``; ``ROLES``; ``Level``.
- ``load_agreement(path=None)``, ``agreement_for(settings)`` -> ``SharingAgreement``
  (``decide``, ``matrix``, ``describe``); ``AgreementError``.
- ``restrict(frame, reader=, agreement=, feed=None)``: rows dropped, fields emptied,
  ``redacted`` added. ``visible_events(reader, agreement=)``: the SQL side of it.
- ``intelligence_for(frame, reader=, agreement=)``: content or a notice per report;
  ``read_conditions`` reads handling code C conditions; ``intelligence_report`` reads,
  restricts and logs a period's intelligence.
- ``disclose(frame, engine=, reader=, agreement=, where_from=, purpose=)``: restrict and log.
- ``record(conn, reader=, action=, what=, where_from=, why=None)``, ``verify(engine)``,
  ``recent(engine, last=)``, ``origin()``: the audit log.
"""

from __future__ import annotations

from saferhub.access.agreement import (
    AgreementError,
    Decision,
    SharingAgreement,
    agreement_for,
    load_agreement,
)
from saferhub.access.audit import (
    ACTIONS,
    AuditCheck,
    AuditError,
    AuditRecord,
    check_what,
    origin,
    recent,
    record,
    verify,
)
from saferhub.access.conditions import HandlingConditions, read_conditions
from saferhub.access.disclosure import audit_what, disclose
from saferhub.access.intelligence import intelligence_for, intelligence_report, read_intelligence
from saferhub.access.readers import ROLES, Level, Reader
from saferhub.access.redaction import restrict, visible_events

__all__ = [
    "ACTIONS",
    "ROLES",
    "AgreementError",
    "AuditCheck",
    "AuditError",
    "AuditRecord",
    "Decision",
    "HandlingConditions",
    "Level",
    "Reader",
    "SharingAgreement",
    "agreement_for",
    "audit_what",
    "check_what",
    "disclose",
    "intelligence_for",
    "intelligence_report",
    "load_agreement",
    "origin",
    "read_conditions",
    "read_intelligence",
    "recent",
    "record",
    "restrict",
    "verify",
    "visible_events",
]
