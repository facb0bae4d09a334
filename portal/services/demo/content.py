"""The demo organisation's content: who works here, who buys, what customers and staff write,
and the odds every draw uses. Data tables, one entry a line, so they read like the lists they
are; the builder (builder.py) draws from them."""

# ruff: noqa: E501  (the customer-text tables below; the formatter keeps the code within 100)

from __future__ import annotations

from datetime import UTC, datetime, timedelta

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
# (comment, why it reads that way, in English: staff read the reasons, whatever the customer
# wrote in); negative ones also carry the severity of the case they open
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
        ("Snabb leverans och stolen är jättebekväm. Rekommenderar!", ["praise: delivery", "praise: product"]),
        ("Allt fungerade smidigt, från beställning till montering.", ["praise: the whole purchase"]),
        ("Mycket nöjd med skrivbordet, bra kvalitet för priset.", ["praise: quality"]),
        ("Trevligt bemötande av säljaren, kändes seriöst hela vägen.", ["praise: sales rep"]),
        ("Montören var punktlig och städade efter sig. Toppen!", ["praise: assembly"]),
        ("Bra rådgivning, vi fick precis det kontor vi ville ha.", ["praise: advice"]),
        ("Smidigt och enkelt. Handlar gärna igen.", ["intent: buy again"]),
        ("Leveransen kom en dag tidigare än utlovat, perfekt.", ["praise: delivery"]),
        ("Kvaliteten överträffade förväntningarna.", ["praise: quality"]),
        ("Tack för snabb hjälp med offerten!", ["praise: service"]),
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
        ("Bra produkt men leveransen tog lite längre tid än utlovat.", ["mixed: delivery time"]),
        ("Helt okej. Monteringsanvisningen kunde varit tydligare.", ["mixed: instructions"]),
        ("Stolen är bra men färgen var ljusare än på bilden.", ["mixed: colour"]),
        ("Fungerar som den ska, inget mer att säga.", ["neutral wording"]),
        ("Lite dyrt, men kvaliteten verkar bra.", ["mixed: price"]),
        ("Fick vänta på svar om leveransdatum men det löste sig.", ["mixed: response time"]),
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
        ("Levereansen var sen och ingen svarade när jag ringde.", ["late delivery", "no reply"], "normal", "delivery"),
        ("Väntar fortfarande på min återbetalning, det har gått tre veckor.", ["refund not received"], "high", "billing"),
        ("Skrivbordet kom med en stor repa i skivan. Mycket besviken.", ["damaged"], "normal", "product"),
        ("Tredje gången jag ringer och ingen ringer tillbaka.", ["repeated contact", "no reply"], "high", "service"),
        ("Fel färg levererades och nu får vi vänta sex veckor till.", ["wrong item", "late delivery"], "normal", "delivery"),
        ("Höj- och sänkfunktionen slutade fungera efter två veckor.", ["product fault"], "normal", "product"),
        ("Fakturan stämmer inte med offerten, vi har betalat för mycket.", ["billing error"], "normal", "billing"),
        ("Montörerna kom aldrig och ingen hörde av sig.", ["missed appointment"], "high", "service"),
        ("Ryggstödet lossnade när jag satt i stolen. Det kunde gått riktigt illa.", ["safety", "product fault"], "critical", "product"),
        ("Dålig service. Ingen tar ansvar.", ["poor service"], "normal", "service"),
        ("Delar saknades i paketet och vi har fortfarande inte fått dem.", ["missing parts"], "low", "delivery"),
        ("Usel kommunikation, vi fick veta om förseningen först på leveransdagen.", ["late delivery", "poor communication"], "normal", "delivery"),
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
        ("product_quality", "Standing desk motor failed", "The motor on one of our standing desks stopped working after 3 weeks. It's stuck at the lowest height.", "normal"),
        ("billing", "Charged twice", "My card was charged twice for the same order. Please refund the duplicate payment.", "high"),
        ("product_quality", "Chair backrest broke", "The backrest came loose while I was sitting in it. I could have been injured. Please collect all six chairs.", "critical"),
        ("service", "No reply to my emails", "I've emailed three times about the missing shelves and had no answer.", "normal"),
        ("delivery", "Damaged in transit", "The cabinet arrived with a dented door. The driver left before we could check it.", "normal"),
        ("other", "Wrong colour", "We ordered anthracite but received light grey. Not urgent but we'd like it swapped.", "low"),
        ("billing", "Invoice address wrong", "The invoice has our old address so our accounts team can't pay it. Please reissue.", "low"),
    ),
    "sv": (
        ("delivery", "Leveransen har inte kommit", "Vi skulle få leveransen i torsdags men ingenting har hänt. Ingen svarar i telefon.", "high"),
        ("product_quality", "Trasigt skrivbord", "Skivan på skrivbordet har en spricka längs kanten. Den var så redan när vi packade upp den.", "normal"),
        ("billing", "Fel belopp på fakturan", "Fakturan är 4 000 kr högre än offerten vi godkände. Vänligen skicka en ny.", "normal"),
        ("product_quality", "Stolen gick sönder", "Ryggstödet lossnade när min kollega satt i stolen. Hon föll nästan baklänges. Vi vill att ni hämtar alla stolar.", "critical"),
        ("service", "Ingen återkoppling", "Jag har ringt tre gånger om monteringen och ingen ringer tillbaka.", "normal"),
        ("other", "Saknade skruvar", "Det saknas skruvar till två av hyllorna. Inte bråttom men skicka gärna.", "low"),
        ("delivery", "Fel produkt levererad", "Vi beställde höj- och sänkbara skrivbord men fick vanliga. Vi behöver rätt skrivbord snarast.", "high"),
    ),
}

# --- what staff write ----------------------------------------------------------------------------

# What staff write on a case, by what it is about: first contact, internal notes, and the
# resolution summaries by outcome (only outcomes that make sense for the topic).
TOPIC_OF_CATEGORY = {"delivery": "delivery", "product_quality": "product", "billing": "billing",
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
# What was done for a customer who did not ask to be contacted (no call, no "we agreed").
NO_CONTACT_RESOLUTIONS = {
    "delivery": {"explanation": ("Checked with the carrier: held at their depot; now delivered.",),
                 "refund": ("Refunded the delivery charge for the late delivery.",)},
    "product": {"replacement": ("Sent a replacement part with fitting instructions.",),
                "refund": ("Refunded the faulty item; the customer keeps the rest of the order.",)},
    "billing": {"refund": ("Refunded the overcharged amount.",),
                "explanation": ("Reissued the invoice with the right address.",)},
    "service": {"explanation": ("Lost fitters' booking found; the team now logs every callback.",),
                "discount": ("Sent a voucher for the next order as an apology.",)},
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

TEAM_ZONES = {"SEK": "Europe/Stockholm", "EUR": "Europe/Berlin", "GBP": "Europe/London"}
