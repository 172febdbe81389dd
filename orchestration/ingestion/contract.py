"""The file contract: which columns each raw entity has, their types and natural keys.

``docs/data-contract.md`` is the human version of this module; the DDL in
``orchestration/sql/raw_schema.sql`` is the table version. The three must agree, and
``tests/orchestration/ingestion/test_contract.py`` checks this module against the DDL.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ColumnType = Literal["string", "date", "number", "boolean"]


@dataclass(frozen=True)
class Column:
    """One contract column.

    Attributes:
        name: the column name in the file and in ``raw.<entity>``.
        type: how the text is parsed; numbers must be finite and not negative.
        required: a file without it is rejected, a row with it blank is quarantined.
        default: value used when the column is absent or blank (only for optional columns).
    """

    name: str
    type: ColumnType = "string"
    required: bool = False
    default: object | None = None


@dataclass(frozen=True)
class EntityContract:
    """The contract of one raw entity."""

    entity: str
    columns: tuple[Column, ...]
    keys: tuple[str, ...]
    optional_file: bool
    missing_file_note: str

    @property
    def names(self) -> list[str]:
        """Contract column names, in table order."""
        return [c.name for c in self.columns]

    @property
    def required(self) -> list[str]:
        """Columns a file must have."""
        return [c.name for c in self.columns if c.required]

    @property
    def value_columns(self) -> list[str]:
        """Non-key columns: what decides whether two rows with one key agree."""
        return [c.name for c in self.columns if c.name not in self.keys]

    def column(self, name: str) -> Column:
        """The column called ``name``."""
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(f"{self.entity} has no contract column {name!r}")


CONTRACTS: dict[str, EntityContract] = {
    "products": EntityContract(
        entity="products",
        columns=(
            Column("sku", required=True),
            Column("name"),
            Column("category"),
            Column("supplier_id"),
            Column("unit_cost", "number"),
            Column("unit_price", "number"),
            Column("pack_size", "number"),
            Column("shelf_life_days", "number"),
        ),
        keys=("sku",),
        optional_file=True,
        missing_file_note=(
            "no products file: every SKU seen in sales gets category, pack size and supplier "
            "from the defaults in stockcast.yaml, and unknown-SKU checks are off"
        ),
    ),
    "suppliers": EntityContract(
        entity="suppliers",
        columns=(
            Column("supplier_id", required=True),
            Column("name"),
            Column("lead_time_days", "number"),
            Column("min_order_qty", "number"),
            Column("lead_time_std_days", "number"),
            Column("order_cost", "number"),
        ),
        keys=("supplier_id",),
        optional_file=True,
        missing_file_note=(
            "no suppliers file: lead time, its spread, minimum order quantity and order cost "
            "come from the defaults in stockcast.yaml"
        ),
    ),
    "sales": EntityContract(
        entity="sales",
        columns=(
            Column("date", "date", required=True),
            Column("sku", required=True),
            Column("location", default=""),
            Column("quantity", "number", required=True),
            Column("unit_price", "number"),
            Column("discount", "number"),
            Column("promo", "boolean"),
        ),
        keys=("date", "sku", "location"),
        optional_file=False,
        missing_file_note="no sales file: nothing to forecast until one arrives",
    ),
    "inventory": EntityContract(
        entity="inventory",
        columns=(
            Column("date", "date", required=True),
            Column("sku", required=True),
            Column("on_hand", "number", required=True),
            Column("on_order", "number", default=0.0),
            Column("in_transit", "number"),
            Column("backordered_qty", "number"),
        ),
        keys=("date", "sku"),
        optional_file=True,
        missing_file_note=(
            "no inventory file: stock positions are unknown, so reorder recommendations "
            "assume zero on hand and stockout flags come from sales alone"
        ),
    ),
    "purchase_orders": EntityContract(
        entity="purchase_orders",
        columns=(
            Column("po_id", required=True),
            Column("sku", required=True),
            Column("supplier_id"),
            Column("order_date", "date", required=True),
            Column("quantity", "number", required=True),
            Column("expected_date", "date"),
            Column("received_date", "date"),
            Column("received_quantity", "number"),
        ),
        keys=("po_id", "sku"),
        optional_file=True,
        missing_file_note=(
            "no purchase_orders file: nothing is on order and lead times are not measured, "
            "so the supplier (or default) lead time applies"
        ),
    ),
}
"""Every raw entity's contract, in load order."""


def contract_for(entity: str) -> EntityContract:
    """The contract of ``entity`` (a clear error for a typo)."""
    try:
        return CONTRACTS[entity]
    except KeyError:
        raise KeyError(f"unknown entity {entity!r}; expected one of {list(CONTRACTS)}") from None
