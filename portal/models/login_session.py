"""Staff login sessions, one row per device a user logged in on.

The row holds a hash of the session's secret; the secret itself lives only in the user's
session and remember-me cookies. Logging out deletes the row, so a copy of either cookie made
before stops working (issue 18); "log out everywhere" deletes all of a user's rows.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, UTCDateTime, utcnow


class LoginSession(Base):
    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # SHA-256 of the session secret, hex: a stolen database holds no usable session.
    secret_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
