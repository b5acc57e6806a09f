"""Reading a message: tokens with typos repaired, the request's intent, days,
times and ordinals, all deterministic.

Typo repair uses rapidfuzz's Damerau-Levenshtein distance with the usual
"AUTO" fuzziness of search engines (no edit under 4 letters, one up to 5, two
from 6), towards a vocabulary made of the intent words below plus the words
of the names the user may see (``entities``), so "pyhton" becomes "python"
only because a course title says "Python".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, time, timedelta

from rapidfuzz import process
from rapidfuzz.distance import DamerauLevenshtein


def words_of(text: str) -> list[str]:
    return text.split()


# Each intent and the words (or phrases) that ask for it: every group
# ("+"-separated) must have a hit. Intents are tried in this order, so the
# order settles overlaps: "cancel my booking" is a cancellation, not a
# booking; "remove it from my cart" is not "view cart".
INTENT_TABLE = """
confirm: confirm|confirmed
checkout: checkout|check out|pay|place the order|place my order|proceed to payment|complete my purchase
remove_from_cart: cart|basket + remove|delete|take out|out of|get rid of|drop
cancel: cancel|unbook|unenroll|withdraw|call off|drop out|drop|never mind|nevermind
add_to_cart: cart|basket|buy|purchase + add|put|buy|purchase|throw
view_cart: cart|basket
orders: order|orders|purchases|receipt|receipts|bought|paid for|did i buy
book: book|reserve|same time
availability: available|availability|free|open|slots|slot|openings|when can i|when is|when's|schedule
enroll: enroll|register|join|signup|sign me up|sign up|waitlist|take the course|want to take|can i take|start the course
grades: grade|grades|score|scores|marks|how did i do|test results|results
progress: progress|percent|how am i doing|how far|lessons left|how many lessons|have i done|how much of|completed in
my_enrollments: enrolled|enrollments|enrollment|my courses|my classes|am i taking|i'm taking|signed up for|completed|finished|waitlisted
my_bookings: bookings|reservations|booked|my booking|my reservation
list_labs: labs|which lab|what lab|list lab
details: details|detail|describe|outline|syllabus|info|tell me|more about|what is|what's|how much|price|cost|where|cover|covers
search: find|search|look|show|list|recommend|suggest|courses|course|any|learn|teach|beginner|intermediate|advanced|free|paid|something
thanks: thanks|thank you|cheers
greeting: hello|hi|hey|good morning|help|what can you do|who are you
"""
INTENTS = tuple(
    (name.strip(), tuple(frozenset(group.strip().split("|")) for group in groups.split("+")))
    for name, groups in (line.split(":", 1) for line in INTENT_TABLE.strip().splitlines())
)

# Words that only shape a sentence. They never name anything by themselves,
# but they are not removed from the message: a name that contains one
# ("Foundations of Go") still matches it in full.
STOPWORDS = frozenset(
    words_of(
        """
    a an the to of for in on at by with and or is are am be me my i i'm im you your it its this that these those
    please pls can could would will do does did want wanna like need some all what which who how when where there
    here up into from as so just also then now ok okay hey hi i'd i'll i've let's what's it's that's don't can't about
    """
    )
)
ALIASES = {
    "enrol": "enroll",
    "enrolment": "enrollment",
    "enrolments": "enrollments",
    "tmrw": "tomorrow",
    "tmr": "tomorrow",
    "2moro": "tomorrow",
    "beginners": "beginner",
    "novice": "beginner",
    "expert": "advanced",
    "reg": "register",
    "u": "you",
    "pls": "please",
    "plz": "please",
    "thx": "thanks",
    "ty": "thanks",
}
WEEKDAYS = {"monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5, "sunday": 6}
WEEKDAY_SHORT = {name[:3]: number for name, number in WEEKDAYS.items()} | {"tues": 1, "thur": 3, "thurs": 3}
MONTHS = {
    name: number
    for number, names in enumerate(
        ("january jan", "february feb", "march mar", "april apr", "may", "june jun", "july jul", "august aug",
         "september sep sept", "october oct", "november nov", "december dec"),
        start=1,
    )
    for name in names.split()
}  # fmt: skip
ORDINALS = {"first": 0, "1st": 0, "second": 1, "2nd": 1, "third": 2, "3rd": 2, "fourth": 3, "4th": 3}
ORDINALS |= {"fifth": 4, "5th": 4, "last": -1}
LEVELS = ("beginner", "intermediate", "advanced")
KEYWORDS = frozenset(
    [word for _, groups in INTENTS for group in groups for phrase in group for word in phrase.split()]
    + words_of("tomorrow today tonight week weekend next morning afternoon lab course class free paid it again yes")
    + list(WEEKDAYS)
    + list(LEVELS)
)

_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.lower().replace("\u2019", "'"))


def max_edits(word: str) -> int:
    """Search engines' AUTO fuzziness: 0 edits under 4 letters, 1 up to 5, 2 from 6."""
    return 0 if len(word) < 4 or word.isdigit() else (1 if len(word) <= 5 else 2)


def repair(word: str, vocabulary: list[str]) -> str:
    """``word``, or the vocabulary word it is a typo of."""
    if word in ALIASES:
        return ALIASES[word]
    edits = max_edits(word)
    if not edits or word in vocabulary or word in STOPWORDS:
        return word
    found = process.extractOne(word, vocabulary, scorer=DamerauLevenshtein.distance, score_cutoff=edits)
    return ALIASES.get(found[0], found[0]) if found else word


@dataclass(frozen=True)
class Utterance:
    """A user message: its text and its tokens with typos repaired."""

    original: str
    words: tuple[str, ...]

    @classmethod
    def parse(cls, message: str, names_vocabulary: frozenset[str] = frozenset()) -> Utterance:
        vocabulary = sorted(KEYWORDS | names_vocabulary | MONTHS.keys() | ALIASES.keys())
        return cls(original=message, words=tuple(repair(token, vocabulary) for token in tokens(message)))

    @property
    def text(self) -> str:
        return " ".join(self.words)

    def has(self, *cues: str) -> bool:
        padded = f" {self.text} "
        return any(f" {cue} " in padded for cue in cues)

    def intents(self) -> list[str]:
        """The intents whose every group of cues is present, most specific first."""
        return [name for name, groups in INTENTS if all(self.has(*group) for group in groups)]


# --- days and times -----------------------------------------------------------------


def _weekday(word: str) -> int | None:
    return WEEKDAYS.get(word, WEEKDAY_SHORT.get(word))


def parse_day(u: Utterance, today: date) -> date | None:
    """A single day the user named, relative to ``today`` (their local date)."""
    iso = re.search(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b", u.original)
    if iso:
        try:
            return date(*map(int, iso.groups()))
        except ValueError:
            return None
    words = u.words
    if u.has("day after tomorrow"):
        return today + timedelta(days=2)
    if "tomorrow" in words:
        return today + timedelta(days=1)
    if "today" in words or "tonight" in words:
        return today
    for index, word in enumerate(words):
        if word in MONTHS:
            for neighbour in words[index + 1 : index + 2] + words[max(0, index - 2) : index][::-1]:
                day = re.fullmatch(r"(\d{1,2})(?:st|nd|rd|th)?", neighbour)
                if day:
                    return _next_date(today, MONTHS[word], int(day.group(1)))
    for index, word in enumerate(words):
        weekday = _weekday(word)
        if weekday is not None:
            ahead = (weekday - today.weekday()) % 7
            if index and words[index - 1] == "next" and ahead == 0:
                ahead = 7
            return today + timedelta(days=ahead)
    return None


def _next_date(today: date, month: int, day: int) -> date | None:
    for year in (today.year, today.year + 1):
        try:
            candidate = date(year, month, day)
        except ValueError:
            return None
        if candidate >= today:
            return candidate
    return None


def parse_window(u: Utterance, today: date) -> tuple[date, date]:
    """The days a question about availability covers (a week by default)."""
    day = parse_day(u, today)
    if day is not None:
        return day, day
    if u.has("next week"):
        monday = today + timedelta(days=7 - today.weekday())
        return monday, monday + timedelta(days=6)
    if u.has("weekend"):
        saturday = today + timedelta(days=(5 - today.weekday()) % 7) if today.weekday() != 6 else today
        return saturday, saturday + timedelta(days=1 if saturday.weekday() == 5 else 0)
    return today, today + timedelta(days=6)


_CLOCK = re.compile(r"\b(\d{1,2})[:.h](\d{2})\s*([ap])?\.?m?\b")
_MERIDIEM = re.compile(r"\b(\d{1,2})\s*([ap])\.?m\b\.?")
_AT_HOUR = re.compile(r"\b(?:at|@|for|around)\s+(\d{1,2})\b(?![:.\d])")


def parse_time(message: str) -> time | None:
    """A clock time: "10:00", "14.30", "10am", "2 pm", "at 9" (1-7 read as
    afternoon: labs do not open at 3 a.m.), "noon"."""
    text = message.lower()
    if match := _CLOCK.search(text):
        hour, minute = int(match.group(1)), int(match.group(2))
        hour = hour % 12 + (12 if match.group(3) == "p" else 0) if match.group(3) else hour
        return time(hour, minute) if hour < 24 and minute < 60 else None
    if match := _MERIDIEM.search(text):
        hour = int(match.group(1))
        return time(hour % 12 + (12 if match.group(2) == "p" else 0)) if 0 < hour <= 12 else None
    if re.search(r"\b(noon|midday)\b", text):
        return time(12)
    if match := _AT_HOUR.search(text):
        hour = int(match.group(1))
        return time(hour + 12 if 1 <= hour <= 7 else hour) if hour < 24 else None
    return None


def parse_ordinal(u: Utterance) -> int | None:
    """ "the first one" -> 0, "the 2nd" -> 1, "number 3" / "#3" -> 2, "the last" -> -1."""
    for word in u.words:
        if word in ORDINALS:
            return ORDINALS[word]
    match = re.search(r"(?:number|no\.?|option|#)\s*(\d{1,2})\b", u.original.lower())
    return int(match.group(1)) - 1 if match and int(match.group(1)) >= 1 else None
