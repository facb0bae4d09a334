"""The one CSV writer of the portal: every export is a download streamed by `csv_response`,
and every cell goes through `csv_cell`, so no export can run as a formula in a spreadsheet.

Why the guard looks past the first character: a spreadsheet runs a cell that starts with
= + - @ (or tab/CR) as a formula (CSV injection), and it does not always split the file where
we did. In Swedish and German locales it splits on `;`, and it reads CSV quotes only at the
start of ITS cell, so a customer name like `Ann;=1+1;` from the public complaint form, written
by us as one `,`-separated cell, becomes the cell `=1+1` there. So every piece of text that
follows a `,`, `;`, tab or line break (after any spaces or quotes) gets the same `'` as a cell
start does. The `'` shows; the value is still readable.

Numbers (int, float, Decimal) are written as they are: a negative figure is a number to a
spreadsheet, not a formula, and must stay one to be summed. Text that looks like a number
(`"-1"`) is still guarded: a number comes from our own figures, never from what someone typed.

Why the rows are a function: under a real server, Flask tears the view's app context (and
with it the database session) down when the view returns, before the body streams. Rows read
lazily from the view's session then fail ("identity map is no longer valid"). So the rows
function runs while the body streams, inside the stream's own context and session, and the
database objects it is given are carried over into that session.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal

from flask import Response, stream_with_context
from werkzeug.local import LocalProxy

from portal.extensions import db
from portal.models.base import Base

# A spreadsheet runs a cell that starts with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A formula character at the start of what a spreadsheet may take for a cell of its own.
_AFTER_SEPARATOR = re.compile(r"""([,;\t\r\n][ "]*)([=+\-@])""")
# Write the body in pieces of about this many characters (constant memory, few writes).
CHUNK_SIZE = 64_000

Rows = Iterable[Sequence]


def csv_cell(value) -> str | int | float | Decimal:
    """`value` as a CSV cell a spreadsheet shows as text and never runs, split on `,` or `;`."""
    if value is None:
        return ""
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return value
    text = _AFTER_SEPARATOR.sub(r"\1'\2", str(value))
    return "'" + text if text.lstrip(' "').startswith(FORMULA_STARTS) else text


def csv_text(header: Sequence[str], rows: Rows) -> Iterable[str]:
    """The header and rows as CSV text (every cell guarded), in pieces of about CHUNK_SIZE."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow([csv_cell(cell) for cell in row])
        if buffer.tell() > CHUNK_SIZE:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def csv_response(
    filename: str, header: Sequence[str], rows: Callable[..., Rows], *args
) -> Response:
    """A download of `header` and then `rows(*args)`, streamed.

    `rows(*args)` runs while the body streams, in the stream's own database session (see the
    module docstring); database objects among `args` (the current user, say) are merged into
    that session first. So pass a function that queries when called, never rows or a query
    result the view has already loaded."""
    args = tuple(a._get_current_object() if isinstance(a, LocalProxy) else a for a in args)

    def body() -> Iterable[str]:
        own = [db.session.merge(a, load=False) if isinstance(a, Base) else a for a in args]
        yield from csv_text(header, rows(*own))

    return Response(
        stream_with_context(body()),
        mimetype="text/csv",
        # Customers' names and words: no cache keeps a copy.
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )
