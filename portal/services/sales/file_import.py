"""Import sales from a CSV file exported by a shop, CRM or spreadsheet.

The file is read as a stream and stored in batches: each batch is validated row by row,
checked against the database with one query per table, inserted with one executemany per
table and committed. A bad row is reported (line number, every problem, how to fix it) and
never sinks the good ones; an interrupted import keeps the batches it committed, and running
it again is safe because order refs already stored are skipped as duplicates.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import shutil
import sys
import tempfile
from collections.abc import Callable
from contextlib import ExitStack, nullcontext
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO, TextIO

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from portal.extensions import db
from portal.models import Customer, Sale, User, utcnow
from portal.services.addresses import normalise_email
from portal.services.sales.csv_format import (
    ImportFormatError,
    RejectedRow,
    SaleRow,
    SalesCsv,
    StaffMember,
    column_name,
)
from portal.services.staff.solo import is_solo_install

__all__ = ["ImportFormatError", "ImportResult", "Problem", "import_sales", "import_sales_file"]

BATCH_SIZE = 2000


@dataclass(frozen=True, slots=True)
class Problem:
    line: int  # physical line in the file; the header is line 1
    message: str


@dataclass
class ImportResult:
    imported: int = 0
    duplicates: int = 0
    rejected: int = 0
    customers_created: int = 0
    problems: list[Problem] = field(default_factory=list)
    errors_path: str | None = None

    def summary(self) -> str:
        parts = [f"{_count(self.imported, 'sale')} imported"]
        if self.duplicates:
            parts.append(f"{_count(self.duplicates, 'duplicate order ref')} skipped")
        if self.rejected:
            parts.append(f"{_count(self.rejected, 'row')} rejected (see above)")
        text = ", ".join(parts) + f"; {_count(self.customers_created, 'new customer')}."
        if self.rejected and self.errors_path:
            text += f"\nRejected rows written to {self.errors_path}: fix them there and import it."
        return text


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


# --- storing ------------------------------------------------------------------------------


def load_staff() -> dict[str, StaffMember]:
    """Every staff user by email: the table is small, one query answers every row."""
    rows = db.session.execute(sa.select(User.email, User.id, User.role, User.active))
    # A seller on their own (services/staff/solo.py) is an admin who sells.
    seller = is_solo_install()
    return {
        normalise_email(email): StaffMember(
            id_, "rep" if seller and active and role == "admin" else role, active
        )
        for email, id_, role, active in rows
    }


def import_sales(
    stream: TextIO,
    errors_out: TextIO | None = None,
    after_batch: Callable[[], None] | None = None,
    batch_size: int = BATCH_SIZE,
) -> ImportResult:
    """Import the sales CSV in a text stream (see `import_sales_file` for a file)."""
    return import_rows(SalesCsv(stream), errors_out, after_batch, batch_size)


def import_rows(
    sales_csv: SalesCsv,
    errors_out: TextIO | None = None,
    after_batch: Callable[[], None] | None = None,
    batch_size: int = BATCH_SIZE,
) -> ImportResult:
    """Store the good rows of an opened SalesCsv batch by batch, committing each batch.

    Rejected rows go to `result.problems` and, when given, to `errors_out` as CSV with the
    file's own columns plus an "error" column, ready to be fixed and imported again.
    """
    result = ImportResult()
    now = utcnow()
    errors = _ErrorsWriter(sales_csv, errors_out) if errors_out is not None else None
    batch: list[SaleRow] = []
    rows_in_batch = 0
    for row in sales_csv.rows(load_staff(), now):
        rows_in_batch += 1
        if isinstance(row, SaleRow):
            batch.append(row)
        else:
            result.rejected += 1
            result.problems.extend(Problem(row.line, message) for message in row.problems)
            if errors is not None:
                errors.write(row)
        if rows_in_batch >= batch_size:
            _store_batch(batch, result, now)
            batch, rows_in_batch = [], 0
            if after_batch is not None:
                after_batch()
    _store_batch(batch, result, now)
    if after_batch is not None:
        after_batch()
    return result


def _store_batch(batch: list[SaleRow], result: ImportResult, now: datetime) -> None:
    """Insert one batch and commit it. If another import stored one of its order refs or
    customers in the meantime (a unique violation), the batch is checked again and retried."""
    if not batch:
        return
    created, customers_created = store_sales(batch, now)
    result.imported += len(created)
    result.duplicates += len(batch) - len(created)
    result.customers_created += customers_created


def store_sales(batch: list[SaleRow], now: datetime) -> tuple[set[str], int]:
    """Store checked sales and commit: returns the order refs stored now (the others were
    already there) and how many customers were created."""
    for attempt in range(3):
        try:
            created, customers_created = _insert_batch(batch, now)
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            if attempt == 2:
                raise
        else:
            return created, customers_created
    raise AssertionError("unreachable")


def _insert_batch(batch: list[SaleRow], now: datetime) -> tuple[set[str], int]:
    first_of_ref: dict[str, SaleRow] = {}
    for row in batch:
        first_of_ref.setdefault(row.order_ref, row)
    stored_refs = set(
        db.session.scalars(sa.select(Sale.order_ref).where(Sale.order_ref.in_(list(first_of_ref))))
    )
    new_sales = [row for ref, row in first_of_ref.items() if ref not in stored_refs]

    emails = list({row.customer_email for row in new_sales})
    customer_ids = dict(
        db.session.execute(
            sa.select(Customer.email, Customer.id).where(Customer.email.in_(emails))
        ).all()
    )
    new_customers: dict[str, dict] = {}
    for row in new_sales:
        if row.customer_email not in customer_ids and row.customer_email not in new_customers:
            new_customers[row.customer_email] = {
                "email": row.customer_email,
                "name": row.customer_name,
                "locale": row.customer_locale,
                "created_at": now,
            }
    if new_customers:
        customers = Customer.__table__
        created = db.session.execute(
            sa.insert(customers).returning(customers.c.email, customers.c.id),
            list(new_customers.values()),
        )
        customer_ids.update(created.all())
    if new_sales:
        db.session.execute(
            sa.insert(Sale.__table__),
            [
                {
                    "order_ref": row.order_ref,
                    "customer_id": customer_ids[row.customer_email],
                    "rep_id": row.rep_id,
                    "amount": row.amount,
                    "currency": row.currency,
                    "product": row.product,
                    "sold_at": row.sold_at,
                    "created_at": now,
                }
                for row in new_sales
            ],
        )
    return {row.order_ref for row in new_sales}, len(new_customers)


class _ErrorsWriter:
    """The rejected rows as CSV: the file's header and values, plus an "error" column (reused
    when the file already has one, as a fixed errors file imported again does)."""

    def __init__(self, sales_csv: SalesCsv, out: TextIO) -> None:
        self.out = out
        self.width = len(sales_csv.header)
        header = list(sales_csv.header)
        names = [column_name(h) for h in header]
        if "error" in names:
            self.error_index = names.index("error")
        else:
            self.error_index = len(header)
            header.append("error")
        self.writer = csv.writer(out, delimiter=sales_csv.delimiter)
        self.writer.writerow(header)

    def write(self, row: RejectedRow) -> None:
        values = list(row.values) + [""] * (self.width - len(row.values))
        message = "; ".join(row.problems)
        if self.error_index < self.width:
            values[self.error_index] = message
        else:
            values.append(message)
        self.writer.writerow(values)


# --- files --------------------------------------------------------------------------------


def import_sales_file(path, progress=None, errors_path=None) -> ImportResult:
    """Import a sales CSV file ("-" reads standard input).

    The whole file is checked to be UTF-8 text before anything is stored, so an encoding
    problem refuses the file instead of stopping half-way. `progress(total_bytes)`, when
    given, returns a context manager whose `update(n_bytes)` is called as batches are stored.
    """
    if errors_path is not None and _same_file(path, errors_path):
        raise ImportFormatError("The errors file is the file being imported: name another one.")
    with ExitStack() as stack:
        raw = stack.enter_context(_open_binary(str(path)))
        total_bytes = _check_text(raw)
        raw.seek(0)
        had_bom = raw.read(3) == codecs.BOM_UTF8
        raw.seek(0)
        text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
        sales_csv = SalesCsv(text)
        errors_out = None
        if errors_path is not None:
            encoding = "utf-8-sig" if had_bom else "utf-8"  # Excel needs the BOM to see UTF-8
            errors_out = stack.enter_context(open(errors_path, "w", encoding=encoding, newline=""))
        bar = stack.enter_context(progress(total_bytes) if progress else nullcontext())
        done = 0

        def advance() -> None:
            nonlocal done
            position = min(raw.tell(), total_bytes)
            if bar is not None and position > done:
                bar.update(position - done)
            done = position

        result = import_rows(sales_csv, errors_out, advance)
        if bar is not None and total_bytes > done:
            bar.update(total_bytes - done)
    result.errors_path = str(errors_path) if errors_path is not None else None
    return result


def _same_file(path, other) -> bool:
    try:
        return str(path) != "-" and os.path.samefile(path, other)
    except OSError:
        return False  # the errors file does not exist yet


def _open_binary(path: str) -> IO[bytes]:
    """The file, or a temporary copy of what cannot be read twice (standard input, a pipe)."""
    if path == "-":
        return _spool(sys.stdin.buffer)
    source = open(path, "rb")  # noqa: SIM115  (closed by the caller's ExitStack)
    if source.seekable():
        return source
    with source:
        return _spool(source)


def _spool(source: IO[bytes]) -> IO[bytes]:
    spool = tempfile.TemporaryFile()  # noqa: SIM115  (closed by the caller's ExitStack)
    shutil.copyfileobj(source, spool)
    spool.seek(0)
    return spool


def _check_text(raw: IO[bytes]) -> int:
    """Refuse what is not UTF-8 text; return the size in bytes."""
    start = raw.read(4)
    if not start:
        raise ImportFormatError("The file is empty: expected a header line and rows of sales.")
    if start.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        raise ImportFormatError(
            "This is a spreadsheet (Excel) file, not CSV: in Excel use "
            "Save As > CSV UTF-8 (comma delimited), then import that file."
        )
    if start.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise ImportFormatError(
            "The file is UTF-16 text: save it as CSV UTF-8 (comma delimited) and import again."
        )
    raw.seek(0)
    newline = b"\n"
    decoder = codecs.getincrementaldecoder("utf-8")()
    line, size = 1, 0
    while chunk := raw.read(1 << 20):
        try:
            decoder.decode(chunk)
        except UnicodeDecodeError as exc:
            bad_line = line + chunk.count(newline, 0, max(exc.start, 0))
            raise ImportFormatError(
                f"The file is not UTF-8 text (line {bad_line} has a byte that is not): save it "
                "as CSV UTF-8, e.g. in Excel Save As > CSV UTF-8 (comma delimited)."
            ) from None
        nul = chunk.find(b"\x00")
        if nul >= 0:
            raise ImportFormatError(
                f"Line {line + chunk.count(newline, 0, nul)} contains a NUL byte: this is not "
                "CSV text (save it as CSV UTF-8)."
            )
        line += chunk.count(newline)
        size += len(chunk)
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        raise ImportFormatError(
            "The file is not UTF-8 text (it ends in the middle of a character): "
            "save it as CSV UTF-8."
        ) from None
    return size
