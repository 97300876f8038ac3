"""Many rows into one table in one statement, on the caller's connection (its transaction).

PostgreSQL: `COPY ... FROM STDIN` through psycopg, one stream per table per batch, the server parsing
rows while the client still sends them (a multi-row INSERT or an executemany costs a bind and an
execute per row). SQLite, the embedded default: one executemany.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Connection, Table, any_, bindparam, insert
from sqlalchemy.dialects.postgresql import ARRAY


def write_rows(conn: Connection, table: Table, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Insert `rows` (tuples in `columns` order); returns how many. All or nothing with the transaction."""
    unknown = [column for column in columns if column not in table.c]
    if unknown:  # the names go into the statement's text: only the table's own columns
        raise ValueError(f"{table.name} has no column(s) {', '.join(unknown)}")
    if isinstance(rows, Sequence) and not rows:
        return 0
    if conn.dialect.name != "postgresql":
        batch = [dict(zip(columns, row, strict=True)) for row in rows]
        if batch:
            conn.execute(insert(table), batch)
        return len(batch)
    names = ", ".join(f'"{column}"' for column in columns)
    count = 0
    driver = conn.connection.driver_connection
    assert driver is not None
    with driver.cursor() as cursor, cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


def among(conn: Connection, column: ColumnElement[Any], values: Sequence[Any]) -> ColumnElement[bool]:
    """`column IN values`; on PostgreSQL as `= ANY(array)`, one parameter: the statement's text stays the same
    whatever the count, so neither SQLAlchemy nor psycopg re-parses a statement of hundreds of placeholders."""
    if conn.dialect.name == "postgresql":
        return column == any_(bindparam(None, list(values), type_=ARRAY(column.type)))
    return column.in_(values)
