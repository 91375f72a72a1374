"""The team's office hours, from configuration: is someone there now, and if not, when next.

Why a module of its own: the assistant must say plainly when a person is available, and that answer must not
depend on Rasa or on the machine's clock zone. The hours are written the way a person would write them::

    HANDOFF_OFFICE_HOURS="mon-fri 09:00-17:00; sat 10:00-12:00"
    HANDOFF_TIMEZONE="Europe/Brussels"          (the default)

Days: mon tue wed thu fri sat sun (also Dutch: ma di wo do vr za zo), a range ``mon-fri`` or a list
``mon,wed``. Times are local wall-clock times in the configured zone (summer time included). Unset means no
hours are known: the assistant then names no hours at all. An invalid value is refused the same way (with a
warning naming the setting, not its value) rather than announcing wrong hours.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import List, Mapping, Optional, Tuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

logger = logging.getLogger(__name__)

HOURS_SETTING = "HANDOFF_OFFICE_HOURS"
ZONE_SETTING = "HANDOFF_TIMEZONE"
DEFAULT_ZONE = "Europe/Brussels"

_DAYS = {
    **{name: index for index, name in enumerate(("mon", "tue", "wed", "thu", "fri", "sat", "sun"))},
    **{name: index for index, name in enumerate(("ma", "di", "wo", "do", "vr", "za", "zo"))},
}
_SEGMENT = re.compile(r"^\s*([a-z,\s-]+?)\s+(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")

DAY_NAMES = {
    "nl": ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}


@dataclass(frozen=True)
class Window:
    """One opening on one weekday (0 = Monday), from ``start`` up to (not including) ``end``."""

    weekday: int
    start: time
    end: time


@dataclass(frozen=True)
class OfficeHours:
    windows: Tuple[Window, ...]
    zone: ZoneInfo

    def local(self, now: datetime) -> datetime:
        """``now`` (aware) as wall-clock time in the team's zone."""
        return now.astimezone(self.zone)

    def open_window(self, now: datetime) -> Optional[Window]:
        """The window someone is there in at ``now``, if any."""
        here = self.local(now)
        moment = here.time()
        for window in self.windows:
            if window.weekday == here.weekday() and window.start <= moment < window.end:
                return window
        return None

    def is_open(self, now: datetime) -> bool:
        return self.open_window(now) is not None

    def next_opening(self, now: datetime) -> Optional[datetime]:
        """The next start of a window after ``now`` (local time), or None when there are no windows."""
        here = self.local(now)
        for days_ahead in range(8):
            day = here.date() + timedelta(days=days_ahead)
            starts = sorted(w.start for w in self.windows if w.weekday == day.weekday())
            for start in starts:
                candidate = datetime.combine(day, start, tzinfo=self.zone)
                if candidate > here:
                    return candidate
        return None


def _days(text: str) -> Tuple[int, ...]:
    days: List[int] = []
    for part in text.replace(" ", "").split(","):
        if "-" in part:
            first, last = part.split("-", 1)
            start, end = _DAYS[first], _DAYS[last]
            days.extend((start + offset) % 7 for offset in range((end - start) % 7 + 1))
        else:
            days.append(_DAYS[part])
    return tuple(days)


def parse(spec: str, zone: str = DEFAULT_ZONE) -> OfficeHours:
    """Office hours from their written form; ValueError when any part cannot be read."""
    windows: List[Window] = []
    for segment in filter(None, (s.strip() for s in spec.lower().split(";"))):
        match = _SEGMENT.match(segment)
        if match is None:
            raise ValueError("an office-hours segment must look like 'mon-fri 09:00-17:00'")
        day_text, start_h, start_m, end_h, end_m = match.groups()
        try:
            days = _days(day_text)
            start, end = time(int(start_h), int(start_m)), time(int(end_h), int(end_m))
        except (KeyError, ValueError) as error:
            raise ValueError("unknown day or time in the office hours") from error
        if end <= start:
            raise ValueError("an office-hours window must end after it starts")
        windows.extend(Window(day, start, end) for day in days)
    if not windows:
        raise ValueError("no office hours given")
    try:
        tz = ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError("unknown time zone for the office hours") from error
    return OfficeHours(tuple(windows), tz)


def from_env(env: Mapping[str, str]) -> Optional[OfficeHours]:
    """The configured hours, or None when none (or none that can be read) are configured."""
    spec = env.get(HOURS_SETTING, "").strip()
    if not spec:
        return None
    try:
        return parse(spec, env.get(ZONE_SETTING, "").strip() or DEFAULT_ZONE)
    except ValueError as error:
        logger.warning("%s or %s cannot be read (%s): no office hours announced", HOURS_SETTING, ZONE_SETTING, error)
        return None


def describe_moment(moment: datetime, now: datetime, language: str) -> str:
    """When ``moment`` is, as the assistant says it: "vandaag om 09:00", "tomorrow at 09:00", "on Monday at
    09:00" (``moment`` in the team's zone; ``now`` any aware time)."""
    here = now.astimezone(moment.tzinfo)
    days = (moment.date() - here.date()).days
    clock = moment.strftime("%H:%M")
    if language == "en":
        day = "today" if days == 0 else "tomorrow" if days == 1 else f"on {DAY_NAMES['en'][moment.weekday()]}"
        return f"{day} at {clock}"
    day = "vandaag" if days == 0 else "morgen" if days == 1 else DAY_NAMES["nl"][moment.weekday()]
    return f"{day} om {clock}"
