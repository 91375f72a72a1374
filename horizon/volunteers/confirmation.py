"""The confirmation to the volunteer, in the sign-up's language (Dutch or English): subject and plain text.

What it says, and why: what was stored (the choice, the municipality, the address), who may use it (a local
group or the central team, to get in touch), how long it is kept (``SIGNUP_RETENTION_DAYS``) and how to have
it erased ("vergeet mij" / "forget me", as the assistant's privacy line says). It also reaches a person whose
address someone else typed, so it tells them how to undo that. Facts about 11.11.11 come only from
``data/source/facts.md`` (its name and address); it promises no date and no reply.

The same text goes by SMTP, or in the webhook event for the organisation's own system to send.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from horizon.volunteers.activities import activity_label

#: The sender as data/source/facts.md names it.
SIGNATURE = "11.11.11 – Koepel van Internationale Solidariteit\nVlasfabriekstraat 11, 1060 Brussel"

_TEXTS = {
    "nl": {
        "subject": "Je inschrijving als vrijwilliger bij 11.11.11",
        "subject_update": "Je inschrijving als vrijwilliger bij 11.11.11 is bijgewerkt",
        "opening": "Bedankt! Je hebt je via de Horizon-assistent ingeschreven als vrijwilliger bij 11.11.11.",
        "opening_update": "Je hebt je inschrijving als vrijwilliger bij 11.11.11 bijgewerkt via de Horizon-assistent.",
        "body": (
            "Dag {name},\n\n"
            "{opening}\n\n"
            "Dit hebben we van je bewaard:\n"
            "- Wat je graag wilt doen: {activity}\n"
            "- Gemeente: {place}\n"
            "- E-mailadres: {email}\n\n"
            "Een lokale 11-groep in je buurt of het centrale team van 11.11.11 kan via dit e-mailadres contact met "
            "je opnemen. We gebruiken je gegevens alleen daarvoor en bewaren ze hoogstens {days} dagen na je "
            "laatste wijziging.\n\n"
            'Wil je dat we je gegevens wissen? Antwoord op deze e-mail met "vergeet mij", of typ in een gesprek '
            'met de Horizon-assistent "vergeet mij" en dit e-mailadres. Heb je je niet zelf ingeschreven? '
            'Antwoord dan ook met "vergeet mij".\n\n'
            "Met vriendelijke groeten\n"
            "{signature}\n"
        ),
    },
    "en": {
        "subject": "Your volunteer sign-up with 11.11.11",
        "subject_update": "Your volunteer sign-up with 11.11.11 has been updated",
        "opening": "Thank you! You signed up as a volunteer with 11.11.11 through the Horizon assistant.",
        "opening_update": "You updated your volunteer sign-up with 11.11.11 through the Horizon assistant.",
        "body": (
            "Hello {name},\n\n"
            "{opening}\n\n"
            "This is what we stored:\n"
            "- What you would like to do: {activity}\n"
            "- Municipality: {place}\n"
            "- Email address: {email}\n\n"
            "A local 11-groep near you or the central team of 11.11.11 may contact you at this email address. "
            "We use your details only for that and keep them for at most {days} days after your last change.\n\n"
            'Would you like us to erase your details? Reply to this email with "forget me", or type "forget me" '
            "and this email address in a conversation with the Horizon assistant. Did you not sign up "
            'yourself? Then please reply with "forget me" too.\n\n'
            "Kind regards\n"
            "{signature}\n"
        ),
    },
}


@dataclass(frozen=True)
class Confirmation:
    language: str  # "nl" or "en"
    subject: str
    text: str


def confirmation_language(language: str) -> str:
    """English for English conversations, else Dutch (the assistant's two languages)."""
    return "en" if language == "en" else "nl"


def render_confirmation(
    *,
    name: str,
    email: str,
    activity: str,
    place: str,
    language: str,
    is_update: bool,
    retention_days: int,
    activity_note: Optional[str] = None,
) -> Confirmation:
    """The message; ``place`` is the municipality's label in the same language ("Gent (9000)", "Ghent")."""
    language = confirmation_language(language)
    texts = _TEXTS[language]
    label = activity_label(activity, language, activity_note)
    text = texts["body"].format(
        name=name,
        opening=texts["opening_update" if is_update else "opening"],
        activity=label,
        place=place,
        email=email,
        days=retention_days,
        signature=SIGNATURE,
    )
    return Confirmation(language, texts["subject_update" if is_update else "subject"], text)
