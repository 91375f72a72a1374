"""Where the project keeps things, relative to the repository root (so any working directory works)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MODELS = ROOT / "models"
MODEL = MODELS / "horizon.tar.gz"
FINGERPRINT = MODELS / "horizon.fingerprint"
VAR = ROOT / "var"  # runtime files: git-ignored
CONFIG = ROOT / "config.yml"
DOMAIN = ROOT / "domain"
DATA = ROOT / "data"
# What the model is trained from, relative to the repository root. bot.training adds what the custom
# components read: the place tables in data/reference (not the sample initiatives, which only the actions
# read) and the source of every project module they import. data/source feeds the actions, not the model.
TRAINING_DATA = ("config.yml", "domain", "data/nlu", "data/rules")
REFERENCE_TABLES = "data/reference/*.csv"
NOT_READ_BY_THE_MODEL = ("data/reference/sample_initiatives.csv",)
