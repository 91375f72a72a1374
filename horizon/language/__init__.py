"""The conversation's language: detection per message (``detection``) and the choice per turn (``choice``)."""
