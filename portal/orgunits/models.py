"""Organisation units (country, province, district, sector, facility, to any
depth) and organisation-unit groups, as a DHIS2 instance or a CSV file gives them."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Column, Date, ForeignKey, Integer, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.extensions import db

group_members = Table(
    "org_unit_group_members",
    db.metadata,
    Column("group_id", ForeignKey("org_unit_groups.id"), primary_key=True),
    Column("org_unit_id", ForeignKey("org_units.id"), primary_key=True, index=True),
)


class OrgUnit(db.Model):
    __tablename__ = "org_units"

    # The source's identifier (a DHIS2 uid, or the CSV's id), kept so re-imports update.
    id: Mapped[str] = mapped_column(String(50), primary_key=True)
    name: Mapped[str] = mapped_column(String(230))
    code: Mapped[str | None] = mapped_column(String(50))
    parent_id: Mapped[str | None] = mapped_column(ForeignKey("org_units.id"), index=True)
    level: Mapped[int] = mapped_column(Integer, index=True)
    # "/root/child/.../self": ancestors and descendants are prefix matches.
    path: Mapped[str] = mapped_column(String(1200), index=True)
    # Lower-cased, accent-free name for type-to-filter.
    search_key: Mapped[str] = mapped_column(String(230), index=True)
    # DHIS2's closedDate: a closed facility stays in the hierarchy (history, old
    # coverage) but is not offered for new coverage.
    closed_on: Mapped[date | None] = mapped_column(Date)

    parent = relationship("OrgUnit", remote_side=[id])
    groups = relationship("OrgUnitGroup", secondary=group_members, back_populates="members")

    @property
    def ancestor_ids(self) -> list[str]:
        return self.path.strip("/").split("/")[:-1]

    def __repr__(self) -> str:
        return f"<OrgUnit {self.id} {self.name}>"


class OrgUnitLevel(db.Model):
    """A level of the hierarchy as DHIS2 names it ("National", "Province",
    "District", ...): where the file has the names, the district level is read
    from them (orgunits.units.district_level) rather than from one setting."""

    __tablename__ = "org_unit_levels"

    level: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(230))


class OrgUnitGroup(db.Model):
    __tablename__ = "org_unit_groups"

    id: Mapped[str] = mapped_column(String(50), primary_key=True)
    name: Mapped[str] = mapped_column(String(230))
    code: Mapped[str | None] = mapped_column(String(50))

    members = relationship("OrgUnit", secondary=group_members, back_populates="groups")
