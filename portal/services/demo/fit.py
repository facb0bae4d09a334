"""Demo texts that fit the product sold: a comment about a broken backrest belongs to a chair,
a grinding desk motor to a height-adjustable desk. Each cue a text may carry names the products
it can be about; a text with no such cue (a refund, nobody calling back) fits any order."""

from __future__ import annotations

import re

# (what a text mentions, the products it can be about); English and Swedish cues.
NEEDS = (
    (r"standing desk|desk motor|motor on|höj- och sänk", r"Height-adjustable desk"),
    (r"\bdesks?\b|skrivbord|tabletop|cable tray", r"desk"),
    (r"chairs?\b|backrest|gas lift|\bstol|ryggstöd", r"chair"),
    (r"acoustic|open office", r"Acoustic|Phone booth"),
    (r"shel(f|ves)|hyllor", r"Bookcase"),
    (r"cabinet", r"cabinet|drawer unit"),
    (r"meeting room furniture", r"Conference table|Meeting chair"),
    # Fitters and assembly come with furniture, not with a lamp or a mat.
    (r"fitters|montör|montering|assembly|assembled", r"chair|desk|table|screen|panels|Bookcase|"
     r"cabinet|drawer|sofa|booth|whiteboard"),
)  # fmt: skip
_NEEDS = tuple((re.compile(cue, re.IGNORECASE), re.compile(p, re.IGNORECASE)) for cue, p in NEEDS)


def fits(text: str, product: str | None) -> bool:
    """Whether a customer or staff text can be about `product` (None: no order, any text)."""
    if product is None:
        return True
    return all(product_ok.search(product) for cue, product_ok in _NEEDS if cue.search(text))


def fitting(entries, product: str | None, text_of=lambda entry: entry[0]) -> list:
    """The entries whose text fits `product`; all of them if none does."""
    found = [e for e in entries if e is None or fits(text_of(e), product)]
    return found or list(entries)
