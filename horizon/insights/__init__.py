"""Insights for the team: facts about conversations without personal data, and the report built on them.

`models` (the analytics tables), `masking` (what of a question may be kept), `ingest` (tracker events in,
facts out, incrementally), `report` (one self-contained HTML file) and `teaching` (proposed training
examples, passages never retrieved). Free of Rasa: events arrive as plain dictionaries from any source.
"""
