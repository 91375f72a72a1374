"""Tables for initiatives (local 11-groepen, 4de Pijlerinitiatieven, member organisations).

Schema choice, and why:

* Single-valued attributes that are filtered on (``type``, ``refnis``, ``province``, ``active``) are plain
  indexed columns. ``province`` is stored (derived from the REFNIS code on write) instead of matched by REFNIS
  prefix, because provinces do not map onto one prefix (Vlaams-Brabant is 23 and 24, Brussels 21).
* Multi-valued attributes (postcodes served, themes, partner countries) are association tables with one row
  per value (columns ``initiative_id``, ``value``), a composite primary key and a covering index
  (value, initiative_id). That gives indexed look-ups
  ("all initiatives about climate") on SQLite and PostgreSQL alike, without PostgreSQL-only array/JSON
  operators.
* ``active`` is the second column of the filter indexes, not the first: nearly every record is active, so it
  would not narrow anything. On SQLite the tables are WITHOUT ROWID (keyed by the text id directly).

Vocabularies (types, themes, provinces, countries) are in :mod:`horizon.initiatives.vocabulary`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, List, Optional, Tuple

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    func,
)
from sqlalchemy.orm import declared_attr, relationship

from horizon.db import Base


class Initiative(Base):
    """One initiative; ``id`` is the organisation's own identifier so that imports can upsert by it."""

    __tablename__ = "initiatives"

    id = Column(String(64), primary_key=True)
    name = Column(String(200), nullable=False)
    type = Column(String(32), nullable=False)
    refnis = Column(String(5), nullable=False)
    province = Column(String(3), nullable=False)
    description = Column(Text, nullable=False, default="")
    email = Column(String(254))
    website = Column(String(500))
    may_show_contact = Column(Boolean, nullable=False, default=False)
    active = Column(Boolean, nullable=False, default=True)
    source = Column(String(100), nullable=False)
    last_verified = Column(Date)
    updated_at = Column(DateTime, nullable=False, default=func.now(), onupdate=func.now())

    postcode_rows: List[InitiativePostcode] = relationship(
        "InitiativePostcode", cascade="all, delete-orphan", lazy="selectin", order_by="InitiativePostcode.value"
    )
    theme_rows: List[InitiativeTheme] = relationship(
        "InitiativeTheme", cascade="all, delete-orphan", lazy="selectin", order_by="InitiativeTheme.value"
    )
    country_rows: List[InitiativeCountry] = relationship(
        "InitiativeCountry", cascade="all, delete-orphan", lazy="selectin", order_by="InitiativeCountry.value"
    )

    __table_args__ = (
        Index("ix_initiatives_refnis_active", "refnis", "active"),
        Index("ix_initiatives_province_active", "province", "active"),
        Index("ix_initiatives_type_active", "type", "active"),
        Index("ix_initiatives_source", "source"),
        {"sqlite_with_rowid": False},  # look-ups by the text id are one b-tree search
    )

    @property
    def postcodes(self) -> List[str]:
        return [row.value for row in self.postcode_rows]

    @property
    def themes(self) -> List[str]:
        return [row.value for row in self.theme_rows]

    @property
    def countries(self) -> List[str]:
        return [row.value for row in self.country_rows]

    def set_values(self, postcodes: List[str], themes: List[str], countries: List[str]) -> None:
        """Replace the multi-valued attributes (the association rows follow)."""
        self.postcode_rows = [InitiativePostcode(value=v) for v in postcodes]
        self.theme_rows = [InitiativeTheme(value=v) for v in themes]
        self.country_rows = [InitiativeCountry(value=v) for v in countries]


class _InitiativeValue:
    """One value of a multi-valued attribute: keyed by (initiative_id, value), indexed by (value, initiative_id)
    so that "which initiatives have this value" is answered from the index alone."""

    __tablename__: str
    __table__: ClassVar[Table]  # set by the declarative base on each subclass
    value = Column(String(32), nullable=False)

    @declared_attr
    def initiative_id(cls) -> Column:  # noqa: N805 (SQLAlchemy's declared_attr takes the class)
        return Column(String(64), ForeignKey("initiatives.id", ondelete="CASCADE"), nullable=False)

    @declared_attr
    def __table_args__(cls) -> tuple:  # noqa: N805
        return (
            PrimaryKeyConstraint("initiative_id", "value"),
            Index(f"ix_{cls.__tablename__}_value", "value", "initiative_id"),
            {"sqlite_with_rowid": False},
        )


class InitiativePostcode(_InitiativeValue, Base):
    """A postcode an initiative serves (often more than its municipality's main postcode)."""

    __tablename__ = "initiative_postcodes"


class InitiativeTheme(_InitiativeValue, Base):
    """A theme an initiative works on (a code of :data:`THEMES`)."""

    __tablename__ = "initiative_themes"


class InitiativeCountry(_InitiativeValue, Base):
    """A partner country of an initiative (ISO 3166-1 alpha-2)."""

    __tablename__ = "initiative_countries"


#: The multi-valued attributes by name, as :class:`InitiativeData` and the CSV format call them.
MULTI_VALUED = {"postcodes": InitiativePostcode, "themes": InitiativeTheme, "countries": InitiativeCountry}


@dataclass(frozen=True)
class InitiativeData:
    """The attributes every representation of an initiative shares (the import record, the answer view)."""

    id: str
    name: str
    type: str
    refnis: str
    postcodes: Tuple[str, ...]
    themes: Tuple[str, ...]
    countries: Tuple[str, ...]
    description: str
    email: Optional[str]
    website: Optional[str]
