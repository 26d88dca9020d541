"""Versioned templates (accreditation templates, surveys): editing one that is in
use makes a new version in the same family, named by the first version's id."""

from __future__ import annotations

from sqlalchemy import event, update
from sqlalchemy.orm import attributes


def versioned(model):
    """Class decorator: a row made from scratch (no family_id) is the first
    version of its own family."""

    @event.listens_for(model, "after_insert")
    def _first_version_starts_a_family(mapper, connection, row):
        if row.family_id is None:
            table = model.__table__
            connection.execute(update(table).where(table.c.id == row.id).values(family_id=row.id))
            attributes.set_committed_value(row, "family_id", row.id)

    return model
