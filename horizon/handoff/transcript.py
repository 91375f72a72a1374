"""The conversation so far, as it is shown to the person and then passed to the team's desk.

Why it is built here, once: the person sees exactly the text the team will get ("this is what I will pass
on"), in their language. Personal data (e-mail addresses, phone numbers, street addresses, names introduced
as names, and the answers given in a form of this conversation) is masked unless the person said
yes to passing it on (the masking of :mod:`horizon.insights.masking`). The assistant's own words are kept,
except where they repeat what the person gave (their address, their name).

Input: a conversation's events as Rasa writes them (dicts with ``event``, ``text``, ``name``, ``value``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, List, Mapping, Sequence, Tuple

from horizon.insights.ingest import PERSONAL_SLOTS
from horizon.insights.masking import EMAIL_MASK, is_question_text, mask, mask_values
from horizon.redaction import EMAIL

#: The action that offers a person: the transcript ends where the hand-off began.
OFFER_ACTION = "action_offer_human"
#: Slots that also hold what the person typed about themself (the message form's answers).
MORE_PERSONAL_SLOTS = frozenset({"handoff_email", "handoff_question"})
MAX_LINES = 16
MAX_LINE_CHARACTERS = 400
SPEAKERS = {"nl": ("Bezoeker", "Assistent"), "en": ("Visitor", "Assistant")}

Line = Tuple[str, str]  # ("user" | "bot", text)


@dataclass(frozen=True)
class Transcript:
    text: str
    has_personal_data: bool  # masking changed something: the person is asked whether to pass it on


def conversation_lines(events: Sequence[Mapping[str, Any]]) -> List[Line]:
    """What the person typed and the assistant said in this session, up to the offer of a person (button
    clicks are not typed text and are left out); the last :data:`MAX_LINES`."""
    start = 0
    end = len(events)
    for index, event in enumerate(events):
        if event.get("event") == "session_started":
            start = index
    for index in range(len(events) - 1, start - 1, -1):
        if events[index].get("event") == "action" and events[index].get("name") == OFFER_ACTION:
            end = index
            break
    lines: List[Line] = []
    for event in events[start:end]:
        text = event.get("text")
        if event.get("event") == "user" and is_question_text(text):
            lines.append(("user", str(text).strip()))
        elif event.get("event") == "bot" and isinstance(text, str) and text.strip():
            lines.append(("bot", text.strip()))
    return lines[-MAX_LINES:]


def personal_values(events: Iterable[Mapping[str, Any]]) -> List[str]:
    """The answers the person gave in the conversation's forms (kept in slot events even after the slots were
    cleared): masked wherever they recur."""
    names = PERSONAL_SLOTS | MORE_PERSONAL_SLOTS
    return [
        event["value"]
        for event in events
        if event.get("event") == "slot" and event.get("name") in names and isinstance(event.get("value"), str)
    ]


def _shorten(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_LINE_CHARACTERS else text[: MAX_LINE_CHARACTERS - 1] + "…"


def _masked(speaker: str, text: str, personal: Sequence[str]) -> str:
    if speaker == "user":
        return mask(text, personal, numbers=False)
    return EMAIL.sub(EMAIL_MASK, mask_values(text, personal))


def render(lines: Sequence[Line], language: str, personal: Sequence[str], share_details: bool) -> Transcript:
    """The lines as one text ("Bezoeker: ...", "Assistent: ..."), masked unless ``share_details``."""
    visitor, assistant = SPEAKERS.get(language, SPEAKERS["nl"])
    shown: List[str] = []
    changed = False
    for speaker, text in lines:
        masked = _masked(speaker, text, personal)
        changed = changed or masked != text
        label = visitor if speaker == "user" else assistant
        shown.append(f"{label}: {_shorten(text if share_details else masked)}")
    return Transcript("\n".join(shown), changed)


def transcript(events: Sequence[Mapping[str, Any]], language: str, share_details: bool) -> Transcript:
    """The conversation so far, as it will be passed on."""
    return render(conversation_lines(events), language, personal_values(events), share_details)
