"""What a volunteer can choose to do: the form's choices, with Dutch and English labels."""

from __future__ import annotations

from typing import Dict, Tuple

#: What a volunteer would like to do: code -> (Dutch label, English label). Only what facts.md supports.
ACTIVITIES: Dict[str, Tuple[str, str]] = {
    "local_group": ("meedoen met een lokale 11-groep", "joining a local 11-groep"),
    "campaign": (
        "helpen tijdens de novembercampagne (1–11 november)",
        "helping in the November campaign (1–11 November)",
    ),
    "other": ("iets anders / weet ik nog niet", "something else / not sure yet"),
}
