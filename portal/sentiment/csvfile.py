"""Score every row of a CSV file: the rows as they were, plus the analysis of one column.

Used by `flask portal score`. Pure (stdlib and the analyser): it reads one text stream and
writes another, row by row, so a file of any size runs in constant memory.
"""

from __future__ import annotations

import csv
import io
import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import TextIO

from portal.sentiment import analyze

SCORE_COLUMNS = ("label", "polarity", "reasons", "language", "needs_review")
DELIMITERS = ",;\t"


class CsvFormatError(Exception):
    """The file as a whole cannot be scored (empty, not CSV, the column missing)."""


@dataclass
class ScoreSummary:
    rows: int = 0
    labels: Counter[str] = field(default_factory=Counter)
    needs_review: int = 0
    renamed: dict[str, str] = field(default_factory=dict)  # our column -> its name in the file
    ragged_lines: list[int] = field(default_factory=list)  # more fields than the header

    def describe(self) -> str:
        counts = ", ".join(f"{self.labels[label]} {label}" for label in sorted(self.labels))
        text = f"Scored {self.rows} row{'' if self.rows == 1 else 's'}"
        text += f": {counts}" if counts else ""
        return text + f"; {self.needs_review} need a person."


def score_csv_file(path: str, output_path: str, column: str) -> ScoreSummary:
    """Score the CSV file at `path` into `output_path`; "-" is standard input or output.
    The output file is created only once the header has been checked."""
    with ExitStack() as stack:
        if path == "-":
            source = io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8-sig", newline="")
            stack.callback(source.detach)  # leave standard input open
        else:
            source = stack.enter_context(open(path, encoding="utf-8-sig", newline=""))
        scorer = CsvScorer(source, column)
        if output_path == "-":
            return scorer.write(sys.stdout)
        out = stack.enter_context(open(output_path, "w", encoding="utf-8", newline=""))
        return scorer.write(out)


def score_csv(source: TextIO, out: TextIO, column: str) -> ScoreSummary:
    """Copy the CSV in `source` to `out` with the score columns added (see CsvScorer)."""
    return CsvScorer(source, column).write(out)


class CsvScorer:
    """A CSV stream whose header has been read and checked, ready to be scored.

    The header names the columns; `column` is matched exactly, else ignoring case and
    surrounding spaces. The delimiter is whichever of , ; or tab splits the header into the
    most columns, and is kept for the output. A byte order mark is ignored. Lines with no
    field at all are skipped; a row whose text is empty is scored (as empty), not skipped.
    """

    def __init__(self, source: TextIO, column: str) -> None:
        self.source = source
        header_line = source.readline().removeprefix("\ufeff")
        if not header_line.strip():
            raise CsvFormatError(
                "The file is empty: the first line must be a header naming the columns."
            )
        self.delimiter = max(DELIMITERS, key=lambda d: len(_split(header_line, d)))
        self.header = _split(header_line, self.delimiter)
        self.position = _find_column(self.header, column)

    def write(self, out: TextIO) -> ScoreSummary:
        summary = ScoreSummary()
        names = []
        for name in SCORE_COLUMNS:
            if name in self.header:
                summary.renamed[name] = f"score_{name}"
            names.append(summary.renamed.get(name, name))
        writer = csv.writer(out, delimiter=self.delimiter)
        writer.writerow([*self.header, *names])
        width = len(self.header)
        for line, values in _rows(self.source, self.delimiter):
            if len(values) > width:
                summary.ragged_lines.append(line)
            result = analyze(values[self.position] if self.position < len(values) else "")
            summary.rows += 1
            summary.labels[result.label] += 1
            summary.needs_review += result.needs_review
            writer.writerow(
                [
                    *values,
                    *[""] * (width - len(values)),
                    result.label,
                    f"{result.polarity:.3f}",
                    "; ".join(result.reasons),
                    result.language,
                    "true" if result.needs_review else "false",
                ]
            )
        return summary


def _split(line: str, delimiter: str) -> list[str]:
    return next(csv.reader([line], delimiter=delimiter), [])


def _find_column(header: list[str], column: str) -> int:
    if column in header:
        return header.index(column)
    wanted = column.strip().casefold()
    for i, name in enumerate(header):
        if name.strip().casefold() == wanted:
            return i
    available = ", ".join(f'"{name}"' for name in header) or "none"
    raise CsvFormatError(f'The file has no column "{column}". Available columns: {available}.')


def _rows(source: TextIO, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    reader = csv.reader(source, delimiter=delimiter)
    while True:
        line = reader.line_num + 2  # the header was read before the reader
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise CsvFormatError(f"line {line} cannot be read as CSV ({exc})") from None
        if values:
            yield line, values
