"""Importing sales from CSV: `flask portal import-sales` and the service behind it."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import Customer, Sale, utcnow
from portal.services.sales.file_import import (
    ImportFormatError,
    Problem,
    import_sales,
    import_sales_file,
)

COLUMNS = [
    "order_ref",
    "sold_at",
    "customer_email",
    "customer_name",
    "rep_email",
    "amount",
    "currency",
    "product",
]
REP = "anna.rep@example.com"


@pytest.fixture
def rep(make_user):
    make_user("rep", email="gone@example.com", active=False)
    make_user("admin", email="boss@example.com")
    return make_user("rep", email=REP)


def sale_row(n: int = 1, **fields) -> dict:
    return {
        "order_ref": f"ORD-{n}",
        "sold_at": "2024-03-01T10:30:00",
        "customer_email": f"buyer{n}@example.org",
        "customer_name": f"Buyer {n}",
        "rep_email": REP,
        "amount": "1234.50",
        "currency": "sek",
        "product": "Office chair",
        **fields,
    }


def csv_text(rows: list[dict], columns: list[str] = COLUMNS, delimiter: str = ",") -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row.get(column, "") for column in columns])
    return out.getvalue()


def stored_sales() -> dict[str, Sale]:
    return {sale.order_ref: sale for sale in db.session.scalars(sa.select(Sale))}


def customer(email: str) -> Customer | None:
    return db.session.scalar(sa.select(Customer).where(Customer.email == email))


# --- the good path ------------------------------------------------------------------------


def test_a_good_file_imports_every_row(rep):
    rows = [
        sale_row(1),
        sale_row(2, sold_at="2024-03-02", customer_email="Buyer.Two@Example.ORG"),
        sale_row(3, sold_at="2024-03-03T09:00:00+01:00", amount="99", currency="EUR"),
        sale_row(4, customer_email="buyer1@example.org", customer_name="Someone Else"),
    ]
    text = csv_text(rows, [*COLUMNS, "customer_locale"])
    result = import_sales(io.StringIO(text))

    assert (result.imported, result.duplicates, result.rejected) == (4, 0, 0)
    assert result.customers_created == 3
    assert result.problems == []
    sales = stored_sales()
    assert set(sales) == {"ORD-1", "ORD-2", "ORD-3", "ORD-4"}
    first = sales["ORD-1"]
    assert first.amount == Decimal("1234.50")
    assert first.currency == "SEK"
    assert first.product == "Office chair"
    assert first.rep_id == rep.id
    assert first.sold_at == datetime(2024, 3, 1, 10, 30, tzinfo=UTC)
    assert sales["ORD-2"].sold_at == datetime(2024, 3, 2, tzinfo=UTC)
    assert sales["ORD-3"].sold_at == datetime(2024, 3, 3, 8, 0, tzinfo=UTC)
    assert sales["ORD-3"].amount == Decimal("99.00")
    # Customers are found by lower-cased email; the first row that names one creates them.
    assert sales["ORD-2"].customer.email == "buyer.two@example.org"
    assert sales["ORD-4"].customer_id == first.customer_id
    assert first.customer.name == "Buyer 1"
    assert first.customer.locale == "en"
    assert result.summary() == "4 sales imported; 3 new customers."


def test_columns_in_any_order_any_case_with_extra_columns(rep):
    text = (
        " Product ,AMOUNT,notes,Currency,rep_email,customer_name,customer_email,"
        "Sold_At,ORDER_REF,Customer_Locale\n"
        f"Lamp,99.90,call back,eur,{REP},Åsa Öberg,asa@example.se,2024-05-06,W-1,sv\n"
    )
    result = import_sales(io.StringIO(text))
    assert result.imported == 1, result.problems
    sale = stored_sales()["W-1"]
    assert (sale.product, sale.amount, sale.currency) == ("Lamp", Decimal("99.90"), "EUR")
    assert (sale.customer.name, sale.customer.locale) == ("Åsa Öberg", "sv")


def test_an_existing_customer_keeps_their_data(rep):
    db.session.add(Customer(email="buyer1@example.org", name="Original Name", locale="sv"))
    db.session.commit()
    result = import_sales(io.StringIO(csv_text([sale_row(1, customer_name="New Name")])))
    assert (result.imported, result.customers_created) == (1, 0)
    kept = customer("buyer1@example.org")
    assert (kept.name, kept.locale) == ("Original Name", "sv")


def test_a_manager_can_be_the_rep_of_a_sale(rep, make_user):
    manager = make_user("manager", email="mia.manager@example.com")
    result = import_sales(io.StringIO(csv_text([sale_row(1, rep_email="MIA.manager@example.com")])))
    assert result.imported == 1, result.problems
    assert stored_sales()["ORD-1"].rep_id == manager.id


@pytest.mark.parametrize(
    ("written", "amount"),
    [
        ("1234.50", "1234.50"),
        ("1 234,50", "1234.50"),
        ("1,234.50", "1234.50"),
        ("1.234,50", "1234.50"),
        ("1\u00a0234,50", "1234.50"),  # Excel in Swedish: a no-break space between thousands
        ("1 234 567", "1234567.00"),
        ("0,5", "0.50"),
        ("0", "0.00"),
    ],
)
def test_amount_formats(rep, written, amount):
    result = import_sales(io.StringIO(csv_text([sale_row(1, amount=written)])))
    assert result.imported == 1, result.problems
    assert stored_sales()["ORD-1"].amount == Decimal(amount)


def test_semicolons_bom_crlf_and_decimal_commas(rep, tmp_path):
    """What Excel writes in a Swedish locale."""
    rows = [sale_row(1, amount="1 234,50"), sale_row(2, amount="10,5", customer_locale="sv")]
    text = csv_text(rows, [*COLUMNS, "customer_locale"], delimiter=";").replace("\n", "\r\n")
    path = tmp_path / "försäljning.csv"
    path.write_bytes("\ufeff".encode() + text.encode())

    result = import_sales_file(path)

    assert (result.imported, result.rejected) == (2, 0), result.problems
    sales = stored_sales()
    assert sales["ORD-1"].amount == Decimal("1234.50")
    assert sales["ORD-2"].amount == Decimal("10.50")
    assert customer("buyer2@example.org").locale == "sv"


# --- bad rows -----------------------------------------------------------------------------


def _in(days: float) -> str:
    return (utcnow() + timedelta(days=days)).isoformat()


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("order_ref", "", "order_ref is missing"),
        ("order_ref", "R" * 65, "order_ref is 65 characters long (at most 64)"),
        ("sold_at", "", "sold_at is missing"),
        ("sold_at", "01/03/2024", "sold_at '01/03/2024' is not a valid ISO 8601 date or date-time"),
        ("sold_at", "2024-02-30", "sold_at '2024-02-30' is not a valid ISO 8601 date"),
        ("sold_at", "FUTURE", "is more than a day in the future"),
        ("customer_email", "", "customer_email is missing"),
        (
            "customer_email",
            "buyer.example.org",
            "customer_email 'buyer.example.org' is not a valid",
        ),
        ("customer_name", "  ", "customer_name is missing"),
        ("customer_name", "N" * 201, "customer_name is 201 characters long (at most 200)"),
        ("rep_email", "", "rep_email is missing"),
        ("rep_email", "nobody@example.com", "rep_email 'nobody@example.com' is not a staff user"),
        ("rep_email", "gone@example.com", "rep_email 'gone@example.com' belongs to a deactivated"),
        ("rep_email", "boss@example.com", "rep_email 'boss@example.com' is an admin, not a rep"),
        ("amount", "", "amount is missing"),
        (
            "amount",
            "abc",
            "amount 'abc' is not a number (use digits with . or , as decimal separator)",
        ),
        ("amount", "12.50 SEK", "put the currency in its own column"),
        ("amount", "-5.00", "amount '-5.00' is negative"),
        ("amount", "12.345", "amount '12.345' is ambiguous"),
        ("amount", "12.3456", "amount '12.3456' has more than 2 decimals"),
        ("amount", "1,234,56", "amount '1,234,56' is not a number"),
        ("currency", "", "currency is missing"),
        ("currency", "kronor", "currency 'kronor' is not a 3-letter ISO 4217 code"),
        ("currency", "XYZ", "currency 'XYZ' is not a known ISO 4217 currency code"),
        ("product", "", "product is missing"),
        ("product", "P" * 201, "product is 201 characters long (at most 200)"),
        ("customer_locale", "de", "customer_locale 'de' is not supported (use en or sv"),
    ],
)
def test_a_bad_row_is_reported_and_the_good_rows_kept(rep, column, value, message):
    if value == "FUTURE":
        value = _in(3)
    rows = [sale_row(1), sale_row(2, **{column: value}), sale_row(3)]
    result = import_sales(io.StringIO(csv_text(rows, [*COLUMNS, "customer_locale"])))

    assert (result.imported, result.rejected) == (2, 1)
    assert [p.line for p in result.problems] == [3]
    assert message in result.problems[0].message
    assert set(stored_sales()) == {"ORD-1", "ORD-3"}


def test_a_sale_a_few_hours_ahead_is_accepted(rep):
    result = import_sales(io.StringIO(csv_text([sale_row(1, sold_at=_in(0.5))])))
    assert result.imported == 1, result.problems


def test_every_problem_of_a_row_is_reported(rep):
    bad = sale_row(2, sold_at="yesterday", amount="ten", currency="", product="")
    result = import_sales(io.StringIO(csv_text([sale_row(1), bad])))
    assert result.rejected == 1
    assert [p.line for p in result.problems] == [3, 3, 3, 3]
    messages = " | ".join(p.message for p in result.problems)
    for part in ("sold_at 'yesterday'", "amount 'ten'", "currency is missing", "product is"):
        assert part in messages


def test_line_numbers_are_physical_lines(rep):
    """A quoted value may span lines, and blank lines count: the numbers match an editor's."""
    text = csv_text([sale_row(1, product="Desk\nwith drawers"), sale_row(2)])
    text += "\n" + csv_text([sale_row(3, amount="x")]).split("\n", 1)[1]
    result = import_sales(io.StringIO(text))
    assert result.imported == 2
    assert result.problems == [
        Problem(6, "amount 'x' is not a number (use digits with . or , as decimal separator)")
    ]
    # Stored on one line: a product or name with a line break would break an email subject.
    assert stored_sales()["ORD-1"].product == "Desk with drawers"


def test_a_row_with_an_unquoted_delimiter_is_rejected(rep):
    text = csv_text([sale_row(1)]) + (
        f"ORD-2,2024-03-01,b@example.org,Buyer,{REP},1234.50,SEK,Chair, black\n"
    )
    result = import_sales(io.StringIO(text))
    assert result.imported == 1
    assert result.problems[0].line == 3
    assert "9 fields but the header has 8" in result.problems[0].message


# --- duplicates ---------------------------------------------------------------------------


def test_duplicates_in_the_file_and_in_the_database_are_skipped(rep, make_sale):
    make_sale(rep=rep, order_ref="ORD-1")
    rows = [sale_row(1), sale_row(2), sale_row(3), sale_row(2, amount="1.00"), sale_row(3)]
    result = import_sales(io.StringIO(csv_text(rows)))

    assert (result.imported, result.duplicates, result.rejected) == (2, 3, 0)
    assert result.problems == []
    assert stored_sales()["ORD-2"].amount == Decimal("1234.50")  # the first one wins
    assert result.summary() == "2 sales imported, 3 duplicate order refs skipped; 2 new customers."


def test_duplicates_across_batches(rep):
    rows = [sale_row(n) for n in range(1, 8)] + [sale_row(1), sale_row(7)]
    result = import_sales(io.StringIO(csv_text(rows)), batch_size=3)
    assert (result.imported, result.duplicates) == (7, 2)
    assert len(stored_sales()) == 7


def test_importing_the_same_file_again_adds_nothing(rep, tmp_path):
    path = tmp_path / "sales.csv"
    path.write_text(csv_text([sale_row(1), sale_row(2), sale_row(3, amount="?")]))
    first = import_sales_file(path)
    again = import_sales_file(path)
    assert (first.imported, first.rejected) == (2, 1)
    assert (again.imported, again.duplicates, again.rejected) == (0, 2, 1)
    assert again.customers_created == 0
    assert len(stored_sales()) == 2


def test_an_interrupted_import_keeps_its_committed_batches_and_can_be_resumed(rep):
    text = csv_text([sale_row(n) for n in range(1, 8)])

    def interrupt():
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        import_sales(io.StringIO(text), after_batch=interrupt, batch_size=3)
    db.session.rollback()
    assert set(stored_sales()) == {"ORD-1", "ORD-2", "ORD-3"}

    result = import_sales(io.StringIO(text), batch_size=3)
    assert (result.imported, result.duplicates) == (4, 3)
    assert len(stored_sales()) == 7


# --- the file as a whole ------------------------------------------------------------------


def test_missing_columns_are_named(rep):
    text = "order_ref,date,customer_email,customer_name,rep_email,amount,product\nA,,,,,,\n"
    with pytest.raises(ImportFormatError) as error:
        import_sales(io.StringIO(text))
    message = str(error.value)
    assert message == (
        "The header (line 1) lacks the required columns sold_at, currency (it has: "
        "order_ref, date, customer_email, customer_name, rep_email, amount, product)."
    )
    assert stored_sales() == {}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The file is empty"),
        (b"\n\n", "The file is empty"),
        ("order_ref;belopp\nA;1\n".encode("cp1252"), "lacks the required columns sold_at"),
        (b"<html><body>Sales</body></html>", "The first line is not a sales header"),
        ("order_ref,försäljare\n".encode("cp1252"), "The file is not UTF-8 text (line 1"),
        (b"PK\x03\x04\x14\x00\x06\x00", "This is a spreadsheet (Excel) file, not CSV"),
        ("order_ref\n".encode("utf-16"), "The file is UTF-16 text"),
    ],
)
def test_a_file_that_cannot_be_imported_is_refused_whole(rep, tmp_path, content, message):
    path = tmp_path / "sales.csv"
    path.write_bytes(content)
    with pytest.raises(ImportFormatError, match=re.escape(message)):
        import_sales_file(path)


def test_a_bad_encoding_late_in_the_file_stores_nothing(rep, tmp_path):
    rows = [sale_row(n) for n in range(1, 50)] + [sale_row(50, customer_name="Åsa")]
    path = tmp_path / "sales.csv"
    path.write_bytes(csv_text(rows).encode("cp1252"))
    with pytest.raises(ImportFormatError, match=r"not UTF-8 text \(line 51 "):
        import_sales_file(path)
    assert stored_sales() == {}


def test_progress_is_reported_in_bytes(rep, tmp_path):
    path = tmp_path / "sales.csv"
    path.write_text(csv_text([sale_row(n) for n in range(1, 6000)]))
    seen = []

    class Bar:
        def __init__(self, total):
            seen.append(("total", total))

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            seen.append(("closed", None))

        def update(self, n):
            seen.append(("update", n))

    result = import_sales_file(path, progress=Bar)
    assert result.imported == 5999
    assert seen[0] == ("total", path.stat().st_size)
    updates = [n for kind, n in seen if kind == "update"]
    assert len(updates) >= 3 and all(n > 0 for n in updates)
    assert sum(updates) == path.stat().st_size
    assert seen[-1] == ("closed", None)


# --- the errors file ----------------------------------------------------------------------


def test_the_errors_file_holds_the_rejected_rows_ready_to_fix(rep, tmp_path):
    path = tmp_path / "sales.csv"
    errors_path = tmp_path / "rejected.csv"
    rows = [sale_row(1), sale_row(2, amount="abc"), sale_row(3, currency="XYZ", product="")]
    path.write_text(csv_text(rows))

    result = import_sales_file(path, errors_path=errors_path)

    assert result.rejected == 2
    with errors_path.open(newline="") as f:
        rejected = list(csv.DictReader(f))
    assert [r["order_ref"] for r in rejected] == ["ORD-2", "ORD-3"]
    assert rejected[0]["amount"] == "abc"
    assert rejected[0]["error"].startswith("amount 'abc' is not a number")
    assert "currency 'XYZ'" in rejected[1]["error"]
    assert "; product is missing" in rejected[1]["error"]
    assert list(rejected[0])[: len(COLUMNS)] == COLUMNS

    # Fixed in place, the errors file imports as it is (its "error" column is ignored).
    rejected[0]["amount"] = "12.00"
    rejected[1].update(currency="EUR", product="Lamp")
    with errors_path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rejected[0]))
        writer.writeheader()
        writer.writerows(rejected)
    again = import_sales_file(errors_path)
    assert (again.imported, again.rejected) == (2, 0), again.problems
    assert len(stored_sales()) == 3


# --- the command --------------------------------------------------------------------------


def test_the_command_prints_the_summary(rep, runner, tmp_path):
    path = tmp_path / "sales.csv"
    path.write_text(csv_text([sale_row(1), sale_row(2), sale_row(1)]))
    result = runner.invoke(args=["portal", "import-sales", str(path)])
    assert result.exit_code == 0, result.output
    assert "2 sales imported, 1 duplicate order ref skipped; 2 new customers." in result.stdout


def test_the_command_lists_rejected_rows_and_exits_1(rep, runner, tmp_path):
    path = tmp_path / "sales.csv"
    errors_path = tmp_path / "rejected.csv"
    path.write_text(csv_text([sale_row(1), sale_row(2, rep_email="nobody@example.com")]))
    result = runner.invoke(args=["portal", "import-sales", str(path), "--errors", str(errors_path)])
    assert result.exit_code == 1
    assert "line 3: rep_email 'nobody@example.com' is not a staff user" in result.stderr
    assert "1 sale imported, 1 row rejected (see above); 1 new customer." in result.stdout
    assert f"Rejected rows written to {errors_path}" in result.stdout
    assert "ORD-2" in errors_path.read_text()


def test_the_command_refuses_a_file_without_the_columns(rep, runner, tmp_path):
    path = tmp_path / "sales.csv"
    path.write_text("order_ref,amount\nA,1\n")
    result = runner.invoke(args=["portal", "import-sales", str(path)])
    assert result.exit_code != 0
    assert "lacks the required columns sold_at, customer_email" in result.output
    assert stored_sales() == {}


def test_the_command_reads_standard_input(rep, runner):
    result = runner.invoke(
        args=["portal", "import-sales", "-"], input=csv_text([sale_row(1)]).encode()
    )
    assert result.exit_code == 0, result.output
    assert "1 sale imported" in result.stdout


def test_the_errors_file_cannot_be_the_imported_file(rep, tmp_path):
    path = tmp_path / "sales.csv"
    path.write_text(csv_text([sale_row(1, amount="x")]))
    with pytest.raises(ImportFormatError, match="is the file being imported"):
        import_sales_file(path, errors_path=tmp_path / "." / "sales.csv")
    assert "ORD-1" in path.read_text()
