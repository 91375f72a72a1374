"""Hand-off to people (issue 14): when the team can be reached, and what the assistant says about it."""
