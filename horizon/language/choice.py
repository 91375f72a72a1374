"""Which language the conversation is in, and how that is decided.

Precedence, from strongest to weakest: an explicit choice ("in het Engels aub", a language button), the
channel's metadata (the web page's `<html lang>`), then detection on the message itself. Detection
never flips the language on a short or unclear message: the NLU leaves the entity out then.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, Optional

SUPPORTED = ("nl", "en")
DEFAULT = "nl"
CHANGE_LANGUAGE = "change_language"


@dataclass(frozen=True)
class LanguageChoice:
    language: str
    locked: bool


def entity_language(message: Dict[str, Any]) -> Optional[str]:
    """The `language` entity of a parsed message ('nl', 'en', 'fr'), if any."""
    for entity in message.get("entities") or []:
        if entity.get("entity") == "language":
            return entity.get("value")
    return None


def metadata_language(message: Dict[str, Any]) -> Optional[str]:
    """The language the channel reports (e.g. the page's `<html lang="en-GB">` -> 'en')."""
    metadata = message.get("metadata") or {}
    value = str(metadata.get("language") or "").lower()[:2]
    return value if value in SUPPORTED else None


def choose_language(current: str, locked: bool, message: Dict[str, Any]) -> LanguageChoice:
    """The language for the reply to `message`, given what was decided before."""
    intent = (message.get("intent") or {}).get("name")
    named = entity_language(message)
    if intent == CHANGE_LANGUAGE and named in SUPPORTED:
        return LanguageChoice(named, True)
    if locked:
        return LanguageChoice(current, True)
    from_page = metadata_language(message)
    if from_page:
        return LanguageChoice(from_page, False)
    if named in SUPPORTED:
        return LanguageChoice(named, False)
    return LanguageChoice(current, False)
