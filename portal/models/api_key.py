"""API keys for systems that send sales in or read cases (shop, CRM, ERP). Only a hash is
stored. Each key has scopes: what it may do (API_SCOPES)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.base import Base, UTCDateTime, utcnow
from portal.models.user import User

# What a key may do: send sales in, and read cases and their status (portal/api/).
API_SCOPES = ("write:sales", "read:cases")


class ApiKey(Base):
    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    # The first characters of the key, shown in lists so admins can tell keys apart.
    prefix: Mapped[str] = mapped_column(sa.String(16))
    # SHA-256 of the whole key: keys are 256-bit random, so a fast hash is safe here.
    key_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Space-separated API_SCOPES; keys made before scopes existed send sales, as they did.
    scopes: Mapped[str] = mapped_column(
        sa.String(200), default="write:sales", server_default="write:sales"
    )

    created_by: Mapped[User | None] = relationship()

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @property
    def scope_list(self) -> list[str]:
        return (self.scopes or "").split()

    def allows(self, scope: str) -> bool:
        return scope in self.scope_list
