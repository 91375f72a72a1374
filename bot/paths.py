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
# What the model is trained from. data/source and data/reference feed the actions, not the model.
TRAINING_INPUTS = (CONFIG, DOMAIN, DATA / "nlu", DATA / "rules", ROOT / "bot" / "nlu")
