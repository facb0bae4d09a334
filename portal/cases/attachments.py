"""Files customers sent (emailed replies, the complaint form, the status page), for the staff
who may see the case (services/scope.py via `get_visible_case`): always downloaded, never shown
inline, so a file from outside cannot run as a page of the portal. A photo the portal saved
itself has a preview: a small JPEG drawn again from its pixels (services/customer_files.py),
with a policy that lets it be nothing but an image."""

from __future__ import annotations

from io import BytesIO

from flask import abort, send_file

from portal.auth.access import ANY_STAFF, roles_required
from portal.cases.common import bp, get_visible_case
from portal.services import customer_files
from portal.services.inbound.attachments import attachment_of

# The preview is an image and nothing else, even opened on its own.
PREVIEW_POLICY = (
    "default-src 'none'; img-src 'self'; frame-ancestors 'none'; object-src 'none'; "
    "base-uri 'none'; form-action 'none'; sandbox"
)


@bp.get("/<int:case_id>/attachments/<int:attachment_id>")
@roles_required(*ANY_STAFF)
def attachment(case_id: int, attachment_id: int):
    found = attachment_of(get_visible_case(case_id), attachment_id)
    if found is None:
        abort(404)
    response = send_file(
        BytesIO(found.data),
        mimetype="application/octet-stream",
        as_attachment=True,
        download_name=found.filename,
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/<int:case_id>/attachments/<int:attachment_id>/preview")
@roles_required(*ANY_STAFF)
def attachment_preview(case_id: int, attachment_id: int):
    found = attachment_of(get_visible_case(case_id), attachment_id)
    image = customer_files.preview(found) if found is not None else None
    if image is None:
        abort(404)
    response = send_file(BytesIO(image), mimetype="image/jpeg", max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = PREVIEW_POLICY
    response.headers["Cache-Control"] = "private, no-store"
    return response
