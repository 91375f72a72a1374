"""Property-based fuzzing (hypothesis) of the REST webhook and the action server, on the real servers.

Whatever the body, the answer is a 2xx with a JSON list (REST) or a 4xx, never a 5xx, and the servers keep
answering. `make test` tries FUZZ_EXAMPLES (default 200) per endpoint; `make fuzz` 5,000. The counts and
durations are printed and written to results/fuzz-<endpoint>.json.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from pathlib import Path
from typing import Any, Dict

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.paths import ROOT
from tests.support.http import send
from tests.support.rest import Conversation

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "200"))
SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,  # nothing written into the working tree
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Any character, lone surrogates included (JSON escapes them; the server must cope).
any_text = st.text(st.characters(blacklist_categories=()), max_size=60) | st.text(max_size=1200)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | any_text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(any_text, inner, max_size=4),
    max_leaves=12,
)
senders = st.uuids().map(str) | st.text(max_size=150) | json_values
rest_calls = st.fixed_dictionaries(
    {"sender": senders, "message": any_text | json_values},
    optional={
        "metadata": json_values | st.fixed_dictionaries({"language": st.sampled_from(["nl", "en", "fr", 3])}),
        "input_channel": json_values,
    },
)
bodies = (
    rest_calls.map(lambda call: json.dumps(call).encode())
    | json_values.map(lambda value: json.dumps(value).encode())
    | st.binary(max_size=300)
)


def record(endpoint: str, counts: Dict[str, Any], started: float) -> None:
    counts["seconds"] = round(time.monotonic() - started, 1)
    print(f"\nfuzz {endpoint}: {counts}")
    out = ROOT / "results" / f"fuzz-{endpoint}.json"
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(counts, indent=2))


def test_the_rest_webhook_never_fails_on_any_body(running_bot, capsys) -> None:
    url = f"{running_bot.url}/webhooks/rest/webhook"
    counts: Dict[str, Any] = {"examples": 0, "statuses": {}}

    @SETTINGS
    @given(body=bodies)
    def one_call(body: bytes) -> None:
        answer = send(url, body)
        counts["examples"] += 1
        counts["statuses"][answer.status] = counts["statuses"].get(answer.status, 0) + 1
        assert answer.status < 500, (answer.status, body[:300])
        if answer.status == 200:
            assert isinstance(answer.json(), list)

    started = time.monotonic()
    with capsys.disabled():
        one_call()
        record("rest", counts, started)
    assert counts["examples"] >= min(EXAMPLES, 50)
    assert Conversation(running_bot).say("hallo")  # still serving


def tracker_for(sender: Any, slots: Any, events: Any, latest: Any) -> Dict[str, Any]:
    return {"sender_id": sender, "slots": slots, "events": events, "latest_message": latest}


def test_the_action_server_never_fails_on_any_call(running_bot, capsys) -> None:
    url = f"{running_bot.actions_url}/webhook"
    headers = {"X-Horizon-Action-Token": running_bot.action_token}
    listed = json.loads(send(f"{running_bot.actions_url}/actions", None, headers, method="GET").body)
    names = [entry["name"] for entry in listed]
    trackers = st.builds(
        tracker_for,
        sender=st.uuids().map(str),
        slots=st.dictionaries(st.sampled_from(["language", "volunteer_name", "volunteer_email", "place"]), json_values)
        | json_values,
        events=st.lists(json_values, max_size=3) | json_values,
        latest=json_values,
    )
    calls = st.fixed_dictionaries(
        {"next_action": st.sampled_from(names) | any_text, "tracker": trackers | json_values},
        optional={"domain": json_values, "version": json_values},
    )
    action_bodies = calls.map(lambda call: json.dumps(call).encode()) | bodies
    counts: Dict[str, Any] = {"examples": 0, "statuses": {}}

    @SETTINGS
    @given(body=action_bodies)
    def one_call(body: bytes) -> None:
        answer = send(url, body, headers)
        counts["examples"] += 1
        counts["statuses"][answer.status] = counts["statuses"].get(answer.status, 0) + 1
        assert answer.status < 500, (answer.status, body[:300], answer.body[:300])

    started = time.monotonic()
    with capsys.disabled():
        one_call()
        record("actions", counts, started)
    assert counts["examples"] >= min(EXAMPLES, 50)
    assert send(f"{running_bot.actions_url}/health", None, method="GET").status == 200
    assert Conversation(running_bot).say(f"hallo {uuid.uuid4().hex[:4]}")
