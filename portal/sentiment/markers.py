"""Marks that are not words: sarcasm ("/s", 🙄, "... not"), emoji and emoticons, repeated
"!" and "?", scare quotes ("quick" delivery). Found in one pass over the normalised comment.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from portal.sentiment.lexicon import COMPLAINT, PRAISE, SARCASM, SARCASM_IF_NEGATIVE

_SAD_FACES = "😡🤬😠👎😞😤😢😭💩🤮😩😫☹🙁😕"
_HAPPY_FACES = "👍😊🙂😀😃😄😁😍❤🙏⭐🌟👌💯🥰☺"
MARKERS = re.compile(
    r"(?P<sarcasm>(?<!\w)/s(?!\w)|🙄|😒|🙃|(?:\.\.\.|…)\s*(?:not|inte)\b(?!\s+\w))"
    r"|(?P<quoted>\"[^\"\n]{1,40}\")"
    rf"|(?P<sad>[{_SAD_FACES}]|:-?\(|:'\()"
    rf"|(?P<happy>[{_HAPPY_FACES}]|:-?\)|:-?d(?!\w)|<3)"
    r"|(?P<shout>[!?]{2,})"
)
# Every character a marker can begin with: found with one pass of a character set (which the
# regex engine runs fast), where MARKERS alone is tried at every character of the comment.
START = re.compile("[" + re.escape(f'/🙄😒🙃.…":<!?{_SAD_FACES}{_HAPPY_FACES}') + "]")
CUES = {
    "sarcasm": (-0.8, SARCASM),
    "quoted": (-0.3, SARCASM_IF_NEGATIVE),  # "quick" delivery, only next to a complaint
    "sad": (-0.6, COMPLAINT),
    "happy": (0.5, PRAISE),
}


def find(text: str) -> Iterator[re.Match[str]]:
    """The matches of MARKERS in `text`, as its `finditer` finds them, tried only where a
    marker can begin."""
    position = 0
    while (candidate := START.search(text, position)) is not None:
        match = MARKERS.match(text, candidate.start())
        if match is None:
            position = candidate.start() + 1
        else:
            position = match.end()
            yield match
