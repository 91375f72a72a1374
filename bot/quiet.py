"""A quiet start: the known third-party noise silenced where it comes from, Rasa's own log kept at INFO.

What `make run` prints from start to "running" should fit on one screen: where to chat, how to stop. Rasa
3.6's dependencies print some forty deprecation warnings at every start and TensorFlow's C++ layer a dozen
notices; none is about the project. `PYTHONWARNINGS` cannot silence them: importing Sanic puts a filter
that shows every DeprecationWarning once in front of it. So the servers and training run as
`python -m bot.quiet MODULE ARGS...`, which imports Sanic, then puts in front an `ignore` filter for each
noisy package below (by module: a warning raised by the project's own code, `horizon`, `bot`, `actions`,
still shows), then runs MODULE as `python -m MODULE ARGS...` would.

:func:`quiet_env` gives the servers' environment defaults: TensorFlow's C++ log at errors only, and Rasa's
telemetry off unless `RASA_TELEMETRY_ENABLED=true` is set (README).
"""

from __future__ import annotations

import importlib
import logging
import re
import runpy
import sys
import warnings
from typing import Dict, Mapping

#: Packages whose DeprecationWarnings (and their subclasses: pyparsing's, SQLAlchemy's) are Rasa 3.6's
#: dependencies talking to each other, seen at the start of the servers and in training.
NOISY_PACKAGES = (
    "pkg_resources",  # declare_namespace('ruamel'), ('mpl_toolkits')
    "apscheduler",  # "pkg_resources is deprecated as an API"
    "spacy",  # the same, and click 9
    "typer",  # click 9
    "sanic_cors",  # distutils Version classes
    "packaging",  # pyparsing 3 names
    "matplotlib",  # pyparsing 3 names
    "tensorflow",  # jax.xla_computation
    "rasa.core.tracker_store",  # SQLAlchemy 2.0 deprecations in Rasa's SQL tracker store
)
#: Modules that warn as they are imported, imported here under the filters: pyparsing's DeprecationWarnings
#: are also UserWarnings, and Rasa puts a filter showing every UserWarning once in front when its CLI starts.
IMPORTED_EARLY = ("packaging.requirements", "matplotlib.font_manager")
#: Loggers that report, at INFO, what is not there (jax: no GPU or TPU) or how a library set itself up.
QUIET_LOGGERS = ("jax._src.xla_bridge", "alembic.runtime.plugins")
#: Environment defaults for every server and training process; a setting already made is kept.
DEFAULTS = {
    "RASA_TELEMETRY_ENABLED": "false",  # README: how to turn it on
    "TF_CPP_MIN_LOG_LEVEL": "2",  # TensorFlow's C++ INFO and WARNING lines (no GPU, CPU instructions)
    "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
}


def quiet_env(env: Mapping[str, str]) -> Dict[str, str]:
    """`env` with :data:`DEFAULTS` where it has no value of its own."""
    return {**DEFAULTS, **env}


def install() -> None:
    """Ignores the DeprecationWarnings of :data:`NOISY_PACKAGES` (and their modules), ahead of Sanic's filter,
    and keeps :data:`QUIET_LOGGERS` to warnings."""
    import sanic  # noqa: F401  (its import adds `once` for every DeprecationWarning: ours must come after)

    for package in NOISY_PACKAGES:
        warnings.filterwarnings("ignore", category=DeprecationWarning, module=rf"{re.escape(package)}(\.|$)")
    for module in IMPORTED_EARLY:
        importlib.import_module(module)
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)


def main() -> None:
    """`python -m bot.quiet MODULE ARGS...`: `python -m MODULE ARGS...` with the filters installed."""
    if len(sys.argv) < 2:
        sys.exit("usage: python -m bot.quiet MODULE [ARGS...]")
    module = sys.argv[1]
    del sys.argv[1]
    install()
    runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
