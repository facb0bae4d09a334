"""The demo organisation behind `flask portal seed-demo`.

Three sales teams, a year of sales, survey answers in English and Swedish, and the cases
they opened, each with a timeline that really happened in that order. Everything is drawn
from one `random.Random(seed)` and placed relative to "now", so the same seed gives the
same organisation and the demo always looks current. All addresses end in `.example`
(RFC 2606): a worker running against the demo can never email a real person.

Written in one transaction: a failure leaves nothing behind, and a second run is refused
before anything is written. The parts: content.py (names, texts, odds), plans.py, builder.py
(staff, customers, sales), survey_scenes.py, case_scenes.py and case_story.py (each case
lived through), bookkeeping.py (goals, notes, the summary).
"""
