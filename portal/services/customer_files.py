"""Photos and files customers send with a complaint (the public form, or the one reached from
a survey link) and with a message on their case's status page.

- What is kept is decided by the file's content (its first bytes), never by its name or the
  type the browser claims: photos (JPEG, PNG, HEIC/HEIF, WebP) and PDF files.
- Photos from a phone carry where they were taken (GPS) in their metadata: every photo is
  decoded and saved again without it, turned the way the phone held it (EXIF orientation
  applied). A HEIC/HEIF photo is decoded with pi-heif (libheif, decoding only) and kept as
  JPEG, which every browser shows. A PDF is kept as sent.
- At most `Limits.count` files of at most `Limits.size` bytes each (COMPLAINT_MAX_FILES,
  COMPLAINT_MAX_FILE_BYTES).
- Stored in the database (InboundAttachment, like files from emailed replies), in the
  transaction that stores the customer's words: `add_to_complaint` / `add_to_case` add them
  to the session; the caller commits.

Refusals carry a reason key, not a sentence: the customer's page says it in their language.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from io import BytesIO

import pi_heif
import sqlalchemy as sa
from PIL import Image, ImageOps
from sqlalchemy.orm import defer

from portal.extensions import db
from portal.models import Case, Complaint, InboundAttachment
from portal.text_input import single_line, without_surrogates

pi_heif.register_heif_opener()

_UNSAFE_NAME = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')

PDF = "application/pdf"
# Brands of an ISO media file ("ftyp" box) that are HEIF/HEIC still images.
HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1"}
# What each kept photo is saved as (HEIF becomes JPEG), and its file name's ending.
SAVED_AS = {
    "image/jpeg": ("JPEG", "image/jpeg", ".jpg"),
    "image/png": ("PNG", "image/png", ".png"),
    "image/webp": ("WEBP", "image/webp", ".webp"),
    "image/heif": ("JPEG", "image/jpeg", ".jpg"),
}
JPEG_QUALITY = 90
# A photo of more pixels than Pillow's MAX_IMAGE_PIXELS (about 89 megapixels: a phone's usual
# 12-50 pass) is refused before it is decoded: a small file can take gigabytes to decode.
# Pillow warns above that size (an error here) and raises above twice it.
DECOMPRESSION_BOMB = (Image.DecompressionBombWarning, Image.DecompressionBombError)
# Photos the portal saved itself (never an emailed attachment, kept as it came): their preview
# on the case page is drawn again from their pixels, so no byte of the upload reaches a page.
PREVIEW_SOURCES = ("complaint_form", "status_page")
PREVIEW_TYPES = ("image/jpeg", "image/png", "image/webp")
PREVIEW_SIZE = (480, 480)


@dataclass(frozen=True)
class Limits:
    count: int
    size: int  # bytes per file


def safe_filename(name: str | None, index: int) -> str:
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]  # never a path
    cleaned = _UNSAFE_NAME.sub("_", without_surrogates(single_line(base))).strip(" .")
    return cleaned[-120:] or f"attachment-{index}"


@dataclass(frozen=True)
class Upload:
    """A file as the customer picked it."""

    filename: str | None
    data: bytes


@dataclass(frozen=True)
class CleanFile:
    """A file fit to keep: its content checked, its metadata removed."""

    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class Refusal:
    filename: str
    reason: str  # "type", "size", "count", "unreadable"


@dataclass
class Checked:
    files: list[CleanFile]
    refused: list[Refusal]


def sniff(data: bytes) -> str | None:
    """The type of a file by its first bytes; None for anything we do not keep."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data[4:8] == b"ftyp" and data[8:12] in HEIF_BRANDS:
        return "image/heif"
    if data.startswith(b"%PDF-"):
        return PDF
    return None


def check_uploads(uploads: list[Upload], limits: Limits) -> Checked:
    """Each picked file kept (cleaned) or refused with its reason. Empty file inputs (nothing
    picked) are skipped."""
    checked = Checked([], [])
    picked = [u for u in uploads if u.data or u.filename]
    for index, upload in enumerate(picked, start=1):
        name = safe_filename(upload.filename, index)
        refusal = _refusal(upload, name, limits, len(checked.files))
        if refusal is not None:
            checked.refused.append(refusal)
            continue
        try:
            checked.files.append(clean(name, upload.data))
        except (OSError, ValueError, SyntaxError, *DECOMPRESSION_BOMB):
            checked.refused.append(Refusal(name, "unreadable"))
    return checked


def _refusal(upload: Upload, name: str, limits: Limits, kept: int) -> Refusal | None:
    if len(upload.data) > limits.size:
        return Refusal(name, "size")
    if sniff(upload.data) is None:
        return Refusal(name, "type")
    if kept >= limits.count:
        return Refusal(name, "count")
    return None


def clean(filename: str, data: bytes) -> CleanFile:
    """The file as it is kept: a photo decoded and saved again without its metadata (location,
    camera, time), upright; a PDF as sent. Raises OSError/ValueError for a broken photo."""
    kind = sniff(data)
    if kind == PDF:
        return CleanFile(filename, PDF, data)
    if kind not in SAVED_AS:
        raise ValueError("not a kept type")
    pil_format, content_type, ending = SAVED_AS[kind]
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        with Image.open(BytesIO(data)) as image:
            upright = ImageOps.exif_transpose(image)
            out = BytesIO()
            if pil_format == "JPEG":
                if upright.mode not in ("RGB", "L", "CMYK"):
                    upright = upright.convert("RGB")
                # No exif=, no comment: the metadata stays behind. The colour profile is
                # not personal, and without it colours shift.
                upright.save(
                    out,
                    "JPEG",
                    quality=JPEG_QUALITY,
                    icc_profile=image.info.get("icc_profile"),
                )
            else:
                upright.save(out, pil_format, icc_profile=image.info.get("icc_profile"))
    if kind == "image/heif":
        filename = _with_ending(filename, ending)
    return CleanFile(filename, content_type, out.getvalue())


def _with_ending(filename: str, ending: str) -> str:
    stem = filename.rsplit(".", 1)[0] if "." in filename else filename
    return f"{stem}{ending}"


# --- storing (in the caller's transaction) ----------------------------------------------------


def add_to_complaint(complaint: Complaint, files: list[CleanFile]) -> list[InboundAttachment]:
    """The complaint's files, flushed with it; its case takes them when triage opens it
    (`move_to_case`)."""
    return _add(files, source="complaint_form", complaint_id=complaint.id)


def add_to_case(case: Case, files: list[CleanFile]) -> list[InboundAttachment]:
    """Files sent with a message on the case's status page (flushed, not committed)."""
    return _add(files, source="status_page", case_id=case.id)


def _add(files: list[CleanFile], **where) -> list[InboundAttachment]:
    rows = [
        InboundAttachment(
            filename=f.filename,
            content_type=f.content_type,
            size=len(f.data),
            data=f.data,
            **where,
        )
        for f in files
    ]
    db.session.add_all(rows)
    db.session.flush()
    return rows


def move_to_case(complaint: Complaint, case: Case) -> None:
    """The complaint's files follow it into the case that triage opened (same transaction)."""
    db.session.execute(
        sa.update(InboundAttachment)
        .where(InboundAttachment.complaint_id == complaint.id)
        .values(case_id=case.id)
        .execution_options(synchronize_session=False)
    )


def described(rows: list[InboundAttachment]) -> list[dict]:
    """What a timeline entry keeps of the files (as emailed replies' entries do)."""
    return [
        {"id": a.id, "filename": a.filename, "size": a.size, "content_type": a.content_type}
        for a in rows
    ]


def files_of_complaint(complaint_id: int) -> list[InboundAttachment]:
    return list(
        db.session.scalars(
            sa.select(InboundAttachment)
            .where(InboundAttachment.complaint_id == complaint_id)
            .options(defer(InboundAttachment.data))
            .order_by(InboundAttachment.id)
        )
    )


def files_sent_with_complaint(case: Case) -> list[InboundAttachment]:
    """The files the customer sent with the complaint that opened `case` (those sent later,
    with a status-page message or a complaint added to the case, are on the timeline with
    their words)."""
    return files_of_complaint(case.complaint_id) if case.complaint_id is not None else []


def has_preview(attachment: InboundAttachment) -> bool:
    return attachment.source in PREVIEW_SOURCES and attachment.content_type in PREVIEW_TYPES


def preview(attachment: InboundAttachment) -> bytes | None:
    """A small JPEG of a photo the portal saved (None for anything else): for the case page."""
    if not has_preview(attachment):
        return None
    with Image.open(BytesIO(attachment.data)) as image:
        small = image.convert("RGB")
        small.thumbnail(PREVIEW_SIZE)
        out = BytesIO()
        small.save(out, "JPEG", quality=80)
    return out.getvalue()
