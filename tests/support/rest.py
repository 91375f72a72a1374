"""Talking to a running Rasa server over its REST webhook and HTTP API, as a website or app would."""

from __future__ import annotations

import json
import urllib.request
import uuid
from typing import Any, Dict, List, Optional


def post(url: str, body: Dict[str, Any], timeout: float = 30) -> Any:
    request = urllib.request.Request(url, json.dumps(body).encode(), {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read())


class Conversation:
    def __init__(self, bot, metadata: Optional[Dict[str, Any]] = None) -> None:
        self.bot, self.sender, self.metadata = bot, f"e2e-{uuid.uuid4().hex[:8]}", metadata

    def say(self, text: str) -> List[Dict[str, Any]]:
        body = {"sender": self.sender, "message": text}
        if self.metadata:
            body["metadata"] = self.metadata
        return post(f"{self.bot.url}/webhooks/rest/webhook", body)

    def text(self, text: str) -> str:
        return "\n".join(m.get("text", "") for m in self.say(text))

    def tracker(self) -> Dict[str, Any]:
        url = f"{self.bot.url}/conversations/{self.sender}/tracker?token={self.bot.token}"
        with urllib.request.urlopen(url, timeout=10) as response:
            return json.loads(response.read())
