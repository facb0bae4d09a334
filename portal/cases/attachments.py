"""Files customers attached to their emailed replies, for the staff who may see the case
(services/scope.py via `get_visible_case`): always downloaded, never shown inline, so a file
from outside cannot run as a page of the portal."""

from __future__ import annotations

from io import BytesIO

from flask import abort, send_file

from portal.auth.access import ANY_STAFF, roles_required
from portal.cases.common import bp, get_visible_case
from portal.services.inbound.attachments import attachment_of


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
