"""What the partner list searches: each partner's name and acronym, its current
contacts' names and emails, and the names of the districts it covers, folded
into one column, so a search is one scan of one table (measured in
bench/partners.py). Services that change any of these call `refresh`."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import bindparam, or_, select, update

from portal.core.clock import local_today
from portal.core.extensions import db
from portal.core.text import fold, squash
from portal.models import Contact, Coverage, OrgUnit, Partner


def key(name: str, acronym: str | None) -> str:
    """The sort and duplicate key: folded name, then the acronym without its dots
    or spaces ("H.A.I." and "HAI" are the same acronym)."""
    return f"{fold(name)} {squash(acronym)}".strip()


def refresh(partner_ids: Iterable[int] | None = None) -> None:
    """Recompute `search_text` of these partners (all when None) in four queries.
    Callers commit."""
    ids = None if partner_ids is None else sorted(set(partner_ids))
    if ids == []:
        return
    db.session.flush()

    def only(query, column):
        return query if ids is None else query.where(column.in_(ids))

    words: dict[int, list[str]] = defaultdict(list)
    for pid, key in db.session.execute(only(select(Partner.id, Partner.search_key), Partner.id)):
        words[pid].append(key)
    contacts = select(Contact.partner_id, Contact.name, Contact.email).where(
        Contact.ended_at.is_(None)
    )
    for pid, name, email in db.session.execute(only(contacts, Contact.partner_id)):
        words[pid] += [fold(name), fold(email)]
    districts = (
        select(Coverage.partner_id, OrgUnit.name)
        .join(OrgUnit, OrgUnit.id == Coverage.district_id)
        .where(or_(Coverage.ends_on.is_(None), Coverage.ends_on >= local_today()))
        .distinct()
    )
    for pid, name in db.session.execute(only(districts, Coverage.partner_id)):
        words[pid].append(fold(name))
    table = Partner.__table__
    rows = [{"key": pid, "text": " ".join(w for w in parts if w)} for pid, parts in words.items()]
    if rows:
        # Core, not the ORM: the version counter of a partner must not move for this.
        # Its updated_at does (onupdate): callers refresh after changing its coverage
        # or types, which the API serves with the partner (portal/api/resources.py).
        db.session.execute(
            update(table)
            .where(table.c.id == bindparam("key"))
            .values(search_text=bindparam("text")),
            rows,
        )
