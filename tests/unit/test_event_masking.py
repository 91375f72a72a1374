"""horizon.privacy.event_masking: what the event broker publishes carries no personal data, and still what the
insights read (intents, responses, place codes, the forget marker, masked questions)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, List

import pytest
import yaml

from bot.paths import ROOT
from horizon.privacy.event_masking import PERSONAL_SLOTS, REDACTED, STRUCTURED_SLOTS, EventMasker, mask_event
from horizon.strategy.text import passages

KEY = b"k" * 32
NAME, EMAIL, PHONE, STREET = "Jan Peeters", "jan.peeters@example.org", "0470 12 34 56", "Kerkstraat 12"
PII = ("Jan", "Peeters", "jan.peeters", "example.org", "0470", "12 34 56", "Kerkstraat", "+32470123456")


def user(text: str, intent: str = "nlu_fallback", entities: Any = None, **extra: Any) -> Dict[str, Any]:
    return {
        "event": "user",
        "timestamp": 100.0,
        "text": text,
        "parse_data": {
            "text": text,
            "intent": {"name": intent, "confidence": 0.4},
            "entities": entities or [],
            "intent_ranking": [{"name": intent, "confidence": 0.4}],
        },
        "input_channel": "rest",
        "metadata": {"language": "nl", "phone": PHONE, "model_id": "m1"},
        **extra,
    }


def slot(name: str, value: Any, timestamp: float = 101.0) -> Dict[str, Any]:
    return {"event": "slot", "timestamp": timestamp, "name": name, "value": value}


def assert_clean(bodies: List[Dict[str, Any]]) -> None:
    published = json.dumps(bodies)
    for value in PII:
        assert value not in published, value


def test_a_question_keeps_its_words_without_what_identifies_the_person() -> None:
    text = f"ik ben {NAME}, mail {EMAIL} of bel {PHONE}, ik woon in de {STREET}: waar kan ik helpen?"
    body = EventMasker(KEY).conversation("whatsapp:+32470123456", [user(text)], 0)[0]
    assert_clean([body])
    assert body["text"] == body["parse_data"]["text"]
    assert body["text"].startswith("ik ben [name], mail [email] of bel [phone], ik woon in de [address]")
    assert body["text"].endswith("waar kan ik helpen?")
    assert body["parse_data"]["intent"] == {"name": "nlu_fallback", "confidence": 0.4}
    assert body["metadata"] == {"language": "nl", "model_id": "m1"}  # channel metadata beyond these goes


def test_an_answer_to_a_form_question_is_never_published_but_a_button_payload_is() -> None:
    events = [slot("requested_slot", "volunteer_name"), user(NAME, "inform"), slot("volunteer_name", NAME)]
    events += [slot("requested_slot", "volunteer_consent"), user("/affirm", "affirm")]
    bodies = EventMasker(KEY).conversation("s1", events, 0)
    assert_clean(bodies)
    assert bodies[1]["text"] == REDACTED and bodies[1]["parse_data"]["text"] == REDACTED
    assert bodies[2]["value"] == REDACTED
    assert bodies[4]["text"] == "/affirm"


def test_form_values_of_earlier_saves_mask_later_messages_and_answers() -> None:
    earlier = [slot("volunteer_name", NAME), slot("volunteer_email", EMAIL), slot("requested_slot", None)]
    later = [
        user("kan Peeters ook later nog iets wijzigen?"),
        {
            "event": "bot",
            "timestamp": 102.0,
            "text": f"Bedankt {NAME}! We mailen naar {EMAIL}.",
            "data": {"buttons": [{"title": f"Ja, {NAME}", "payload": "/affirm"}]},
            "metadata": {"utter_action": "utter_volunteer_summary", "name": NAME, "email": EMAIL},
        },
    ]
    bodies = EventMasker(KEY).conversation("s1", later, 3, earlier)
    assert_clean(bodies)
    assert bodies[0]["text"] == "kan [name] ook later nog iets wijzigen?"  # not in a form: kept, masked
    assert bodies[1]["metadata"]["utter_action"] == "utter_volunteer_summary"
    assert bodies[1]["data"]["buttons"][0]["payload"] == "/affirm"


def test_slots_personal_redacted_structured_kept_others_masked() -> None:
    search = {"scope": "municipality:44021", "theme": "climate", "next": 5}
    events = [
        slot("forget_address", EMAIL),
        slot("handoff_question", f"bel me op {PHONE}"),
        slot("location", "municipality:44021"),
        slot("initiative_search", search),
        slot("forget_requested", 1234.5),
        slot("volunteer_consent", f"ja hoor, {EMAIL}"),
        slot("volunteer_name", None),
    ]
    bodies = EventMasker(KEY).conversation("s1", events, 0)
    assert_clean(bodies)
    assert [b["value"] for b in bodies] == [
        REDACTED,
        REDACTED,
        "municipality:44021",
        search,
        1234.5,
        "ja hoor, [email]",
        None,  # a reset stays a reset
    ]


def test_entities_of_the_vocabularies_are_kept_other_values_masked() -> None:
    entities = [
        {"entity": "language", "value": "en", "start": 0, "end": 2, "extractor": "LanguageDetector"},
        {"entity": "location", "value": "municipality:44021", "start": 3, "end": 7},
        {"entity": "location", "value": STREET, "start": 3, "end": 7},
        {"entity": "name", "value": NAME, "additional_info": {"raw": NAME}},
    ]
    body = mask_event(user("in Gent", entities=entities), [NAME])
    values = [e["value"] for e in body["parse_data"]["entities"]]
    assert values == ["en", "municipality:44021", "[address]", "[name]"]
    assert all("additional_info" not in e for e in body["parse_data"]["entities"])
    assert_clean([body])


def test_a_quoted_strategy_passage_is_kept_word_for_word() -> None:
    passage = next(p.text for p in passages("nl") if any(c.isdigit() for c in p.text))
    bot = {"event": "bot", "text": passage, "metadata": {"utter_action": "utter_source_passage", "quote": passage}}
    body = mask_event(bot)
    assert body["metadata"]["quote"] == passage  # the insights recognise the passage by its text
    assert body["text"] != passage  # its numbers are masked in the text itself (nobody reads that)


def test_pseudonyms_and_event_ids() -> None:
    masker, other = EventMasker(KEY), EventMasker(b"o" * 32)
    assert masker.pseudonym("whatsapp:+32470123456") == masker.pseudonym("whatsapp:+32470123456")
    assert masker.pseudonym("whatsapp:+32470123456") != other.pseudonym("whatsapp:+32470123456")
    assert masker.pseudonym("a") != masker.pseudonym("b")
    event = slot("topic", "vision")
    first = masker.conversation("a", [event], 7)[0]
    assert first["sender_id"] == masker.pseudonym("a")
    assert masker.conversation("a", [event], 7)[0]["event_id"] == first["event_id"]  # a retry: the same id
    assert masker.conversation("a", [event], 8)[0]["event_id"] != first["event_id"]
    assert masker.conversation("b", [event], 7)[0]["event_id"] != first["event_id"]
    with pytest.raises(ValueError):
        EventMasker(b"short")


def _domain_slots() -> Dict[str, Dict[str, Any]]:
    slots: Dict[str, Dict[str, Any]] = {}
    for path in sorted(Path(ROOT, "domain").glob("*.yml")):
        slots.update((yaml.safe_load(path.read_text()) or {}).get("slots") or {})
    return slots


def test_every_slot_of_the_domain_is_covered() -> None:
    """A slot added later is masked unless listed as structured; the lists name slots that exist."""
    slots = _domain_slots()
    assert STRUCTURED_SLOTS - {"requested_slot"} <= set(slots)
    assert {"volunteer_name", "volunteer_email", "handoff_question", "forget_address"} <= PERSONAL_SLOTS & set(slots)
    typed = f"{NAME} {EMAIL} {PHONE} {STREET}"
    events = [slot(name, typed) for name in slots if name not in STRUCTURED_SLOTS]
    assert_clean(EventMasker(KEY).conversation("s1", events, 0))
