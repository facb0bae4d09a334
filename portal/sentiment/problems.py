"""Whether a comment the cue rules found neutral states a problem as a plain fact.

"Lasted one day and then blew up.", "Returned 8 hours later.", "doesn't last long." name no
complaint cue, yet their words report a failure, a wait or a return. The learned scorer gives
such comments a middling probability, as it gives a plain fact ("The delivery was scheduled for
the 5th."): in review sets, a bare statement is usually a complaint. A comment with one of these
problem words may therefore be called negative from a lower probability (`overrule_problem`
in weights.json) than a plain statement (`overrule`).

The words are deliberately narrow: "no", "not" (so "doesn't", which the normalised text spells
"does not"), "nothing", "inte", "ingen" are not among them, since "No comment.", "Nothing to
add.", "Not sure yet", "I wasn't involved" and "Inget att tillägga." are common neutral answers.
Measured leave-one-file-out (docs/sentiment.md, "Evaluation").
"""

from __future__ import annotations

import re

_ENGLISH = re.compile(
    r"""\b(?:never|without|no\s+longer|still|stopped|stops|broke|broken|breaks|fell\s+(?:apart|off)
    |failed|fails|missing|wrong|worse|less\s+than|only\s+(?:lasted|worked)|took|waited|waiting
    |returned|return(?:ing)?\s+(?:it|this|them)|refund|disappoint\w*|avoid|waste|last\s+time
    |\d+\s*(?:minutes?|hours?|days?|weeks?|months?)
    |(?:a|one|two|three|several|few)\s+(?:hours?|days?|weeks?|months?))\b""",
    re.X,
)
_SWEDISH = re.compile(
    r"\b(?:aldrig|fortfarande|slutade|sönder|trasig\w*|fel|saknas|saknade|fick\s+vänta|väntat?"
    r"|väntade|dagar|veckor|månader|timmar|returnera\w*|återbetal\w*|tyvärr|sämre|sämsta)\b"
)


def states_a_problem(normalised: str, language: str) -> str:
    """The first words of the (normalised) comment that report a failure, a wait, a return or
    a loss ("took", "two weeks"; shown to staff), or "" when there are none; see the module
    docstring."""
    pattern = _SWEDISH if language == "sv" else _ENGLISH
    found = pattern.search(normalised.lower())
    return " ".join(found.group().split()) if found else ""
