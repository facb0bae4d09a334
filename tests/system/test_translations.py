"""Swedish customers see Swedish: every customer-facing text has a translation, compiled."""

from gettext import GNUTranslations

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from ..conftest import ROOT

CATALOG = ROOT / "portal" / "translations" / "sv" / "LC_MESSAGES"
METHODS = [
    ("portal/**.py", "python"),
    ("templates/survey/**.html", "jinja2"),
    ("templates/email/survey_*.html", "jinja2"),
    ("templates/email/survey_*.txt", "jinja2"),
    ("templates/complaints/**.html", "jinja2"),
    ("templates/email/complaint_*.html", "jinja2"),
    ("templates/email/complaint_*.txt", "jinja2"),
    ("templates/email/case_opened_for_customer.*", "jinja2"),
]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None}


def _used_messages() -> set[str]:
    found = set()
    for _, _, message, _, _ in extract_from_dir(ROOT, METHODS, keywords=KEYWORDS):
        found.add(message if isinstance(message, str) else message[0])
    return found


def test_every_customer_text_has_a_swedish_translation():
    with open(CATALOG / "messages.po", "rb") as f:
        catalog = read_po(f, locale="sv")
    translated = {m.id for m in catalog if m.id and m.string and "fuzzy" not in m.flags}
    missing = sorted(_used_messages() - translated)
    assert missing == [], "run `make translations` and translate these"


def test_the_compiled_catalog_matches_the_po_file():
    with open(CATALOG / "messages.po", "rb") as f:
        catalog = read_po(f, locale="sv")
    with open(CATALOG / "messages.mo", "rb") as f:
        compiled = GNUTranslations(f)
    for message in catalog:
        if message.id and message.string:
            assert compiled.gettext(message.id) == message.string, (
                "messages.mo is stale: run pybabel compile -d portal/translations"
            )
