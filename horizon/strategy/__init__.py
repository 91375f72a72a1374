"""The strategy text, its topics and free-question retrieval."""
