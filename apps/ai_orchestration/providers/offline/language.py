"""Small, deterministic language helpers for the offline provider: tokens
with typo-tolerant keywords, days and times in the user's time zone,
ordinals, and fuzzy matching of names against the catalogue."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from difflib import SequenceMatcher, get_close_matches


def words_of(text: str) -> list[str]:
    return text.split()


# Words whose typos we repair so intents survive them ("enrol", "cancle",
# "avalable", "tomorow"). Only tokens of 4+ letters are repaired, and only
# towards this vocabulary: course and lab names are matched separately.
KEYWORDS = frozenset(
    words_of(
        """
    enroll enrolled enrollment enrollments register registered join signup waitlist waitlisted
    book booking bookings booked reserve reservation reservations cancel cancelled unbook
    available availability free open slots slot openings when
    cart basket add remove delete purchase buy
    grade grades score scores marks progress doing completed complete percent
    course courses class classes lab labs find search show list look recommend suggest
    details detail about describe tell info information outline syllabus
    today tonight tomorrow week weekend next this
    monday tuesday wednesday thursday friday saturday sunday
    beginner intermediate advanced paid
    """
    )
)
# Explicit aliases for short or irregular forms.
ALIASES = {
    "enrol": "enroll",
    "enroled": "enrolled",
    "enrolment": "enrollment",
    "enrolments": "enrollments",
    "crat": "cart",
    "tmrw": "tomorrow",
    "tmr": "tomorrow",
    "tmw": "tomorrow",
    "2moro": "tomorrow",
    "beginners": "beginner",
    "novice": "beginner",
    "expert": "advanced",
    "reg": "register",
    "grds": "grades",
    "bookings": "bookings",
}

_VOCABULARY = sorted(KEYWORDS | set(ALIASES))

STOPWORDS = frozenset(
    words_of(
        """
    a an the to of for in on at by with and or is are am be me my i i'm im you your we our us it its this that
    these those please pls can could would will should do does did want wanna like love need some any all
    what which who how when where there here up into from as so just also then now hey hi hello ok okay
    course courses class classes program one ones thanks thank about tell more info information
    what's where's when's how's it's that's i'd i'll i've have has got offer offers let lets let's
    something anything stuff
    """
    )
)

WEEKDAYS = {
    "monday": 0,
    "mon": 0,
    "tuesday": 1,
    "tue": 1,
    "tues": 1,
    "wednesday": 2,
    "wed": 2,
    "thursday": 3,
    "thu": 3,
    "thur": 3,
    "thurs": 3,
    "friday": 4,
    "fri": 4,
    "saturday": 5,
    "sat": 5,
    "sunday": 6,
    "sun": 6,
}
_FULL_WEEKDAYS = [name for name in WEEKDAYS if len(name) > 5]
MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
ORDINALS = {
    "first": 0,
    "1st": 0,
    "second": 1,
    "2nd": 1,
    "third": 2,
    "3rd": 2,
    "fourth": 3,
    "4th": 3,
    "fifth": 4,
    "5th": 4,
    "last": -1,
}

_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.lower().replace("\u2019", "'"))


def canonical(token: str) -> str:
    """The keyword a token stands for (typos repaired), or the token itself."""
    if token in KEYWORDS:
        return token
    if token in ALIASES:
        return ALIASES[token]
    if len(token) >= 4 and not token.isdigit():
        close = get_close_matches(token, _VOCABULARY, n=1, cutoff=0.8)
        if close:
            return ALIASES.get(close[0], close[0])
    return token


@dataclass(frozen=True)
class Utterance:
    """A user message, lowered, with its raw and canonical tokens."""

    original: str
    text: str
    raw: tuple[str, ...]
    words: tuple[str, ...]

    @classmethod
    def parse(cls, message: str) -> Utterance:
        raw = tuple(tokens(message))
        return cls(original=message, text=" ".join(raw), raw=raw, words=tuple(canonical(token) for token in raw))

    def has(self, *keywords: str) -> bool:
        return any(keyword in self.words for keyword in keywords)

    def phrase(self, *phrases: str) -> bool:
        padded = f" {' '.join(self.words)} "
        raw = f" {self.text} "
        return any(f" {phrase} " in padded or f" {phrase} " in raw for phrase in phrases)


# --- days and times ---------------------------------------------------------------


def _weekday_of(token: str) -> int | None:
    if token in WEEKDAYS:
        return WEEKDAYS[token]
    if len(token) >= 5:
        close = get_close_matches(token, _FULL_WEEKDAYS, n=1, cutoff=0.75)
        if close:
            return WEEKDAYS[close[0]]
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


def parse_day(utterance: Utterance, today: date) -> date | None:
    """A single day the user named, relative to ``today`` (their local date)."""
    iso = re.search(r"\b(\d{4}) (\d{1,2}) (\d{1,2})\b", utterance.text)
    if iso:
        try:
            return date(int(iso.group(1)), int(iso.group(2)), int(iso.group(3)))
        except ValueError:
            return None
    words = utterance.words
    raw = utterance.raw
    if utterance.phrase("day after tomorrow"):
        return today + timedelta(days=2)
    if "tomorrow" in words:
        return today + timedelta(days=1)
    if "today" in words or "tonight" in words:
        return today
    for index, token in enumerate(raw):
        month = MONTHS.get(token)
        if month is None:
            continue
        before = raw[index - 1] if index else ""
        after = raw[index + 1] if index + 1 < len(raw) else ""
        for candidate in (after, before):
            day = re.match(r"^(\d{1,2})(?:st|nd|rd|th)?$", candidate)
            if day:
                return _next_date(today, month, int(day.group(1)))
        if before == "of" and index >= 2:
            day = re.match(r"^(\d{1,2})(?:st|nd|rd|th)?$", raw[index - 2])
            if day:
                return _next_date(today, month, int(day.group(1)))
    for index, token in enumerate(raw):
        weekday = _weekday_of(token)
        if weekday is None:
            continue
        ahead = (weekday - today.weekday()) % 7
        if index and raw[index - 1] == "next" and ahead == 0:
            ahead = 7
        return today + timedelta(days=ahead)
    return None


def parse_window(utterance: Utterance, today: date) -> tuple[date, date]:
    """The days a question about availability covers (a week by default)."""
    day = parse_day(utterance, today)
    if day is not None:
        return day, day
    if utterance.phrase("next week"):
        monday = today + timedelta(days=7 - today.weekday())
        return monday, monday + timedelta(days=6)
    if "weekend" in utterance.words:
        if today.weekday() == 6:
            return today, today
        saturday = today + timedelta(days=(5 - today.weekday()) % 7)
        return saturday, saturday + timedelta(days=1)
    return today, today + timedelta(days=6)


_CLOCK = re.compile(r"\b(\d{1,2})[:.h](\d{2})\s*(a\.?m\.?|p\.?m\.?)?(?![\d])")
_MERIDIEM = re.compile(r"\b(\d{1,2})\s*(a\.?m\.?|p\.?m\.?)(?![a-z])")
_AT_HOUR = re.compile(r"\b(?:at|@|for)\s+(\d{1,2})\b(?![:.\d])")


def _hour(hour: int, meridiem: str | None) -> int:
    if meridiem:
        pm = meridiem.startswith("p")
        hour = hour % 12 + (12 if pm else 0)
    return hour


def parse_time(message: str) -> time | None:
    """A clock time: "10:00", "14.30", "10am", "2 pm", "at 9", "noon"."""
    text = message.lower()
    match = _CLOCK.search(text)
    if match:
        hour, minute = _hour(int(match.group(1)), match.group(3)), int(match.group(2))
        return time(hour, minute) if hour < 24 and minute < 60 else None
    match = _MERIDIEM.search(text)
    if match:
        hour = _hour(int(match.group(1)), match.group(2))
        return time(hour, 0) if 0 < int(match.group(1)) <= 12 else None
    if re.search(r"\b(noon|midday)\b", text):
        return time(12, 0)
    match = _AT_HOUR.search(text)
    if match:
        hour = int(match.group(1))
        if hour > 23:
            return None
        # "at 3" on a booking means the afternoon: labs do not open at 3 a.m.
        return time(hour + 12 if 1 <= hour <= 7 else hour, 0)
    return None


_ISO_DATE = re.compile(r"\b\d{4}-\d{1,2}-\d{1,2}\b")


def strip_times_and_dates(text: str) -> str:
    """``text`` without clock times and ISO dates (so "10:00" is not a name)."""
    for pattern in (_ISO_DATE, _CLOCK, _MERIDIEM, _AT_HOUR):
        text = pattern.sub(" ", text)
    return re.sub(r"\b(noon|midday)\b", " ", text)


def local_datetime(day: date, moment: time, zone) -> datetime:
    return datetime.combine(day, moment, tzinfo=zone)


def parse_ordinal(utterance: Utterance) -> int | None:
    """ "the first one" -> 0, "the 2nd" -> 1, "number 3" / "#3" -> 2, "the last" -> -1."""
    for token in utterance.raw:
        if token in ORDINALS:
            return ORDINALS[token]
    match = re.search(r"(?:number|no|option|#)\s*(\d{1,2})\b", utterance.text)
    if match and int(match.group(1)) >= 1:
        return int(match.group(1)) - 1
    return None


# --- fuzzy names --------------------------------------------------------------------


def content_tokens(text: str) -> list[str]:
    return [token for token in tokens(text.replace("-", " ")) if token not in STOPWORDS]


def _similar(a: str, b: str) -> float:
    if a == b:
        return 1.0
    if a.isdigit() or b.isdigit():
        return 0.0  # "101" and "102" are different courses
    if len(a) < 4 or len(b) < 4:
        # short words only match as a prefix ("intro"/"introduction")
        return 0.9 if len(a) >= 3 and (b.startswith(a) or a.startswith(b)) else 0.0
    if b.startswith(a) or a.startswith(b):
        return 0.9
    ratio = SequenceMatcher(None, a, b).ratio()
    return ratio if ratio >= 0.75 else 0.0


def name_score(phrase: list[str], name: list[str], *, soft: frozenset[str] = frozenset()) -> float:
    """How well the words of ``phrase`` name ``name`` (0..1).

    Coverage (how many phrase words appear in the name, typos allowed)
    weighs most; precision (how much of the name was said) breaks ties.
    ``soft`` words (levels, "free") count only when the name contains them.
    """
    if not phrase or not name:
        return 0.0
    considered = 0
    covered = 0.0
    matched_name: set[int] = set()
    for word in phrase:
        best, best_index = 0.0, -1
        for index, candidate in enumerate(name):
            similarity = _similar(word, candidate)
            if similarity > best:
                best, best_index = similarity, index
        if best == 0.0 and word in soft:
            continue
        considered += 1
        covered += best
        if best_index >= 0 and best > 0:
            matched_name.add(best_index)
    if considered == 0:
        return 0.0
    coverage = covered / considered
    precision = len(matched_name) / len(name)
    return 0.7 * coverage + 0.3 * precision


def correct_words(words: list[str], vocabulary: set[str]) -> list[str]:
    """Repair typos in topic words against the catalogue's own words."""
    corrected = []
    for word in words:
        if word in vocabulary or len(word) < 4 or word.isdigit():
            corrected.append(word)
            continue
        close = get_close_matches(word, vocabulary, n=1, cutoff=0.78)
        corrected.append(close[0] if close else word)
    return corrected
