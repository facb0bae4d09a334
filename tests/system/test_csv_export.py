"""The portal's one CSV writer: what a spreadsheet makes of its cells, split on `,` or `;`."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest

from portal.csv_export import csv_cell, csv_text

from ..csv_reading import assert_no_formula_cells, read_as_spreadsheet

HOSTILE = [
    "=SUM(A1)",
    "+46701234567",
    "-1",
    "@cmd",
    "\t=1",
    "\r=1",
    "Ann;=1+1;",
    "Ann; =1+1",
    'Ann;"=1+1"',
    "Bo,@SUM(A1)",
    "x\n=HYPERLINK(y)",
    "x\r\n-2+3",
    'say "hi";+1',
    "refund;-300 SEK",
]


def write(rows) -> str:
    return "".join(csv_text(["id", "value"], rows))


@pytest.mark.parametrize("value", HOSTILE)
def test_no_spreadsheet_runs_a_cell_of_the_export_whatever_it_splits_on(value):
    text = write([[1, value]])
    assert_no_formula_cells(text)
    # Read as written (on `,`), the value comes back, marked where it would have run.
    ((_, cell),) = list(csv.reader(io.StringIO(text, newline="")))[1:]
    assert cell.replace("'", "") == value.replace("'", "")


@pytest.mark.parametrize(
    "value",
    ["Svensson, Anna", "Åsa Öberg", "O'Brien", "2026-03-01 10:00", "first_contact", "", "a;b"],
)
def test_ordinary_text_reads_back_unchanged(value):
    text = write([[1, value]])
    assert list(csv.reader(io.StringIO(text, newline="")))[1] == ["1", value]


def test_numbers_stay_numbers_even_negative_ones():
    """A figure we computed (a score of -33.3, a refund of -300.00) must still add up in the
    spreadsheet: numbers are written as they are, while text that looks like one is guarded."""
    text = write([[1, -33.3333], [2, Decimal("-300.00")], [3, 0], [4, None]])
    assert_no_formula_cells(text)
    for separator in (",", ";"):
        rows = read_as_spreadsheet(text, separator)
        assert len(rows) == 5
    values = [row[1] for row in csv.reader(io.StringIO(text, newline=""))][1:]
    assert values == ["-33.3333", "-300.00", "0", ""]
    assert csv_cell("-300.00") == "'-300.00"


def test_a_large_export_comes_in_pieces_of_bounded_size():
    rows = ([n, f"Customer {n}"] for n in range(20_000))
    pieces = list(csv_text(["id", "value"], rows))
    assert len(pieces) > 1
    assert max(len(piece) for piece in pieces) < 70_000
    assert "".join(pieces).count("\r\n") == 20_001
