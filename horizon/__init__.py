"""Horizon's domain: places, the strategy text, initiatives, volunteers and the database.

Free of Rasa: nothing here imports ``rasa``, ``rasa_sdk``, ``bot`` or ``actions`` (import-linter checks it),
so the action server, the Rasa server and the command line all build on the same code.
"""
