"""Partnership agreements, memorandums of understanding and renewal letters."""

from __future__ import annotations

from datetime import date, timedelta

from flask_babel import gettext
from werkzeug.datastructures import FileStorage

from portal.core import audit
from portal.core.clock import local_today
from portal.core.errors import DomainError
from portal.core.extensions import db
from portal.core.uploads import accepted_file
from portal.models import Partner, PartnerDocument, User
from portal.partners.models import DOCUMENT_KINDS

EXPIRY_WARNING_DAYS = 60


def expiring_soon(document: PartnerDocument, today: date | None = None) -> bool:
    """Valid today but not for another 60 days: time to renew."""
    today = today or local_today()
    until = document.valid_until
    return until is not None and today <= until <= today + timedelta(EXPIRY_WARNING_DAYS)


def expired(document: PartnerDocument, today: date | None = None) -> bool:
    until = document.valid_until
    return until is not None and until < (today or local_today())


def add_document(
    actor: User,
    partner: Partner,
    *,
    kind: str,
    reference: str,
    valid_from: date,
    valid_until: date | None,
    upload: FileStorage | None,
) -> PartnerDocument:
    if kind not in DOCUMENT_KINDS:
        raise DomainError(gettext("Choose the kind of document."), field="kind")
    if not (reference or "").strip():
        raise DomainError(gettext("Enter the document's reference number."), field="reference")
    if valid_until and valid_until < valid_from:
        raise DomainError(gettext("The end of validity is before its start."), field="valid_until")
    with accepted_file(upload) as accepted:
        document = PartnerDocument(
            partner_id=partner.id,
            kind=kind,
            reference=reference.strip(),
            valid_from=valid_from,
            valid_until=valid_until,
            **accepted.columns,
            uploaded_by_id=actor.id,
        )
        db.session.add(document)
        db.session.flush()
        audit.record(
            actor,
            "agreement_added",
            document,
            partner_id=partner.id,
            changes=audit.created(
                document, ["kind", "reference", "valid_from", "valid_until", "filename", "sha256"]
            ),
        )
        db.session.commit()
    return document
