"""Raw HTTP for hostile-input tests: any body, any headers, the answer whatever its status."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from email.message import Message
from typing import Any, Dict, Optional


@dataclass
class Answer:
    status: int
    headers: Message  # case-insensitive
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def send(url: str, body: Optional[bytes], headers: Optional[Dict[str, str]] = None, method: str = "POST") -> Answer:
    request = urllib.request.Request(url, body, {"Content-Type": "application/json", **(headers or {})}, method=method)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return Answer(response.status, response.headers, response.read())
    except urllib.error.HTTPError as error:
        return Answer(error.code, error.headers, error.read())
