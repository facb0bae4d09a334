"""The queue: the cases a person works, nearest deadline first, with filters and search; the
open count in the navigation; the queue as CSV.

Everything here starts from services.scope.visible_cases_query, so a case someone may not
see is in none of their lists, counts, searches or exports.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_sqlalchemy.pagination import SelectPagination
from sqlalchemy.orm import joinedload

from portal.extensions import MAX_PAGE, db
from portal.models import Case, CaseEvent, Customer, Sale, User
from portal.models.case import CASE_STATUSES, CLOCK_RUNNING_STATUSES, OPEN_STATUSES, SEVERITIES
from portal.services.cases import contact
from portal.services.scope import visible_cases_query, visible_reps_query

CASE_NUMBER = re.compile(r"^#?(\d{1,9})$")
EXPORT_COLUMNS = (
    "case_id",
    "status",
    "severity",
    "source",
    "customer",
    "customer_email",
    "order_ref",
    "responsible",
    "opened_utc",
    "next_deadline",
    "next_deadline_utc",
    "overdue",
)


def next_due():
    """The deadline that matters next: first contact until it happens, then resolution (as
    Case.next_due; a case whose customer wants no contact has no first-contact deadline)."""
    return sa.case(
        (
            Case.first_contact_at.is_(None) & Case.first_contact_due.is_not(None),
            Case.first_contact_due,
        ),
        else_=Case.resolve_due,
    )


@dataclass(frozen=True)
class QueueFilters:
    status: str = "active"  # "active": every status that needs work; "all"; or one status
    severity: str = ""
    overdue: bool = False
    q: str = ""
    rep: str = ""  # managers: "" everyone, "triage" nobody yet, or a rep's id
    contact: str = ""  # how the customer wants to be reached: contact.CONTACT_FILTERS

    def __post_init__(self):
        if self.status not in ("active", "all", *CASE_STATUSES):
            raise ValueError(f"unknown status filter {self.status!r}")
        if self.contact not in ("", *contact.CONTACT_FILTERS):
            raise ValueError(f"unknown contact filter {self.contact!r}")
        if self.severity not in ("", *SEVERITIES):
            raise ValueError(f"unknown severity filter {self.severity!r}")

    @property
    def by_deadline(self) -> bool:
        """Lists of cases that still need work are ordered by deadline; the others by age."""
        return self.status in ("active", *OPEN_STATUSES)

    def as_args(self) -> dict:
        """The filters as query arguments (for page links and the CSV link)."""
        args = {
            "status": self.status,
            "severity": self.severity,
            "q": self.q,
            "rep": self.rep,
            "contact": self.contact,
        }
        args = {key: value for key, value in args.items() if value}
        if self.overdue:
            args["overdue"] = "y"
        return args


def queue_query(user: User, filters: QueueFilters, now: datetime) -> sa.Select:
    """The cases `user` may see that match `filters`, in the order the queue shows them."""
    query = visible_cases_query(user)
    if filters.status == "active":
        query = query.where(Case.status.in_(OPEN_STATUSES))
    elif filters.status != "all":
        query = query.where(Case.status == filters.status)
    if filters.severity:
        query = query.where(Case.severity == filters.severity)
    if filters.overdue:
        query = query.where(Case.status.in_(CLOCK_RUNNING_STATUSES), next_due() < now)
    if filters.rep == "triage":
        query = query.where(Case.assigned_rep_id.is_(None))
    elif filters.rep.isdigit():
        query = query.where(Case.assigned_rep_id == int(filters.rep))
    if filters.q or filters.contact:
        query = contact.with_contact_sources(query)
    if filters.contact:
        query = query.where(contact.channel_column() == filters.contact)
    if filters.q:
        query = _search(query, filters.q)
    if filters.by_deadline:
        due = next_due()
        return query.order_by(due.is_(None), due, Case.id)
    return query.order_by(Case.created_at.desc(), Case.id.desc())


def _search(query: sa.Select, text: str) -> sa.Select:
    """Cases whose customer (name, email), order number or subject contains `text`, whose
    number it is ("#123"), or whose customer gave that phone number (contact.phone_matches;
    the complaint is joined by the caller).

    Written so that PostgreSQL uses the trigram indexes (models/search_indexes.py): one
    ILIKE per indexed column, each table searched on its own, the case ids of the matches
    gathered in a UNION, the scope applied by the outer query. An OR across joined tables
    would scan every customer and sale instead."""
    number = CASE_NUMBER.match(text)
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    pattern = f"%{escaped}%"

    def like(column):
        return column.ilike(pattern, escape="\\")

    customers = sa.select(Customer.id).where(sa.or_(like(Customer.name), like(Customer.email)))
    sales = sa.select(Sale.id).where(like(Sale.order_ref))
    ids = sa.union(
        sa.select(Case.id).where(Case.customer_id.in_(customers)),
        sa.select(Case.id).where(Case.sale_id.in_(sales)),
        sa.select(Case.id).where(like(Case.subject)),
    )
    matches = [Case.id.in_(ids)]
    if number:
        matches.append(Case.id == int(number.group(1)))
    phone = contact.phone_matches(text)
    if phone is not None:
        matches.append(phone)
    return query.where(sa.or_(*matches))


class QueuePage(SelectPagination):
    """A page of the queue in two short queries: the database sorts only the case ids (narrow
    rows, however long the customers' words) and counts them in the same pass (a window
    count, instead of a second scan for the total); then the page's cases are loaded with
    what their rows show."""

    def _query_items(self) -> list[Case]:
        select = self._query_args["select"]
        rows = db.session.execute(
            select.with_only_columns(Case.id, sa.func.count().over())
            .limit(self.per_page)
            .offset(self._query_offset)
        ).all()
        # No row on the first page: nothing matches, so no second pass to count (a search
        # that finds nothing would otherwise run twice). Past the end, count to show the pager.
        self._counted = rows[0][1] if rows else (0 if self._query_offset == 0 else None)
        ids = [case_id for case_id, _ in rows]
        if not ids:
            return []
        query = with_rows(sa.select(Case).where(Case.id.in_(ids)))
        cases = {case.id: case for case in db.session.scalars(query)}
        return [cases[case_id] for case_id in ids if case_id in cases]

    def _query_count(self) -> int:
        counted = getattr(self, "_counted", None)
        return counted if counted is not None else super()._query_count()


def queue_page(user: User, filters: QueueFilters, now: datetime, page: int, per_page: int):
    """One page of `user`'s queue, with the total count (a Flask-SQLAlchemy pagination)."""
    return QueuePage(
        select=queue_query(user, filters, now),
        session=db.session,
        page=max(1, min(page, MAX_PAGE)),
        per_page=per_page,
        error_out=False,
    )


def with_rows(query: sa.Select) -> sa.Select:
    """What each queue row shows, loaded with the cases (no query per row)."""
    return query.options(
        joinedload(Case.customer), joinedload(Case.sale), joinedload(Case.assigned_rep)
    )


def rep_choices(user: User) -> list[tuple[str, str]]:
    """Whose queue a manager may filter by, as (value, label): their reps, and triage."""
    reps = db.session.scalars(visible_reps_query(user).order_by(User.name, User.id))
    return [("", "Everyone"), ("triage", "Nobody yet (triage)")] + [
        (str(rep.id), rep.name) for rep in reps
    ]


def open_count(user: User) -> int:
    """Open cases in `user`'s queue: the figure next to "Cases" in the navigation."""
    query = (
        visible_cases_query(user)
        .where(Case.status.in_(OPEN_STATUSES))
        .with_only_columns(sa.func.count(Case.id))
        .order_by(None)
    )
    return db.session.scalar(query) or 0


def unanswered_replies(case_ids: list[int]) -> set[int]:
    """Of these cases, those whose latest word is the customer's: a reply nobody on the staff
    has acted on since (a note, a contact, an email all count as acting)."""
    if not case_ids:
        return set()
    latest_customer = (
        sa.select(CaseEvent.case_id, sa.func.max(CaseEvent.id).label("last"))
        .where(CaseEvent.case_id.in_(case_ids), CaseEvent.kind == "customer_message")
        .group_by(CaseEvent.case_id)
        .subquery()
    )
    latest_staff = (
        sa.select(CaseEvent.case_id, sa.func.max(CaseEvent.id).label("last"))
        .where(CaseEvent.case_id.in_(case_ids), CaseEvent.actor_kind == "staff")
        .group_by(CaseEvent.case_id)
        .subquery()
    )
    rows = db.session.execute(
        sa.select(latest_customer.c.case_id)
        .outerjoin(latest_staff, latest_staff.c.case_id == latest_customer.c.case_id)
        .where(sa.or_(latest_staff.c.last.is_(None), latest_staff.c.last < latest_customer.c.last))
    )
    return set(rows.scalars())


def queue_rows(user: User, filters: QueueFilters, now: datetime) -> Iterator[tuple]:
    """The queue as rows of EXPORT_COLUMNS, same scope and filters (read in batches: constant
    memory). Written by portal.csv_export, which guards every cell."""
    query = with_rows(queue_query(user, filters, now)).execution_options(yield_per=500)
    for case in db.session.scalars(query):
        due = case.next_due
        yield (
            case.id,
            case.status,
            case.severity,
            case.source,
            case.customer.name,
            case.customer.email,
            case.sale.order_ref if case.sale else "",
            case.assigned_rep.name if case.assigned_rep else "triage",
            f"{case.created_at:%Y-%m-%d %H:%M}",
            "first_contact" if case.awaits_first_contact else "resolve",
            f"{due:%Y-%m-%d %H:%M}" if due else "",
            "yes" if case.is_open and due is not None and due < now else "no",
        )
