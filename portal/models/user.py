"""Staff: users (reps, managers, admins) and the teams they work in."""

from __future__ import annotations

import secrets
from datetime import datetime, time

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from portal.models.base import Base, UTCDateTime, utcnow

ROLES = ("rep", "manager", "admin")
MIN_PASSWORD_LENGTH = 10


class Team(Base):
    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120), unique=True)
    lead_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", use_alter=True, ondelete="SET NULL")
    )
    # The working calendar that business-hours deadlines of this team's cases count in.
    timezone: Mapped[str] = mapped_column(sa.String(64), default="Europe/Stockholm")
    # ISO weekdays worked, "1,2,3,4,5" = Monday to Friday.
    workdays: Mapped[str] = mapped_column(sa.String(20), default="1,2,3,4,5")
    workday_start: Mapped[time] = mapped_column(sa.Time, default=time(8, 0))
    workday_end: Mapped[time] = mapped_column(sa.Time, default=time(17, 0))
    # An on-call rota answers nights, weekends and holidays: only then do wall-clock SLA
    # policies apply to the team's cases (services/sla/deadlines.py); else business hours.
    round_the_clock: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    lead: Mapped[User | None] = relationship(foreign_keys=[lead_id], post_update=True)
    members: Mapped[list[User]] = relationship(
        back_populates="team", foreign_keys="User.team_id", order_by="User.name"
    )

    def __repr__(self) -> str:
        return f"<Team {self.name!r}>"


class User(UserMixin, Base):
    __tablename__ = "users"
    __table_args__ = (sa.CheckConstraint(f"role IN {ROLES!r}", name="role_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    # None until the user sets a password through their emailed link.
    password_hash: Mapped[str | None] = mapped_column(sa.String(256))
    role: Mapped[str] = mapped_column(sa.String(16), default="rep")
    team_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("teams.id", ondelete="SET NULL"), index=True
    )
    active: Mapped[bool] = mapped_column(default=True)
    # Away from `away_from` (None: already) until `away_until`: their cases go to the
    # stand-in for that time (services/staff/cover.py).
    away_from: Mapped[datetime | None] = mapped_column(UTCDateTime)
    away_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    stand_in_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    # The zone the user reads times in ("Europe/London"); None: their team's calendar zone.
    time_zone: Mapped[str | None] = mapped_column(sa.String(64))
    # Part of every login session id: rotating it logs out every session and remember-me cookie.
    session_token: Mapped[str] = mapped_column(
        sa.String(64), default=lambda: secrets.token_urlsafe(32)
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the last set-password link was emailed: makes the mail job idempotent.
    password_link_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    team: Mapped[Team | None] = relationship(back_populates="members", foreign_keys=[team_id])
    stand_in: Mapped[User | None] = relationship(remote_side=[id], foreign_keys=[stand_in_id])

    def __repr__(self) -> str:
        return f"<User {self.email!r} {self.role}>"

    # Flask-Login -----------------------------------------------------------------------
    # The secret of the login session this object was loaded for (portal/auth/session.py);
    # not a column: only its hash is stored.
    session_secret = None

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}:{self.session_secret or ''}"

    @property
    def is_active(self) -> bool:
        return self.active

    # Passwords --------------------------------------------------------------------------
    def set_password(self, password: str, method: str = "scrypt") -> None:
        """Store a salted hash made by `method` (the app's PASSWORD_HASH_METHOD; scrypt unless
        the test suite asks for a cheap one). The method is kept in the hash, so a password
        hashed one way is still checked correctly after the setting changes."""
        self.password_hash = generate_password_hash(password, method=method)
        self.rotate_sessions()

    def check_password(self, password: str) -> bool:
        if not self.password_hash:
            return False
        return check_password_hash(self.password_hash, password)

    def rotate_sessions(self) -> None:
        """End every existing login session of this user (password change, deactivation)."""
        self.session_token = secrets.token_urlsafe(32)

    # Roles ------------------------------------------------------------------------------
    @property
    def is_rep(self) -> bool:
        return self.role == "rep"

    @property
    def is_manager(self) -> bool:
        return self.role == "manager"

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def first_name(self) -> str | None:
        """How customers are told who handles their case ("Rita will contact you"): the one
        spelling of the customer's email and their status page."""
        words = self.name.split()
        return words[0] if words else None

    def is_away(self, at: datetime) -> bool:
        if self.away_until is None or self.away_until <= at:
            return False
        return self.away_from is None or self.away_from <= at
