"""How found initiatives and searches are shown: text lines for every channel, cards for the web widget.

Only data is rendered here (names, labels from :mod:`horizon.initiatives.vocabulary`, numbers, contact details the
record allows); the sentences around it are responses in ``domain/initiatives.yml``, in both languages.
Contact details are shown only when present on the view: the repository leaves them out unless the record's
``may_show_contact`` allows them.
"""

from __future__ import annotations

from typing import Dict, Iterable, List, Optional

from horizon.initiatives.repository import InitiativeView
from horizon.initiatives.search_terms import SearchTerms
from horizon.initiatives.vocabulary import INITIATIVE_TYPES, THEMES, country_name, label
from horizon.places import PlaceResolver

SEPARATOR = " · "
Card = Dict[str, Optional[str]]


def format_km(km: float, language: str) -> str:
    """ "8,4 km" in Dutch, "8.4 km" in English; whole kilometres from 10 km on."""
    text = f"{km:.0f}" if km >= 10 else f"{km:.1f}"
    return f"{text.replace('.', ',') if language == 'nl' else text} km"


def describe_terms(terms: SearchTerms, language: str) -> List[str]:
    """The labels of a search's filters, in the conversation's language ("klimaat", "DR Congo", "11-groep")."""
    parts = []
    if terms.type:
        parts.append(label(INITIATIVE_TYPES, terms.type, language))
    if terms.theme:
        parts.append(label(THEMES, terms.theme, language))
    if terms.country:
        parts.append(country_name(terms.country, language))
    return parts


def describe_search(place: Optional[str], terms: SearchTerms, language: str) -> str:
    """ "Gent · klimaat · Peru": what was searched, for the answer's header."""
    return SEPARATOR.join(([place] if place else []) + describe_terms(terms, language))


class InitiativeDisplay:
    """Renders initiative views in one language, with municipality names from the place table."""

    def __init__(self, places: PlaceResolver, language: str) -> None:
        self.places = places
        self.language = language

    def municipality(self, refnis: str) -> str:
        found = self.places.municipality(refnis)
        return found.name(self.language) if found else refnis

    def themes(self, view: InitiativeView) -> str:
        return ", ".join(label(THEMES, code, self.language) for code in view.themes)

    def subtitle(self, view: InitiativeView) -> str:
        parts = [label(INITIATIVE_TYPES, view.type, self.language), self.municipality(view.refnis)]
        if view.distance_km is not None:
            parts.append(format_km(view.distance_km, self.language))
        return SEPARATOR.join(parts)

    @staticmethod
    def contact(view: InitiativeView) -> str:
        return SEPARATOR.join(part for part in (view.email, view.website) if part)

    def line(self, view: InitiativeView) -> str:
        """ "• Name (11-groep · Gent · 8,4 km): klimaat, onderwijs. info@… · https://…"."""
        text = f"• {view.name} ({self.subtitle(view)})"
        themes = self.themes(view)
        if themes:
            text += f": {themes}"
        contact = self.contact(view)
        return f"{text}. {contact}" if contact else text

    def lines(self, views: Iterable[InitiativeView]) -> str:
        return "\n".join(self.line(view) for view in views)

    def card(self, view: InitiativeView) -> Card:
        """A result card for the widget: ``url`` is the website only when the record allows it."""
        text = SEPARATOR.join(part for part in (self.themes(view), view.email) if part)
        return {"title": view.name, "subtitle": self.subtitle(view), "text": text, "url": view.website}

    def cards(self, views: Iterable[InitiativeView]) -> Dict[str, List[Card]]:
        return {"cards": [self.card(view) for view in views]}
