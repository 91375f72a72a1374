"""Rasa's events without personal data: what the event broker may send to RabbitMQ.

Why: in cluster mode every event leaves the Rasa server for a queue that other programs read (the insights
ingestion, and whatever an operator binds to the exchange). Personal data stays in the tracker store, under
its retention and "vergeet mij"; what leaves is masked here, before it is published (bot/event_broker.py).

What is masked, per published event (the dictionaries of ``Event.as_dict()`` plus ``sender_id``):

* ``sender_id`` becomes a keyed pseudonym (HMAC-SHA256): a WhatsApp or SMS sender id is a phone number.
  The key (``EVENT_BROKER_PSEUDONYM_KEY``) is the same on every replica, so a conversation keeps one name.
* A person's message (``text``, ``parse_data.text``): replaced by ``[redacted]`` while a form asks a
  question (an answer to "your name?" is personal whatever it looks like; the insights never keep such a
  text either); otherwise masked by :func:`horizon.insights.masking.mask` with the values the person gave
  in a form of the same conversation (e-mail, phone, street address, numbers, "ik ben ..." names).
* Entities: values of the fixed vocabularies (language, value, place codes ...) kept, other values masked;
  extractor-specific ``additional_info`` dropped.
* Slots: the personal ones (:data:`PERSONAL_SLOTS`) become ``[redacted]``; the structured ones the insights
  read (:data:`STRUCTURED_SLOTS`) are kept; every other text in a slot value is masked.
* The bot's answers (``text``, buttons, response variables in ``metadata``): masked the same way, since a
  summary repeats the name and e-mail address; the ``utter_action`` and a quoted strategy passage are kept.
* A message's channel metadata: only the keys of :data:`USER_METADATA` are kept.

Each masked event carries ``event_id``, a keyed digest of the pseudonym, the event's position in the
conversation and its type and time: the same event published twice (a retry) has the same id, so a consumer
can drop the second copy. And ``stored_at``, the time its replica stored it: replicas publish on their own,
so the events of one conversation can reach the queue out of order (a replica that lost RabbitMQ for a
while sends its events late); sorting by ``stored_at`` (stable) gives the conversation's order back, since a
conversation's next message is stored only after the previous answer went out.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time
from typing import Any, Dict, Iterable, List, Optional, Sequence, Set

from horizon.insights.ingest import passage_of
from horizon.insights.masking import mask
from horizon.privacy.erasure import FORGET_SLOT

REDACTED = "[redacted]"
#: Slots that hold what a person typed about themself or for a person to read: never published.
PERSONAL_SLOTS = frozenset(
    {
        "volunteer_name",
        "volunteer_email",
        "volunteer_phone",
        "volunteer_place",
        "volunteer_postcode",
        "volunteer_pending_place",
        "volunteer_activity_note",
        "forget_address",
        "forget_code",
        "handoff_question",
        "handoff_email",
        "session_started_metadata",
    }
)
#: Slots whose values are codes the insights read (places as "municipality:44021", topics, the form's
#: question, the forget marker): kept as they are.
STRUCTURED_SLOTS = frozenset(
    {
        "requested_slot",
        "language",
        "language_locked",
        "topic",
        "more_step",
        "location",
        "initiative_search",
        FORGET_SLOT,
    }
)
#: Entities whose values come from fixed vocabularies or the place resolver's canonical codes.
VOCABULARY_ENTITIES = frozenset(
    {
        "language",
        "value_name",
        "solidarity_aspect",
        "volunteer_activity",
        "volunteer_field",
        "location",
        "volunteer_place",
    }
)
ENTITY_KEYS = ("entity", "start", "end", "value", "confidence_entity", "extractor", "role", "group", "processors")
#: Channel metadata of a message that may leave the server (the page language; Rasa's model and assistant ids).
USER_METADATA = frozenset({"language", "model_id", "assistant_id"})
#: Bot metadata kept as it is: the response's name.
BOT_METADATA = frozenset({"utter_action", "model_id", "assistant_id", "template_name"})
_CODE = re.compile(r"^[a-z_]+:[\w-]+$")  # "municipality:44021", "province:VAN"
EVENT_ID_BYTES = 16


def personal_values(events: Iterable[Dict[str, Any]]) -> Set[str]:
    """The texts of the personal slots set in ``events`` (the conversation so far): masked wherever they
    recur in a message or an answer."""
    return {
        e["value"]
        for e in events
        if e.get("event") == "slot"
        and e.get("name") in PERSONAL_SLOTS
        and isinstance(e.get("value"), str)
        and e["value"].strip()
    }


class EventMasker:
    """Masks events for publishing; one per broker, with the pseudonym key shared by all replicas."""

    def __init__(self, key: bytes) -> None:
        if len(key) < 16:
            raise ValueError("the pseudonym key must have at least 16 bytes")
        self._key = key

    def pseudonym(self, sender_id: str) -> str:
        """The conversation's name outside the server (the same for the same sender id and key)."""
        return "p-" + hmac.new(self._key, sender_id.encode("utf-8"), hashlib.sha256).hexdigest()[:32]

    def event_id(self, pseudonym: str, position: Optional[int], event: Dict[str, Any]) -> str:
        """Identity of one event: a retry of the same event gets the same id."""
        if position is None:  # no position known: the event's own content tells it apart
            what = json.dumps(event, sort_keys=True, default=str)
        else:
            what = f"{position}|{event.get('event')}|{event.get('timestamp')!r}"
        digest = hmac.new(self._key, f"{pseudonym}|{what}".encode(), hashlib.sha256)
        return digest.hexdigest()[: 2 * EVENT_ID_BYTES]

    def conversation(
        self,
        sender_id: str,
        events: Sequence[Dict[str, Any]],
        first: Optional[int] = None,
        earlier: Iterable[Dict[str, Any]] = (),
        stored_at: Optional[float] = None,
    ) -> List[Dict[str, Any]]:
        """``events`` (new events of one conversation, as ``Event.as_dict()``) masked, each with ``sender_id``
        (the pseudonym), ``event_id`` and ``stored_at`` (default: now). ``first``: the position of the first one
        in the conversation's stored events; ``earlier``: the conversation's events before them (slot and
        session events suffice)."""
        stored_at = time.time() if stored_at is None else stored_at
        earlier = list(earlier)
        personal = personal_values(earlier) | personal_values(events)
        asking = _asking(earlier)
        name = self.pseudonym(sender_id)
        masked = []
        for index, event in enumerate(events):
            kind = event.get("event")
            if kind == "slot" and event.get("name") == "requested_slot":
                asking = event.get("value") is not None
            elif kind in ("session_started", "restart"):
                asking = False
            body = {"sender_id": name, **mask_event(event, personal, in_form=asking)}
            position = None if first is None else first + index
            body["event_id"] = self.event_id(name, position, event)
            body["stored_at"] = stored_at
            body["part"] = [index, len(events)]
            masked.append(body)
        return masked

    def event(self, event: Dict[str, Any]) -> Dict[str, Any]:
        """One event published without its conversation (not through the tracker store): masked by patterns."""
        return self.conversation(str(event.get("sender_id") or ""), [event])[0]


def _asking(events: Iterable[Dict[str, Any]]) -> bool:
    """Whether a form is asking a question at the end of ``events``."""
    asking = False
    for e in events:
        if e.get("event") == "slot" and e.get("name") == "requested_slot":
            asking = e.get("value") is not None
        elif e.get("event") in ("session_started", "restart"):
            asking = False
    return asking


def mask_event(event: Dict[str, Any], personal: Iterable[str] = (), in_form: bool = False) -> Dict[str, Any]:
    """A copy of one event dictionary without personal data (see the module docstring)."""
    personal = tuple(personal)
    kind = event.get("event")
    out = {k: v for k, v in event.items() if k != "sender_id"}
    if kind == "user":
        text = event.get("text")
        out["text"] = _message_text(text, personal, in_form)
        parse = dict(event.get("parse_data") or {})
        if "text" in parse:
            parse["text"] = _message_text(parse["text"], personal, in_form)
        if "entities" in parse:
            parse["entities"] = _entities(parse["entities"], personal)
        if isinstance(parse.get("metadata"), dict):
            parse["metadata"] = {k: v for k, v in parse["metadata"].items() if k in USER_METADATA}
        if "parse_data" in event:
            out["parse_data"] = parse
        if isinstance(event.get("metadata"), dict):
            out["metadata"] = {k: v for k, v in event["metadata"].items() if k in USER_METADATA}
    elif kind == "bot":
        out["text"] = _masked(event.get("text"), personal)
        out["data"] = _masked(event.get("data"), personal)
        metadata = event.get("metadata")
        if isinstance(metadata, dict):
            out["metadata"] = {k: _bot_metadata(k, v, personal) for k, v in metadata.items()}
    elif kind == "slot":
        name = event.get("name")
        if name in PERSONAL_SLOTS:
            out["value"] = REDACTED if event.get("value") not in (None, "") else event.get("value")
        elif name not in STRUCTURED_SLOTS:
            out["value"] = _masked(event.get("value"), personal)
    else:
        for key in ("text", "action_text"):
            if isinstance(event.get(key), str):
                out[key] = mask(event[key], personal)
    if isinstance(out.get("entities"), list):
        out["entities"] = _entities(out["entities"], personal)
    if kind not in ("user", "bot") and isinstance(out.get("metadata"), dict):
        out["metadata"] = _masked(out["metadata"], personal)
    return out


def _message_text(text: Any, personal: Sequence[str], in_form: bool) -> Any:
    if not isinstance(text, str) or not text:
        return text
    if in_form and not text.lstrip().startswith("/"):  # a typed answer; a button's payload says only its intent
        return REDACTED
    return mask(text, personal)


def _entities(entities: Any, personal: Sequence[str]) -> Any:
    if not isinstance(entities, list):
        return entities
    kept = []
    for entity in entities:
        if not isinstance(entity, dict):
            continue
        clean = {k: entity[k] for k in ENTITY_KEYS if k in entity}
        value = entity.get("value")
        if entity.get("entity") in VOCABULARY_ENTITIES and (not isinstance(value, str) or _vocabulary(value)):
            clean["value"] = value
        else:
            clean["value"] = _masked(value, personal)
        kept.append(clean)
    return kept


def _vocabulary(value: str) -> bool:
    """A code word ("en", "dignity", "local_group") or a canonical place ("municipality:44021")."""
    return bool(re.fullmatch(r"[a-z_]{1,40}", value) or _CODE.match(value))


def _bot_metadata(key: str, value: Any, personal: Sequence[str]) -> Any:
    if key in BOT_METADATA:
        return value
    if key in ("quote", "passage") and passage_of(value) is not None:  # the strategy's own (public) text
        return value
    return _masked(value, personal)


def _masked(value: Any, personal: Sequence[str]) -> Any:
    """Every text inside ``value`` (strings, lists, dictionaries) masked; numbers and booleans kept."""
    if isinstance(value, str):
        return mask(value, personal)
    if isinstance(value, list):
        return [_masked(v, personal) for v in value]
    if isinstance(value, dict):
        return {k: _masked(v, personal) for k, v in value.items()}
    return value
