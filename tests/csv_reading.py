"""Reading an exported CSV file the way spreadsheets do: split on `,` (English locales) or on
`;` (the default in Swedish and German ones), quotes honoured where a cell starts with one."""

from __future__ import annotations

import csv
import io
import re

SEPARATORS = (",", ";")
# A spreadsheet runs a cell that starts with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# ...except a plain number, which it reads as that number (a negative figure is no formula).
NUMBER = re.compile(r"-?\d+(\.\d+)?")


def read_as_spreadsheet(text: str, separator: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=separator))


def assert_no_formula_cells(text: str) -> None:
    """Fail, naming the cell, where a spreadsheet splitting on either separator would see a
    formula (leading spaces and quotes do not hide one)."""
    for separator in SEPARATORS:
        for row in read_as_spreadsheet(text, separator):
            for cell in row:
                start = cell.lstrip(' "')
                if start.startswith(FORMULA_STARTS) and not NUMBER.fullmatch(cell):
                    raise AssertionError(f"split on {separator!r}, a cell runs: {cell!r}")
