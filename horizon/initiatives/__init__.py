"""Local groups and initiatives: vocabularies, tables, search, display and import."""
