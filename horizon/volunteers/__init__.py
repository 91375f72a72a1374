"""Volunteer sign-ups: answers, e-mail checks, storage, the outbox and its delivery."""
