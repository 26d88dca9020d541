"""The demo's data sets (imported with the sample org units) and who reports
or is paid on which: HAI reports community health and is paid on PBF invoices;
NDST reports facility quality (an older child-health assignment ended); MCTA
reports reproductive health nationwide."""

from __future__ import annotations

from datetime import date, timedelta

from portal.assignments.models import DataSet, DataSetAssignment
from portal.core import audit
from portal.core.extensions import db
from portal.models import Partner, User

# (partner acronym, data set code, purpose, started days ago, ended days ago or None)
ASSIGNMENTS = [
    ("HAI", "DS_CHW", "reports", 365, None),
    ("HAI", "DS_PBF", "paid_on", 365, None),
    ("NDST", "DS_FQA", "both", 300, None),
    ("NDST", "DS_CH", "reports", 700, 200),
    ("MCTA", "DS_RH", "reports", 365, None),
]


def load_assignments(admin: User, partners: list[Partner], today: date) -> None:
    by_acronym = {p.acronym: p for p in partners}
    by_code = {d.code: d for d in db.session.scalars(db.select(DataSet))}
    for acronym, code, purpose, started, ended in ASSIGNMENTS:
        partner, data_set = by_acronym.get(acronym), by_code.get(code)
        if partner is None or data_set is None:
            continue  # a sample file without that data set: leave it out
        assignment = DataSetAssignment(
            partner_id=partner.id,
            data_set=data_set,
            purpose=purpose,
            starts_on=today - timedelta(days=started),
            ends_on=today - timedelta(days=ended) if ended is not None else None,
            created_by_id=admin.id,
        )
        db.session.add(assignment)
        db.session.flush()
        audit.record(
            admin,
            "data_set_assigned",
            assignment,
            partner_id=partner.id,
            changes={"data_set": (None, data_set.name)}
            | audit.created(assignment, ["purpose", "starts_on", "ends_on"]),
        )
    db.session.commit()
