"""The domain's contract: the intents later features rely on, and every response in both languages."""

from __future__ import annotations

import importlib
import pkgutil
import re

from rasa.shared.core.domain import Domain
from rasa_sdk.forms import ValidationAction

import actions
from bot.paths import DOMAIN, ROOT

REQUIRED_INTENTS = """
ask_organisation ask_vision ask_mission ask_solidarity ask_values ask_levers ask_manifest ask_fourth_pillar
get_involved volunteer donate find_initiatives start_initiative ask_campaign forget_me
greet goodbye thank affirm deny bot_challenge ask_capabilities change_language tell_more out_of_scope
""".split()
LANGUAGE_CONDITION = [{"type": "slot", "name": "language", "value": "en"}]


def test_required_intents_exist(domain):
    assert set(REQUIRED_INTENTS) <= set(domain["intents"])


def test_every_response_has_an_english_and_a_dutch_variation(domain):
    for name, variations in domain["responses"].items():
        conditioned = [v for v in variations if v.get("condition") == LANGUAGE_CONDITION]
        default = [v for v in variations if not v.get("condition")]
        assert len(conditioned) == 1 and len(default) == 1, name
        if name != "utter_french_redirect":  # in French on purpose, whatever the slot says
            assert conditioned[0]["text"] != default[0]["text"], name


def test_every_answer_offers_a_next_step(domain):
    # the goodbye; the pointer to the full text; "carry on with your sign-up" and "before I pass you on", which
    # a form's question follows; the live hand-off's "write your question, the team answers here" and "try
    # again or call", whose next step is the person's message to the team (the assistant keeps quiet then)
    no_next_step_needed = {
        "utter_goodbye",
        "utter_more_source",
        "utter_forget_cancelled_resume",
        "utter_handoff_live_open",
        "utter_handoff_live_started",
        "utter_handoff_live_not_forwarded",
        "utter_forget_me_desk_keeps",  # the erasure's confirmation, which asks, follows it
    }
    for name, variations in domain["responses"].items():
        if name in no_next_step_needed:
            continue
        for variation in variations:
            assert variation.get("buttons") or variation["text"].rstrip().endswith("?"), name


def test_buttons_send_known_intents(domain):
    payload = re.compile(r"^/(\w+)")
    for name, variations in domain["responses"].items():
        for variation in variations:
            for button in variation.get("buttons", []):
                intent = payload.match(button["payload"]).group(1)
                assert intent in domain["intents"], (name, button)


def _responses_named_in_code() -> set:
    names = set()
    for path in (ROOT / "actions").rglob("*.py"):
        names |= set(re.findall(r"[\"'](utter_\w+)[\"']", path.read_text()))
    return names


def test_responses_named_by_actions_exist(domain):
    templated = {"utter_topic_", "utter_value_", "utter_solidarity_"}  # completed in topics.py
    rasa_keys = {"utter_action"}  # the key under which Rasa records a bot event's response (actions/handoff.py)
    missing = {n for n in _responses_named_in_code() - rasa_keys if n not in domain["responses"] and n not in templated}
    assert not missing


def test_actions_that_read_the_domain_are_sent_it():
    """endpoints.yml enables Rasa's selective domain: a validation action without the domain would see no
    form and no slots, so every one must be declared `send_domain: true`."""
    for module in pkgutil.iter_modules(actions.__path__):
        importlib.import_module(f"actions.{module.name}")
    readers = {cls().name() for cls in _all_subclasses(ValidationAction) if cls.__module__.startswith("actions.")}
    assert readers, "the volunteer form's validator should be found"
    assert readers <= set(Domain.load(str(DOMAIN))._actions_which_explicitly_need_domain)


def _all_subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _all_subclasses(sub)
