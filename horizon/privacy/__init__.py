"""Forgetting people: proof for deleting someone else's sign-up, traces left in database files, retention."""
