"""The demo organisation behind `flask portal seed-demo`.

Three sales teams, a year of sales, survey answers in English and Swedish, and the cases
they opened, each with a timeline that really happened in that order. Everything is drawn
from one `random.Random(seed)` and placed relative to "now", so the same seed gives the
same organisation and the demo always looks current. All addresses end in `.example`
(RFC 2606): a worker running against the demo can never email a real person.

Written in one transaction: a failure leaves nothing behind, and a second run is refused
before anything is written.
"""

# ruff: noqa: E501  (the customer-text tables below; the formatter keeps the code within 100)

from __future__ import annotations

import random
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa

from portal.extensions import db
from portal.models import (
    Case,
    CaseEvent,
    CoachingNote,
    Customer,
    Goal,
    Sale,
    SlaPolicy,
    SurveyInvitation,
    SurveyResponse,
    Team,
    User,
)
from portal.models.case import OPEN_STATUSES
from portal.services.overview import is_overdue
from portal.services.setup import ensure_sla_policies
from portal.services.sla import deadlines_for
from portal.services.survey_schedule import first_send_time, get_policy, in_daytime, zone

DEMO_PASSWORD = "aftersale-demo"  # noqa: S105  (public on purpose: demo logins only)
STAFF_DOMAIN = "demo.aftersale.example"

# Content tables, one entry a line so they read like the lists they are (hence E501 above).
# fmt: off
# --- who works here -------------------------------------------------------------------------

ADMIN_NAME = "Helena Berg"
# team: (currency, SEK per unit of it, manager, reps). The first rep of the first team is
# the one the demo logs in as first: she gets the busy, partly overdue queue.
TEAMS = (
    ("Nordics", "SEK", 1, "Johan Lindqvist",
     ("Sara Nilsson", "Erik Johansson", "Emma Karlsson", "Oskar Andersson", "Linnea Svensson")),
    ("DACH", "EUR", 11.5, "Katrin Weber",
     ("Lukas Müller", "Anna Schmidt", "Felix Wagner", "Lena Fischer", "Jonas Becker")),
    ("UK & Ireland", "GBP", 13.5, "James O'Brien",
     ("Olivia Hughes", "Liam Murphy", "Charlotte Davies", "Thomas Wright", "Aoife Kelly")),
)
AWAY_REP, STAND_IN = "Felix Wagner", "Anna Schmidt"
INACTIVE_REP = "Thomas Wright"
LOGIN_REPS = ("Sara Nilsson", "Olivia Hughes", STAND_IN)

# --- who buys ---------------------------------------------------------------------------------

NAMES = {
    "en": (
        "Oliver Amelia George Isla Harry Ava Jack Mia Charlie Sophie Daniel Grace James Lily "
        "William Emily Thomas Chloe Samuel Ella Joseph Hannah Ryan Lucy Conor Niamh Sean Ciara",
        "Smith Jones Taylor Brown Williams Wilson Johnson Davies Robinson Wright Thompson Evans "
        "Walker White Roberts Green Hall Wood Jackson Clarke Byrne Ryan O'Connor Walsh McCarthy "
        "Doyle Patel Khan Campbell Stewart",
    ),
    "sv": (
        "Anna Erik Maria Lars Karin Anders Eva Johan Kristina Per Lena Mikael Sara Magnus Ingrid "
        "Fredrik Elin Henrik Malin Niklas Sofia Björn Ida Jonas Åsa Gustav Maja Oskar Linnea",
        "Andersson Johansson Karlsson Nilsson Eriksson Larsson Olsson Persson Svensson Gustafsson "
        "Pettersson Jonsson Hansson Bengtsson Lindberg Lindström Lindqvist Berg Sjöberg Holm "
        "Engström Ekström Forsberg Sandberg Lundgren Håkansson Åberg Wallin Björk",
    ),
    "de": (
        "Lukas Sophie Maximilian Hannah Paul Leonie Jan Laura Tobias Julia Stefan Katharina "
        "Florian Sabine Matthias Nina",
        "Müller Schmidt Schneider Fischer Weber Meyer Wagner Becker Hoffmann Schulz Koch Richter "
        "Klein Wolf Schröder Huber Gruber Baumann",
    ),
    "nordic": (
        "Mikko Ingrid Mads Aino Sindre Freja Jukka Sigrid",
        "Virtanen Hansen Jørgensen Korhonen Haugen Nielsen Mäkinen Berntsen",
    ),
}
DOMAINS = {  # (private mail, companies)
    "sv": ("post.example mejl.example bredband.example",
           "nordkontor.example kvarnenfastigheter.example skargardsmobler.example lundsredovisning.example"),
    "en": ("mailbox.example inbox.example postmail.example",
           "harbourdesign.example brightdental.example oakleyaccounts.example northgatelaw.example"),
    "de": ("webpost.example mailhaus.example",
           "architekten-weber.example praxis-am-see.example steuerkanzlei-graf.example"),
    "nordic": ("mailbox.example", "fjordconsulting.example helsinkidesign.example"),
}

ZONES_DACH = ("Europe/Berlin", "Europe/Berlin", "Europe/Vienna", "Europe/Zurich")
ZONES_NORDIC = ("Europe/Helsinki", "Europe/Oslo", "Europe/Copenhagen")
# name, price in SEK
CATALOGUE = (
    ("Ergonomic office chair Kontur", 4490), ("Office chair Kontur Pro with headrest", 6290),
    ("Height-adjustable desk Lyft 160x80", 7990), ("Height-adjustable desk Lyft 140x70", 6990),
    ("Conference table Fjord 240 cm", 18500), ("Meeting chair Ek, set of 4", 6400),
    ("Acoustic screen Tyst 120 cm", 3290), ("Acoustic wall panels, set of 6", 5900),
    ("Bookcase Oslo, oak veneer", 2890), ("Lockable storage cabinet Valv", 5450),
    ("Pedestal drawer unit, 3 drawers", 2350), ("Dual monitor arm Duo", 1490),
    ("Task lamp Ljus LED", 890), ("Lounge sofa Vik, 3-seat", 14900),
    ("Phone booth Kvist, 1 person", 49000), ("Mobile whiteboard 200x120", 3950),
    ("Anti-fatigue standing mat", 690), ("Reception desk Hall", 24500),
    ("Footrest Vila", 450), ("Coat stand Krok", 1190),
)

# --- what customers write ----------------------------------------------------------------------
# (comment, why it reads that way); negative ones also carry the severity of the case they open
# and what it is about (the topic of the staff notes on it).

POSITIVE = {
    "en": (
        ("Great service from start to finish. The desks look fantastic in the new office.", ["praise: service"]),
        ("Delivered on time and the fitters were quick and tidy.", ["praise: delivery", "praise: fitters"]),
        ("Really happy with the chairs, my back pain is gone!", ["praise: product"]),
        ("Very helpful sales rep, answered all my questions.", ["praise: sales rep"]),
        ("Smooth ordering, quick delivery. Will order again.", ["praise: delivery", "intent: buy again"]),
        ("Excellent quality, worth every penny.", ["praise: quality"]),
        ("The whole team loves the new meeting room furniture.", ["praise: product"]),
        ("Quick quote, fair price and no surprises.", ["praise: price"]),
        ("Perfect, exactly as described.", ["praise: product"]),
        ("10/10 would recommend to other offices.", ["praise: recommend"]),
        ("Arrived a day early and assembly took ten minutes.", ["praise: delivery"]),
        ("Good advice on the acoustic panels, the open office is so much quieter now.", ["praise: advice"]),
    ),
    "sv": (
        ("Snabb leverans och stolen är jättebekväm. Rekommenderar!", ["beröm: leverans", "beröm: produkt"]),
        ("Allt fungerade smidigt, från beställning till montering.", ["beröm: hela köpet"]),
        ("Mycket nöjd med skrivbordet, bra kvalitet för priset.", ["beröm: kvalitet"]),
        ("Trevligt bemötande av säljaren, kändes seriöst hela vägen.", ["beröm: säljare"]),
        ("Montören var punktlig och städade efter sig. Toppen!", ["beröm: montering"]),
        ("Bra rådgivning, vi fick precis det kontor vi ville ha.", ["beröm: rådgivning"]),
        ("Smidigt och enkelt. Handlar gärna igen.", ["avsikt: handla igen"]),
        ("Leveransen kom en dag tidigare än utlovat, perfekt.", ["beröm: leverans"]),
        ("Kvaliteten överträffade förväntningarna.", ["beröm: kvalitet"]),
        ("Tack för snabb hjälp med offerten!", ["beröm: service"]),
    ),
}
NEUTRAL = {
    "en": (
        ("Product is fine, delivery took a bit longer than expected.", ["mixed: delivery time"]),
        ("OK overall. Assembly instructions could be clearer.", ["mixed: instructions"]),
        ("Decent chair, a bit pricey for what it is.", ["mixed: price"]),
        ("Good desk but the cable tray was missing from the box, sorted now.", ["mixed: missing part"]),
        ("Nothing special, does the job.", ["neutral wording"]),
        ("Took a while to get a delivery slot but the product is good.", ["mixed: delivery time"]),
        ("Colour slightly different from the website.", ["mixed: colour"]),
    ),
    "sv": (
        ("Bra produkt men leveransen tog lite längre tid än utlovat.", ["blandat: leveranstid"]),
        ("Helt okej. Monteringsanvisningen kunde varit tydligare.", ["blandat: anvisning"]),
        ("Stolen är bra men färgen var ljusare än på bilden.", ["blandat: färg"]),
        ("Fungerar som den ska, inget mer att säga.", ["neutral ton"]),
        ("Lite dyrt, men kvaliteten verkar bra.", ["blandat: pris"]),
        ("Fick vänta på svar om leveransdatum men det löste sig.", ["blandat: svarstid"]),
    ),
}
NEGATIVE = {
    "en": (
        ("Still waiting for my refund. Nobody answers my emails.", ["refund not received", "no reply"], "high", "billing"),
        ("Third time I call about this. Nobody calls back.", ["repeated contact", "no reply"], "high", "service"),
        ("The desk arrived damaged and the replacement is now 3 weeks late.", ["damaged", "late replacement"], "normal", "product"),
        ("Wrong item delivered and I had to chase it myself.", ["wrong item"], "normal", "delivery"),
        ("The chair's gas lift failed after two weeks. Very disappointed.", ["product fault"], "normal", "product"),
        ("Invoice doesn't match the quote, we were overcharged.", ["billing error"], "normal", "billing"),
        ("Fitters never showed up and no one told us.", ["missed appointment"], "high", "service"),
        ("Terrible communication, found out about the delay on the day of delivery.", ["late delivery", "poor communication"], "normal", "delivery"),
        ("Missing parts and customer service keeps promising they're 'on their way'.", ["missing parts"], "normal", "delivery"),
        ("The motor on the standing desk is making a grinding noise already.", ["product fault"], "low", "product"),
        ("the backrest snapped when my colleague leaned back. someone could have been hurt", ["safety", "product fault"], "critical", "product"),
        ("Overpriced and the quality is poor. Won't buy again.", ["quality", "churn risk"], "normal", "product"),
        ("Sales rep promised 5 day delivery, it took 5 weeks.", ["late delivery", "broken promise"], "normal", "delivery"),
        ("Cancelled my order a month ago and I've still been charged.", ["billing error"], "high", "billing"),
    ),
    "sv": (
        ("Levereansen var sen och ingen svarade när jag ringde.", ["sen leverans", "inget svar"], "normal", "delivery"),
        ("Väntar fortfarande på min återbetalning, det har gått tre veckor.", ["återbetalning saknas"], "high", "billing"),
        ("Skrivbordet kom med en stor repa i skivan. Mycket besviken.", ["skadad vara"], "normal", "product"),
        ("Tredje gången jag ringer och ingen ringer tillbaka.", ["upprepad kontakt", "inget svar"], "high", "service"),
        ("Fel färg levererades och nu får vi vänta sex veckor till.", ["fel vara", "försening"], "normal", "delivery"),
        ("Höj- och sänkfunktionen slutade fungera efter två veckor.", ["produktfel"], "normal", "product"),
        ("Fakturan stämmer inte med offerten, vi har betalat för mycket.", ["fel på faktura"], "normal", "billing"),
        ("Montörerna kom aldrig och ingen hörde av sig.", ["missad montering"], "high", "service"),
        ("Ryggstödet lossnade när jag satt i stolen. Det kunde gått riktigt illa.", ["säkerhet", "produktfel"], "critical", "product"),
        ("Dålig service. Ingen tar ansvar.", ["dålig service"], "normal", "service"),
        ("Delar saknades i paketet och vi har fortfarande inte fått dem.", ["saknade delar"], "low", "delivery"),
        ("Usel kommunikation, vi fick veta om förseningen först på leveransdagen.", ["försening", "dålig kommunikation"], "normal", "delivery"),
    ),
}
FOLLOW_UP = {  # (resolved_concern, locale): comments on "did this fix it?"
    (True, "en"): ("Thanks for sorting it out so quickly.", "All good now, appreciate the call.",
                   "Replacement arrived and works perfectly.", None),
    (False, "en"): ("Still not fixed. The new one has the same problem.",
                    "Refund still hasn't arrived.", "Nobody followed up after the first call."),
    (True, "sv"): ("Tack, nu fungerar allt!", "Bra att ni ringde upp, problemet är löst.", None),
    (False, "sv"): ("Fortfarande inget löst.", "Pengarna har inte kommit än."),
}
COMPLAINTS = {  # category, subject, description, severity
    "en": (
        ("delivery", "Order not delivered", "We were promised delivery last Tuesday. Nothing has arrived and the tracking link shows nothing. We have staff starting Monday with no desks.", "high"),
        ("product", "Standing desk motor failed", "The motor on one of our standing desks stopped working after 3 weeks. It's stuck at the lowest height.", "normal"),
        ("billing", "Charged twice", "My card was charged twice for the same order. Please refund the duplicate payment.", "high"),
        ("product", "Chair backrest broke", "The backrest came loose while I was sitting in it. I could have been injured. Please collect all six chairs.", "critical"),
        ("service", "No reply to my emails", "I've emailed three times about the missing shelves and had no answer.", "normal"),
        ("delivery", "Damaged in transit", "The cabinet arrived with a dented door. The driver left before we could check it.", "normal"),
        ("other", "Wrong colour", "We ordered anthracite but received light grey. Not urgent but we'd like it swapped.", "low"),
        ("billing", "Invoice address wrong", "The invoice has our old address so our accounts team can't pay it. Please reissue.", "low"),
    ),
    "sv": (
        ("delivery", "Leveransen har inte kommit", "Vi skulle få leveransen i torsdags men ingenting har hänt. Ingen svarar i telefon.", "high"),
        ("product", "Trasigt skrivbord", "Skivan på skrivbordet har en spricka längs kanten. Den var så redan när vi packade upp den.", "normal"),
        ("billing", "Fel belopp på fakturan", "Fakturan är 4 000 kr högre än offerten vi godkände. Vänligen skicka en ny.", "normal"),
        ("product", "Stolen gick sönder", "Ryggstödet lossnade när min kollega satt i stolen. Hon föll nästan baklänges. Vi vill att ni hämtar alla stolar.", "critical"),
        ("service", "Ingen återkoppling", "Jag har ringt tre gånger om monteringen och ingen ringer tillbaka.", "normal"),
        ("other", "Saknade skruvar", "Det saknas skruvar till två av hyllorna. Inte bråttom men skicka gärna.", "low"),
        ("delivery", "Fel produkt levererad", "Vi beställde höj- och sänkbara skrivbord men fick vanliga. Vi behöver rätt skrivbord snarast.", "high"),
    ),
}

# --- what staff write ----------------------------------------------------------------------------

# What staff write on a case, by what it is about: first contact, internal notes, and the
# resolution summaries by outcome (only outcomes that make sense for the topic).
TOPIC_OF_CATEGORY = {"delivery": "delivery", "product": "product", "billing": "billing",
                     "service": "service", "other": "product"}
STAFF_NOTES = {
    "delivery": (
        ("Called {first}: apologised for the delay and confirmed a new delivery date.",
         "Emailed {first} the carrier's tracking details and a new delivery window."),
        ("Carrier confirms the parcel was held at their depot; it goes out tomorrow.",
         "Warehouse had the order on hold for one missing item; released today."),
        {"explanation": ("Order delivered; explained what held it up.",),
         "discount": ("Delivered, with 10% off the order for the wait.",),
         "refund": ("Refunded the delivery charge for the late delivery.",),
         "replacement": ("Re-sent the order by express; delivered the next day.",)},
    ),
    "product": (
        ("Spoke to {first} on the phone; asked for photos of the problem.",
         "Called {first}: agreed we send a replacement this week."),
        ("Supplier acknowledges a faulty batch of gas lifts; asked them for a credit.",
         "Technician booked for Thursday to look at it on site."),
        {"replacement": ("Replacement sent and fitted by our technician.",
                         "New tabletop delivered and swapped on site."),
         "refund": ("Refunded the faulty item; the customer keeps the rest of the order.",),
         "discount": ("Customer keeps the item with 20% off.",),
         "no_action": ("Customer could not be reached after three attempts.",)},
    ),
    "billing": (
        ("Called {first} and went through the invoice line by line.",
         "Emailed {first}: confirmed the error is ours and a correction is on its way."),
        ("Finance confirms the refund was paid; it shows within five days.",
         "Asked finance to reissue the invoice."),
        {"refund": ("Refunded the overcharged amount.",
                    "Refunded the duplicate payment and apologised."),
         "explanation": ("Went through the invoice: the quote excluded assembly. Customer agreed.",
                         "Reissued the invoice with the right address.")},
    ),
    "service": (
        ("Called {first} back the same day and apologised for the missed calls.",
         "Left a voicemail and emailed {first} my direct number."),
        ("Fitters' team lead says the booking was lost; rebooked for Thursday.",
         "Asked the team to log every callback request on the case."),
        {"explanation": ("Fitters came on the rebooked date; apologised for the missed visit.",),
         "discount": ("Voucher for the next order as an apology, accepted by the customer.",),
         "no_action": ("Customer withdrew the complaint after the call.",)},
    ),
}
OUTCOME_WEIGHTS = {"explanation": 30, "replacement": 25, "refund": 20, "discount": 20, "no_action": 5}
COACHING = (  # rep, days ago, what their manager wrote
    ("Sara Nilsson", 3, "You have first contacts past the deadline this week. Block half an hour "
     "after lunch for the case queue, before any new calls."),
    ("Lukas Müller", 38, "The critical chair complaint was first contacted after the two-hour "
     "deadline. Critical cases come first, whatever else is on the list."),
    ("Olivia Hughes", 10, "Your answers are among the best in the team. Keep writing the short "
     "thank-you emails after delivery, customers mention them."),
    ("Emma Karlsson", 35, "When a delivery slips, call before the customer notices: most "
     "complaints this quarter started with 'nobody told us'."),
    ("Anna Schmidt", 2, "Thanks for covering Felix's customers. Log internal notes as you go, "
     "so he can see what was promised when he is back."),
    ("Liam Murphy", 15, "Refund cases take longest to close. Loop in finance on day one, not "
     "when the customer chases."),
)

# fmt: on

SEVERITY_BY_SATISFACTION = {1: "high", 2: "normal"}
SATISFACTION_WEIGHTS = (5, 7, 13, 30, 45)  # 1..5 before a rep's own skill shifts them
RECOMMEND = {  # satisfaction: (values, weights) for "how likely to recommend", 0-10
    5: ((10, 9, 8), (55, 35, 10)),
    4: ((10, 9, 8, 7, 6), (15, 30, 33, 18, 4)),
    3: ((8, 7, 6, 5, 4), (10, 30, 35, 15, 10)),
    2: ((6, 5, 4, 3, 2), (15, 25, 25, 20, 15)),
    1: ((3, 2, 1, 0), (20, 30, 25, 25)),
}
ANSWER_RATE = 0.44
FOLLOW_UP_DELAY = timedelta(days=2)
SWEEP = timedelta(minutes=5)  # how late the periodic sweep notices a passed deadline
NEVER = timedelta(days=100_000)  # in a script: "has not happened yet"
NEVER_AT = datetime.max.replace(tzinfo=UTC)
SECOND = timedelta(seconds=1)
UNANALYSED = 3  # the newest answers, still waiting for the analysis job


class DemoSeedError(Exception):
    """The demo cannot be seeded here (the CLI prints the message and exits 1)."""


@dataclass
class DemoSummary:
    counts: dict[str, int]
    case_statuses: dict[str, int]
    logins: list[tuple[str, str]]

    def describe(self) -> str:
        c, s = self.counts, self.case_statuses
        statuses = ", ".join(
            f"{s.get(name, 0)} {name}"
            for name in ("open", "contacted", "resolved", "closed", "reopened")
        )
        return "\n".join((
            f"Demo organisation created (seed {c['seed']}):",
            f"  staff: 1 admin, {c['managers']} managers, {c['reps']} reps "
            f"in {c['teams']} teams",
            f"  customers: {c['customers']} ({c['swedish']} Swedish-speaking, "
            f"{c['unsubscribed']} unsubscribed, {c['bounced']} bounced)",
            f"  sales: {c['sales']} over the last 12 months",
            f"  surveys: {c['invitations']} post-sale invitations, {c['answers']} answered "
            f"(NPS {c['nps']:+d}); {c['follow_ups']} follow-ups, "
            f"{c['follow_up_answers']} answered",
            f"  cases: {c['cases']} ({statuses}); {c['triage']} in triage, "
            f"{c['overdue']} overdue",
            f"  goals: {c['goals']}, coaching notes: {c['notes']}",
        ))  # fmt: skip


def seed_demo(
    customers: int = 500, sales: int = 3000, seed: int = 7, *, now: datetime | None = None
) -> DemoSummary:
    """Create the demo organisation in one transaction. Refuses if the demo staff exist."""
    if customers < 30 or sales < customers:
        raise DemoSeedError("Use at least 30 customers and at least as many sales as customers.")
    taken = db.session.scalar(
        sa.select(User.email).where(User.email.like(f"%@{STAFF_DOMAIN}")).limit(1)
    )
    if taken:
        raise DemoSeedError(
            f"The demo organisation is already here ({taken} exists): nothing was added. "
            "Use an empty database, or --if-empty to skip seeding when there are users."
        )
    ensure_sla_policies()
    get_policy()  # the survey policy row, committed like the SLA defaults
    now = (now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    try:
        summary = _Demo(random.Random(seed), now).build(customers, sales, seed)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return summary


# --- the builder --------------------------------------------------------------------------------


@dataclass(eq=False)
class _Team:
    team: Team
    manager: User
    currency: str
    sek_rate: float
    reps: list[_Rep] = field(default_factory=list)


@dataclass(eq=False)
class _Rep:
    user: User
    team: _Team
    skill: float  # -0.4 .. 0.6: shifts how satisfied their customers are
    left_at: datetime | None = None
    away_from: datetime | None = None

    def working(self, at: datetime) -> bool:
        if self.left_at is not None and at >= self.left_at:
            return False
        return not (self.away_from is not None and self.away_from <= at < self.user.away_until)


@dataclass(eq=False)
class _Buyer:
    customer: Customer
    locale: str
    team: _Team
    owner: _Rep
    fate: str | None = None  # "unsubscribe" or "bounce", at one of their surveys
    last_surveyed: datetime | None = None
    sales: list[_SaleRow] = field(default_factory=list)


@dataclass(eq=False)
class _SaleRow:
    sale: Sale
    buyer: _Buyer
    rep: _Rep


@dataclass(eq=False)
class _Answer:
    invitation: SurveyInvitation
    row: _SaleRow
    severity: str | None = None  # what the comment says about urgency,
    topic: str | None = None  # and what it is about
    analysed: bool = True


def _slug(text: str) -> str:
    text = text.lower().replace("ü", "ue").replace("ß", "ss").replace("ø", "o").replace("æ", "ae")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in text if ch.isalnum() or ch == "-")


class _Demo:
    def __init__(self, rng: random.Random, now: datetime):
        self.rng = rng
        self.now = now
        self.policies = {p.severity: p for p in db.session.scalars(sa.select(SlaPolicy))}
        self.survey_policy = get_policy()
        self.admin: User | None = None
        self.teams: list[_Team] = []
        self.reps: dict[str, _Rep] = {}
        self.buyers: list[_Buyer] = []
        self.sale_rows: list[_SaleRow] = []
        self.invitations: list[SurveyInvitation] = []
        self.follow_ups: list[tuple[SurveyInvitation, Case]] = []
        self.cases: list[Case] = []

    # -- helpers ----------------------------------------------------------------------------------
    def _time(self, lo: datetime, hi: datetime, hours: tuple[int, int] = (7, 20)) -> datetime:
        """A moment in [lo, hi], at a waking hour when there is one: people sleep at night."""
        if hi <= lo:
            return lo
        span = (hi - lo).total_seconds()
        for _ in range(12):
            at = lo + timedelta(seconds=int(self.rng.random() * span))
            if hours[0] <= at.hour < hours[1]:
                break
        return at

    def _staff_time(self, start: datetime, due: datetime) -> datetime:
        """When staff act on something due at `due`: mostly in time, sometimes late."""
        if due > start + timedelta(minutes=15) and self.rng.random() < 0.85:
            return self._time(start + timedelta(minutes=5), due - timedelta(minutes=5))
        late = max(due, start) + timedelta(minutes=10)
        return self._time(late, late + max(due - start, timedelta(hours=2)) * 1.5)

    def _choice(self, weights: dict):
        return self.rng.choices(list(weights), weights=list(weights.values()))[0]

    # -- the whole organisation -------------------------------------------------------------------
    def build(self, n_customers: int, n_sales: int, seed: int) -> DemoSummary:
        self._staff()
        self._customers(n_customers)
        self._sales(n_sales)
        answers = self._post_sale_surveys()
        db.session.add_all([b.customer for b in self.buyers])
        db.session.add_all([row.sale for row in self.sale_rows])
        db.session.add_all(self.invitations)  # their answers come along
        db.session.flush()
        self._survey_cases(answers)
        self._form_cases(max(3, n_sales // 60), within=timedelta(days=365))
        # Busier lately: enough open work on every rep's and manager's page.
        self._form_cases(max(4, n_sales // 150), within=timedelta(days=14))
        self._scripted_cases()
        db.session.add_all(self.cases)  # their events come along
        db.session.flush()
        for invitation, case in self.follow_ups:
            invitation.case_id = case.id
        db.session.add_all([inv for inv, _case in self.follow_ups])
        goals, notes = self._goals(), self._coaching_notes()
        db.session.add_all(goals + notes)
        self._last_surveyed()
        db.session.flush()
        return self._summary(seed, answers, len(goals), len(notes))

    def _staff(self) -> None:
        rng, now = self.rng, self.now
        staff = []
        # One scrypt hash serves every demo account: they share the one demo password.
        hashed = User()
        hashed.set_password(DEMO_PASSWORD)

        def person(name: str, role: str, **fields) -> User:
            first, last = name.split(" ", 1)
            user = User(
                email=f"{_slug(first)}.{_slug(last)}@{STAFF_DOMAIN}",
                name=name,
                role=role,
                created_at=now - timedelta(days=rng.randint(400, 900)),
                **fields,
            )
            user.password_hash = hashed.password_hash
            staff.append(user)
            return user

        self.admin = person(ADMIN_NAME, "admin")
        for name, currency, rate, manager_name, rep_names in TEAMS:
            team = Team(
                name=name,
                created_at=now - timedelta(days=950),
                timezone=TEAM_ZONES[currency],
            )
            info = _Team(team, person(manager_name, "manager", team=team), currency, rate)
            for rep_name in rep_names:
                rep = _Rep(person(rep_name, "rep", team=team), info, rng.uniform(-0.4, 0.6))
                info.reps.append(rep)
                self.reps[rep_name] = rep
            self.teams.append(info)
        self.reps[LOGIN_REPS[0]].skill = -0.3  # the busy queue belongs to a rep still learning
        away = self.reps[AWAY_REP]
        away.user.away_until = (now + timedelta(days=9)).replace(hour=6, minute=0, second=0)
        away.away_from = now - timedelta(days=5)
        away.user.stand_in = self.reps[STAND_IN].user
        leaver = self.reps[INACTIVE_REP]
        leaver.left_at = now - timedelta(days=95)
        leaver.user.active = False
        db.session.add_all(staff)
        db.session.flush()
        for info in self.teams:
            info.team.lead_id = info.manager.id

    def _customers(self, n: int) -> None:
        rng, used = self.rng, set()
        nordics, dach, uk = self.teams
        for _ in range(n):
            if rng.random() < 0.3:
                locale, names, team = "sv", "sv", nordics
            else:
                locale, team = "en", self._choice({nordics: 10, dach: 45, uk: 45})
                german = rng.random() < 0.7
                names = "nordic" if team is nordics else "de" if team is dach and german else "en"
            first, last = (rng.choice(part.split()) for part in NAMES[names])
            private, company = (d.split() for d in DOMAINS[names])
            domain = rng.choice(private if rng.random() < 0.65 else company)
            local, k = f"{_slug(first)}.{_slug(last)}", 1
            while f"{local}@{domain}" in used:
                local, k = f"{_slug(first)}.{_slug(last)}{k + 1}", k + 1
            used.add(f"{local}@{domain}")
            customer = Customer(email=f"{local}@{domain}", name=f"{first} {last}", locale=locale)
            # NULL: the usual zone of the locale (Stockholm, London), as most customers have.
            zones = {dach: ZONES_DACH, nordics: ZONES_NORDIC if locale == "en" else (None,)}
            customer.timezone = rng.choice(zones.get(team, (None,)))
            owners = (
                [r for r in team.reps if r.left_at is None] if rng.random() < 0.8 else team.reps
            )
            self.buyers.append(_Buyer(customer, locale, team, rng.choice(owners)))
        for fate, share in (("unsubscribe", 0.02), ("bounce", 0.015)):
            for buyer in rng.sample(self.buyers, max(2, round(n * share))):
                buyer.fate = buyer.fate or fate

    def _sold_at(self) -> datetime:
        rng = self.rng
        days_ago = int(365 * rng.random() ** 1.15)  # the business grows: more recent sales
        day = (self.now - timedelta(days=days_ago)).replace(hour=0, minute=0, second=0)
        if day.weekday() >= 5 and rng.random() < 0.8:
            day -= timedelta(days=day.weekday() - 4)  # most weekend orders are Friday's
        at = day + timedelta(minutes=rng.randint(7 * 60, 17 * 60))
        return at if at < self.now - timedelta(minutes=30) else at - timedelta(days=1)

    def _sales(self, n: int) -> None:
        rng = self.rng
        weights = [rng.paretovariate(1.6) for _ in self.buyers]  # a few buy again and again
        who = list(self.buyers) + rng.choices(self.buyers, weights=weights, k=n - len(self.buyers))
        rng.shuffle(who)
        per_year = Counter()
        # The newest few are from the last two days: their surveys are not due yet.
        newest = [self._time(self.now - timedelta(hours=46), self.now - timedelta(hours=1))
                  for _ in range(3)]  # fmt: skip
        times = sorted([self._sold_at() for _ in range(n - 3)] + newest)
        for buyer, sold_at in zip(who, times, strict=True):
            rep = buyer.owner if rng.random() < 0.8 else rng.choice(buyer.team.reps)
            if not rep.working(sold_at):
                rep = rng.choice([r for r in buyer.team.reps if r.working(sold_at)])
            name, sek = rng.choice(CATALOGUE)
            qty = (
                1
                if rng.random() < 0.55
                else max(1, min(rng.choice((2, 4, 6, 8, 12, 20)), 60_000 // sek))
            )
            unit = Decimal(round(sek / buyer.team.sek_rate))
            discount = rng.choice((0, 5, 10, 15)) if qty >= 6 else 0
            per_year[sold_at.year] += 1
            sale = Sale(
                order_ref=f"SO-{sold_at.year}-{per_year[sold_at.year] + 100:06d}",
                customer=buyer.customer,
                rep=rep.user,
                currency=buyer.team.currency,
                amount=(unit * qty * (100 - discount) / 100).quantize(Decimal("0.01")),
                product=name if qty == 1 else f"{name} ({qty} pcs)",
                sold_at=sold_at,
                created_at=sold_at + timedelta(minutes=rng.randint(20, 90)),
            )
            row = _SaleRow(sale, buyer, rep)
            buyer.sales.append(row)
            self.sale_rows.append(row)
        for buyer in self.buyers:
            buyer.customer.created_at = buyer.sales[0].sale.created_at

    # -- surveys --------------------------------------------------------------------------------
    def _deliver(self, inv: SurveyInvitation, buyer: _Buyer, answer_after: timedelta | None,
                 post_sale: bool) -> str:  # fmt: skip
        """Play the survey dispatcher on one invitation, and the customer after it.

        Mirrors portal/services/survey_dispatch.py: skipped when unsubscribed, bounced or
        within the survey budget; a refused address is a hard bounce; reminders and the
        answer come in the customer's daytime. `answer_after` (from sending): when the
        customer would answer, None if never. Returns "waiting" (not sent yet), "skipped",
        "bounced", "failed", "sent" or "answered"."""
        rng, now, policy, customer = self.rng, self.now, self.survey_policy, buyer.customer
        at = inv.scheduled_for + timedelta(seconds=rng.randint(5, 60))  # the next tick
        if at > now:
            return "waiting"
        cutoff = at - timedelta(days=policy.budget_days)
        reason = (
            "unsubscribed" if customer.unsubscribed_at and customer.unsubscribed_at <= at
            else "bounced" if customer.bounced_at and customer.bounced_at <= at
            else "budget" if post_sale and buyer.last_surveyed and buyer.last_surveyed > cutoff
            else None
        )  # fmt: skip
        if reason:
            inv.skipped_at, inv.skip_reason = at, reason
            return "skipped"
        if buyer.fate == "bounce":
            inv.bounced_at = inv.skipped_at = customer.bounced_at = at
            inv.skip_reason, inv.last_error = "bounced", "address refused (550); marked bounced"
            return "bounced"
        if post_sale and rng.random() < 0.004 and at + timedelta(hours=3) <= now:
            inv.send_attempts, inv.failed_at = 5, at + timedelta(minutes=162)  # the backoffs
            inv.last_error = "SMTPServerDisconnected: Connection unexpectedly closed"
            return "failed"
        inv.sent_at, inv.send_attempts = at, 1
        inv.expires_at = at + timedelta(days=policy.link_expiry_days)
        buyer.last_surveyed = at
        tz = zone(customer.timezone, customer.locale)
        answered = None
        if answer_after is not None:
            answered = self._time(
                at + answer_after, at + answer_after + timedelta(hours=3), (7, 23)
            )
            # Not yet (or never: the link expired first); a second's margin keeps the
            # follow-up's own events in the past.
            answered = answered if answered < min(now - SECOND, inv.expires_at) else None
        if policy.reminder_after_days:
            due = at + timedelta(days=policy.reminder_after_days, seconds=rng.randint(5, 60))
            reminded = in_daytime(due, tz, policy)
            if reminded <= now and (answered is None or answered > reminded):
                inv.reminded_at = reminded
        if answered is None:
            if rng.random() < 0.3:
                inv.opened_at = self._time(at, min(now, inv.expires_at))
            return "sent"
        inv.answered_at, inv.opened_at = answered, answered - timedelta(minutes=rng.randint(1, 8))
        return "answered"

    def _post_sale_surveys(self) -> list[_Answer]:
        rng, now, policy = self.rng, self.now, self.survey_policy
        answers = []
        for row in self.sale_rows:  # oldest first: the budget and unsubscribes work forwards
            buyer, sale = row.buyer, row.sale
            tz = zone(buyer.customer.timezone, buyer.locale)
            inv = SurveyInvitation(kind="post_sale", customer=buyer.customer, sale=sale,
                                   scheduled_for=first_send_time(sale.sold_at, tz, policy),
                                   created_at=sale.created_at)  # fmt: skip
            self.invitations.append(inv)
            answer_after = None
            if rng.random() < ANSWER_RATE:
                soon = rng.random() < 0.65  # else only after the reminder
                days = 0 if soon else policy.reminder_after_days or 4
                answer_after = timedelta(days=days, minutes=rng.randint(10, 48 * 60))
            state = self._deliver(inv, buyer, answer_after, post_sale=True)
            if state == "answered":
                answers.append(_Answer(inv, row))
            elif state == "sent" and buyer.fate == "unsubscribe" and rng.random() < 0.5:
                left = (inv.opened_at or inv.sent_at) + timedelta(minutes=rng.randint(1, 30))
                if left <= now and buyer.customer.unsubscribed_at is None:
                    inv.unsubscribed_at = buyer.customer.unsubscribed_at = left
        # The newest answers came in minutes ago: the analysis job has not run on them yet.
        answers.sort(key=lambda a: a.invitation.answered_at)
        fresh = [
            a
            for a in answers
            if a.invitation.sent_at < now - timedelta(hours=2) and a.invitation.expires_at > now
        ]
        for k, answer in enumerate(reversed(fresh[-UNANALYSED:])):
            inv, answer.analysed = answer.invitation, False
            inv.answered_at = now - timedelta(minutes=3 + 11 * k)
            inv.opened_at = inv.answered_at - timedelta(minutes=2)
            if inv.reminded_at and inv.reminded_at > inv.answered_at:
                inv.reminded_at = None
        answers.sort(key=lambda a: a.invitation.answered_at)
        for answer in answers:
            self._answer(answer)
        return answers

    def _answer(self, answer: _Answer) -> None:
        rng, inv, skill = self.rng, answer.invitation, answer.row.rep.skill
        w = SATISFACTION_WEIGHTS
        weights = (
            w[0] * (1 - 0.7 * skill),
            w[1] * (1 - 0.6 * skill),
            w[2] * (1 - 0.3 * skill),
            w[3],
            w[4] * (1 + 0.5 * skill),
        )
        satisfaction = rng.choices(range(1, 6), weights=weights)[0]
        label = "negative" if satisfaction <= 2 else "neutral" if satisfaction == 3 else "positive"
        pool, chance = {
            "negative": (NEGATIVE, 0.85),
            "neutral": (NEUTRAL, 0.55),
            "positive": (POSITIVE, 0.4),
        }[label]
        entry = rng.choice(pool[answer.row.buyer.locale]) if rng.random() < chance else None
        inv.response = SurveyResponse(
            satisfaction=satisfaction,
            recommend=rng.choices(*RECOMMEND[satisfaction])[0],
            comment=entry[0] if entry else None,
            submitted_at=inv.answered_at,
            may_contact=rng.random() < (0.7 if label == "negative" else 0.3),
        )
        if entry and len(entry) > 2:
            answer.severity, answer.topic = entry[2], entry[3]
        if answer.analysed:
            self._analyse(inv.response, label, entry[1] if entry else [])

    def _analyse(self, response: SurveyResponse, label: str, reasons: list[str]) -> None:
        low, high = {"negative": (-0.95, -0.3), "neutral": (-0.1, 0.2), "positive": (0.35, 0.95)}[
            label
        ]
        response.sentiment_label = label
        response.sentiment_polarity = round(self.rng.uniform(low, high), 2)
        response.sentiment_reasons = [
            f"satisfaction {response.satisfaction} of 5",
            f"recommend {response.recommend} of 10",
            *reasons,
        ]
        response.analysed_at = response.submitted_at + timedelta(seconds=self.rng.randint(2, 40))

    # -- cases ------------------------------------------------------------------------------------
    def _survey_cases(self, answers: list[_Answer]) -> None:
        for answer in answers:
            response, row = answer.invitation.response, answer.row
            if response.sentiment_label != "negative":
                continue
            case = Case(
                source="survey",
                customer_id=row.buyer.customer.id,
                sale_id=row.sale.id,
                response_id=response.id,
                satisfaction_before=response.satisfaction,
                severity=answer.severity or SEVERITY_BY_SATISFACTION[response.satisfaction],
            )
            said = (
                f"Opened from a post-sale survey answer (satisfaction {response.satisfaction}/5)."
            )
            topic = answer.topic or self.rng.choice(list(STAFF_NOTES))  # a rating, no words
            opened = response.analysed_at + SECOND
            self._play(case, row.buyer, row.rep, opened, ("system", "opened", said), topic)

    def _form_cases(self, n: int, within: timedelta) -> None:
        """Complaints sent through the public form, within the last `within`."""
        rng, now = self.rng, self.now
        rows = [r for r in self.sale_rows if r.sale.sold_at >= now - within - timedelta(days=60)]
        for row in rng.sample(rows, min(n, len(rows))):
            lo = max(row.sale.sold_at + timedelta(days=2), now - within)
            if lo < now - timedelta(hours=2):
                opened = self._time(lo, min(now - timedelta(hours=1), lo + timedelta(days=60)))
                self._form_case(row.buyer, row if rng.random() < 0.75 else None, opened)

    def _form_case(
        self,
        buyer: _Buyer,
        row: _SaleRow | None,
        opened: datetime,
        severity: str | None = None,
        script: dict | None = None,
    ) -> None:
        choices = [c for c in COMPLAINTS[buyer.locale] if severity in (None, c[3])]
        category, subject, description, severity = self.rng.choice(choices)
        case = Case(
            source="complaint_form",
            customer_id=buyer.customer.id,
            severity=severity,
            sale_id=row.sale.id if row else None,
            category=category,
            subject=subject,
            description=description,
            contact_preference=self.rng.choice(("email", "email", "phone")),
        )
        first_event = ("customer", "opened", f"Complaint form: {subject}")
        seller = row.rep if row else None
        self._play(case, buyer, seller, opened, first_event, TOPIC_OF_CATEGORY[category], script)

    def _scripted_cases(self) -> None:
        """Scenes every demo must have, whatever the seed and size: a busy queue for the
        first rep (overdue, fresh, reopened), the triage queue, a stand-in, every status."""
        first_contact = {
            s: _longest_wall_time(p.first_contact_amount, p.first_contact_unit, p.business_hours)
            for s, p in self.policies.items()
        }
        resolve = {
            s: _longest_wall_time(p.resolve_amount, p.resolve_unit, p.business_hours)
            for s, p in self.policies.items()
        }
        hours, days = timedelta(hours=1), timedelta(days=1)
        sara, olivia, lukas = (self.reps[name] for name in (*LOGIN_REPS[:2], "Lukas Müller"))
        away, leaver = self.reps[AWAY_REP], self.reps[INACTIVE_REP]
        fc, rs = first_contact, resolve
        # fmt: off
        scenes = (  # who made the sale (None: no order given), severity, opened ago, script
            (sara, "high", fc["high"] * 1.5, {"contact": NEVER}),  # overdue, escalated
            (sara, "normal", fc["normal"] * 0.25, {"contact": NEVER}),  # new, due later
            (sara, "critical", fc["critical"] * 2.5, {"contact": fc["critical"] * 0.4,
                                                      "resolve": NEVER}),
            (sara, "low", rs["low"] * 1.3, {"contact": fc["low"] * 0.5, "resolve": NEVER}),  # late
            (sara, "normal", 5.5 * days, {"contact": 2 * hours, "resolve": 30 * hours,
                                          "follow_up1": "no", "answer": 20 * hours,
                                          "recontact": 3 * hours, "reresolve": NEVER}),
            (olivia, "normal", 0.7 * hours, {"contact": NEVER}),
            (olivia, "normal", 6 * days, {"contact": 3 * hours, "resolve": days,
                                          "follow_up1": "silent"}),
            (olivia, "high", 25 * days, {"contact": hours, "resolve": 10 * hours,
                                         "follow_up1": "yes", "answer": days}),
            (lukas, "critical", 40 * days, {"contact": fc["critical"] * 1.5, "resolve": 20 * hours,
                                            "follow_up1": "silent"}),
            (away, "normal", days, {"contact": 3 * hours, "resolve": NEVER}),  # the stand-in's
            (leaver, "normal", 3 * hours, {"pickup": NEVER}),  # triage: the seller has left
            (None, "high", 0.8 * hours, {"pickup": NEVER}),  # triage: no order given
        )
        # fmt: on
        used = set()
        for seller, severity, ago, script in scenes:
            opened = self.now - ago
            rows = [r for r in self.sale_rows if r.rep is seller and r.buyer.fate is None
                    and r.sale.sold_at < opened - 3 * days and id(r.buyer) not in used]  # fmt: skip
            if rows:
                used.add(id(rows[-1].buyer))
                self._form_case(rows[-1].buyer, rows[-1], opened, severity, script)
            else:
                team = seller.team if seller else self.teams[0]
                buyers = [b for b in self.buyers if b.team is team and b.fate is None]
                self._form_case(self.rng.choice(buyers), None, opened, severity, script)

    def _route(self, seller: _Rep | None, at: datetime) -> tuple[_Rep | None, str]:
        """Who gets a new case, and what the timeline says about it."""
        if seller is None:
            return None, "Placed in the triage queue: no order was given."
        name = seller.user.name
        if seller.left_at is not None and at >= seller.left_at:
            return None, f"Placed in the triage queue: {name}, who made the sale, has left."
        if not seller.working(at):
            stand_in, until = self.reps[STAND_IN], seller.user.away_until
            return stand_in, (
                f"Assigned to {stand_in.user.name}, standing in for {name} "
                f"(away until {until.day} {until:%b})."
            )
        return seller, f"Assigned to {name}, who made the sale."

    def _play(
        self,
        case: Case,
        buyer: _Buyer,
        seller: _Rep | None,
        opened: datetime,
        first_event: tuple[str, str, str],
        topic: str,
        script: dict | None = None,
    ) -> None:
        """Live through the case from `opened` until now, writing down what happened.
        `topic` (a key of STAFF_NOTES) is what the complaint is about.

        `script` pins the delays instead of drawing them (each counted from the step before;
        NEVER: not yet) and the follow-up answers ("yes", "no", "silent"), so that the scenes
        the demo needs exist at any size."""
        rng, now, script = self.rng, self.now, script or {}
        policy, team = self.policies[case.severity], buyer.team
        contact_notes, internal_notes, resolutions = STAFF_NOTES[topic]
        events = []

        def log(at: datetime, actor, kind: str, message: str, **data) -> None:
            actor_kind, actor_id = (actor, None) if isinstance(actor, str) else ("staff", actor.id)
            events.append((at, len(events), actor_kind, actor_id, kind, message, data or None))

        def after(start: datetime, key: str, drawn: datetime) -> datetime:
            return start + script[key] if key in script else drawn

        def breach(deadline: str, due: datetime) -> None:
            noticed = due + SWEEP  # by the periodic sweep
            if noticed + timedelta(seconds=1) > now:
                return
            setattr(case, f"{deadline}_breached_at", noticed)
            what = "first contact" if deadline == "first_contact" else "resolution"
            log(
                noticed, "system", "sla_breached", f"The {what} deadline passed.", deadline=deadline
            )
            if case.escalated_at is None:
                case.escalated_at = noticed + timedelta(seconds=1)
                log(case.escalated_at, "system", "escalated", f"Escalated to {team.manager.name}.")

        case.created_at, case.reopen_count, status = opened, 0, "open"
        case.first_contact_due, case.resolve_due = deadlines_for(policy, opened)
        log(opened, *first_event)
        rep, routing = self._route(seller, opened)
        start = opened + timedelta(seconds=2)
        log(start, "system", "assigned" if rep else "triaged", routing)
        if rep is None:
            picked = after(opened, "pickup", self._time(start, start + timedelta(hours=8)))
            if picked <= now:
                rep = rng.choice([r for r in team.reps if r.working(picked)])
                log(picked, team.manager, "assigned", f"Assigned to {rep.user.name} from triage.")
                start = picked
        case.assigned_rep_id = rep.user.id if rep else None
        for round_ in (1, 2):  # contact, resolve, ask; after a "not fixed", once more
            if rep is None:
                contact_at = NEVER_AT
            elif round_ == 1:
                contact_at = after(
                    start, "contact", self._staff_time(start, case.first_contact_due)
                )
            else:
                soon = self._staff_time(start, start + timedelta(hours=6))
                contact_at = after(start, "recontact", soon)
            if round_ == 1 and contact_at > case.first_contact_due:
                breach("first_contact", case.first_contact_due)
            if contact_at > now:
                break
            if round_ == 1:
                case.first_contact_at, status = contact_at, "contacted"
            note = rng.choice(contact_notes).format(first=buyer.customer.name.split()[0])
            log(contact_at, rep.user, "contacted", note, channel=case.contact_preference or "email")
            key = "resolve" if round_ == 1 else "reresolve"
            resolve_at = after(contact_at, key, self._staff_time(contact_at, case.resolve_due))
            if rng.random() < 0.5:
                noted = self._time(contact_at + timedelta(minutes=10), min(resolve_at, now))
                if noted < min(resolve_at, now):
                    writer = rep.user if rng.random() < 0.8 else team.manager
                    log(noted, writer, "note", rng.choice(internal_notes), internal=True)
            if resolve_at > case.resolve_due and case.resolve_breached_at is None:
                breach("resolve", case.resolve_due)
            if resolve_at > now:
                break
            outcome = self._choice({name: OUTCOME_WEIGHTS[name] for name in resolutions})
            case.outcome, case.resolved_at, status = outcome, resolve_at, "resolved"
            case.resolution_summary = rng.choice(resolutions[outcome])
            log(resolve_at, rep.user, "resolved", case.resolution_summary, outcome=outcome)
            drawn = self._choice({"yes": 40, "no": 8 if round_ == 1 else 0, "silent": 52})
            answer = script.get(f"follow_up{round_}", drawn)
            closed_at, reopened_at = self._follow_up(case, buyer, resolve_at, answer, script, log)
            if closed_at is not None:
                case.closed_at, status = closed_at, "closed"
            if reopened_at is None:
                break
            case.reopen_count += 1
            case.resolved_at = case.outcome = case.resolution_summary = None
            case.resolve_due = deadlines_for(policy, reopened_at).resolve_due
            status, start = "reopened", reopened_at
            log(
                reopened_at,
                "system",
                "reopened",
                "Reopened: the customer says it is not fixed.",
                resolve_due=case.resolve_due.isoformat(),
            )
        case.status = status
        case.updated_at = max(events)[0]
        case.events = [
            CaseEvent(
                created_at=at,
                actor_kind=actor_kind,
                actor_id=actor_id,
                kind=kind,
                message=message,
                data=data,
            )
            for at, _n, actor_kind, actor_id, kind, message, data in sorted(events)
        ]
        self.cases.append(case)

    def _follow_up(self, case, buyer, resolved_at, answer, script, log):
        """The "did this fix it?" survey after a resolution; `answer` is "yes", "no" or
        "silent". Returns (closed_at, reopened_at); both None while it waits."""
        rng, now, policy = self.rng, self.now, self.survey_policy
        tz = zone(buyer.customer.timezone, buyer.locale)
        inv = SurveyInvitation(kind="resolution", customer_id=buyer.customer.id,
                               scheduled_for=in_daytime(resolved_at + FOLLOW_UP_DELAY, tz, policy),
                               created_at=resolved_at)  # fmt: skip
        self.invitations.append(inv)
        self.follow_ups.append((inv, case))
        drawn = timedelta(minutes=rng.randint(30, 60 * 60))
        answer_after = None if answer == "silent" else script.get("answer", drawn)
        state = self._deliver(inv, buyer, answer_after, post_sale=False)
        if state == "waiting":
            return None, None
        if state in ("skipped", "bounced"):
            closed = inv.skipped_at + SWEEP
            why = "has unsubscribed" if inv.skip_reason == "unsubscribed" else "cannot be emailed"
            log(closed, "system", "closed", f"Closed automatically: the customer {why}.")
            return closed, None
        log(inv.sent_at, "system", "follow_up_sent", 'Sent the "did this fix it?" survey.')
        if state == "sent":
            closed = inv.expires_at + SWEEP
            if closed > now:
                return None, None
            days = policy.link_expiry_days
            log(closed, "system", "closed", f"Closed automatically: no answer in {days} days.")
            return closed, None
        answered, fixed = inv.answered_at, answer == "yes"
        satisfaction = rng.choice((4, 5, 5)) if fixed else rng.choice((1, 2, 2))
        inv.response = SurveyResponse(
            satisfaction=satisfaction, recommend=rng.randint(7, 10) if fixed else rng.randint(0, 5),
            comment=rng.choice(FOLLOW_UP[(fixed, buyer.locale)]), may_contact=not fixed,
            resolved_concern=fixed, submitted_at=answered,
        )  # fmt: skip
        self._analyse(inv.response, "positive" if fixed else "negative", [])
        case.satisfaction_after = satisfaction
        verdict = "fixed" if fixed else "NOT fixed"
        message = f"Follow-up answered: {verdict}, satisfaction {satisfaction}/5."
        log(answered, "customer", "follow_up_answered", message, resolved_concern=fixed)
        if not fixed:
            return None, answered + SECOND
        closed = answered + SECOND
        log(closed, "system", "closed", "Closed: the customer confirmed the fix.")
        return closed, None

    # -- goals, coaching, bookkeeping -------------------------------------------------------------
    def _goals(self) -> list[Goal]:
        today = self.now.date()
        month = today.replace(day=1)
        quarter = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)

        def set_on(start: date) -> datetime:
            at = datetime(start.year, start.month, start.day, 8, 30, tzinfo=UTC) + timedelta(days=1)
            return min(at, self.now - timedelta(hours=1))

        sara, olivia = LOGIN_REPS[:2]
        wanted = [  # (team or rep, metric, target, period)
            *((info, metric, target, period) for info in self.teams for metric, target, period in (
                ("csat", 0.85, "month"), ("first_contact_within_sla", 0.9, "month"),
                ("recovery_rate", 0.5, "quarter"))),
            (self.reps[sara], "first_contact_within_sla", 0.95, "month"),
            (self.reps[sara], "csat", 0.8, "month"),
            (self.reps[olivia], "csat", 0.9, "month"),
            (self.reps["Liam Murphy"], "recovery_rate", 0.6, "quarter"),
        ]  # fmt: skip
        goals = []
        for owner, metric, target, period in wanted:
            start = month if period == "month" else quarter
            team = owner if isinstance(owner, _Team) else owner.team
            whose = {"team_id": owner.team.id} if owner is team else {"rep_id": owner.user.id}
            goals.append(Goal(**whose, metric=metric, target=target, period=period,
                              period_start=start, created_by_id=team.manager.id,
                              created_at=set_on(start)))  # fmt: skip
        return goals

    def _coaching_notes(self) -> list[CoachingNote]:
        return [
            CoachingNote(
                manager_id=self.reps[name].team.manager.id,
                rep_id=self.reps[name].user.id,
                text=text,
                created_at=self._time(
                    self.now - timedelta(days=days, hours=8), self.now - timedelta(days=days)
                ),
            )
            for name, days, text in COACHING
        ]

    def _last_surveyed(self) -> None:
        last: dict[int, datetime] = {}
        for inv in self.invitations:  # flushed or built with customer_id: the id is set
            if inv.sent_at is not None and (
                inv.customer_id not in last or inv.sent_at > last[inv.customer_id]
            ):
                last[inv.customer_id] = inv.sent_at
        for buyer in self.buyers:
            buyer.customer.last_surveyed_at = last.get(buyer.customer.id)

    def _summary(self, seed: int, answers: list[_Answer], goals: int, notes: int) -> DemoSummary:
        customers = [b.customer for b in self.buyers]
        post_sale = [inv for inv in self.invitations if inv.kind == "post_sale"]
        follow_ups = [inv for inv, _case in self.follow_ups]
        scores = [a.invitation.response.recommend for a in answers]
        nps = round(100 * (sum(s >= 9 for s in scores) - sum(s <= 6 for s in scores)) / len(scores))
        open_cases = [c for c in self.cases if c.status in OPEN_STATUSES]
        counts = {
            "seed": seed,
            "teams": len(self.teams),
            "managers": len(self.teams),
            "reps": len(self.reps),
            "customers": len(customers),
            "swedish": sum(c.locale == "sv" for c in customers),
            "unsubscribed": sum(c.unsubscribed_at is not None for c in customers),
            "bounced": sum(c.bounced_at is not None for c in customers),
            "sales": len(self.sale_rows),
            "invitations": len(post_sale),
            "answers": len(answers),
            "nps": nps,
            "follow_ups": len(follow_ups),
            "follow_up_answers": sum(inv.answered_at is not None for inv in follow_ups),
            "cases": len(self.cases),
            "triage": sum(c.assigned_rep_id is None for c in open_cases),
            "overdue": sum(is_overdue(c, self.now) for c in open_cases),
            "goals": goals,
            "notes": notes,
        }
        logins = [("admin", self.admin.email)]
        logins += [("manager", info.manager.email) for info in self.teams]
        logins += [("rep", self.reps[name].user.email) for name in LOGIN_REPS]
        return DemoSummary(counts, dict(Counter(c.status for c in self.cases)), logins)


TEAM_ZONES = {"SEK": "Europe/Stockholm", "EUR": "Europe/Berlin", "GBP": "Europe/London"}


def _longest_wall_time(amount: int, unit: str, business: bool) -> timedelta:
    """The most wall-clock time an SLA can take (nights, a weekend): a scene opened 1.5x this
    long ago is overdue whatever the day and hour the demo is seeded."""
    if not business:
        return timedelta(days=amount) if unit == "days" else timedelta(hours=amount)
    if unit == "hours":
        return timedelta(days=3, hours=amount * 24 / 9)
    return timedelta(days=amount * 7 / 5 + 3)


def demo_logins() -> list[tuple[str, str]]:
    """The demo logins, read back from the database (empty when there is no demo)."""
    users = db.session.scalars(
        sa.select(User).where(User.email.endswith("@" + STAFF_DOMAIN), User.active.is_(True))
    ).all()
    by_name = {u.name: u for u in users}
    logins = [(u.role, u.email) for u in users if u.role == "admin"]
    logins += sorted((u.role, u.email) for u in users if u.role == "manager")
    logins += [("rep", by_name[name].email) for name in LOGIN_REPS if name in by_name]
    return logins
