"""rasa-sdk's plugin hook, so that plain `rasa run actions` in the project root is Horizon's action server.

rasa-sdk imports a top-level package `rasa_sdk_plugins` when it starts (`rasa_sdk.plugin`), and Rasa puts the
working directory on the import path. This one gives the stock server what `python -m actions.server` has
(actions/server.py): a loopback bind unless `ACTIONS_HOST` (or rasa-sdk's own `SANIC_HOST`) says otherwise,
the shared secret when `ACTION_SERVER_TOKEN` is set, the input check and errors without the request body,
no access log, and the log redaction. `rasa run actions` reads the bind address after loading plugins.
"""

from __future__ import annotations

import os

import pluggy
from sanic import Sanic

from actions.server import TOKEN_VARIABLE, guard
from horizon.redaction import install_log_redaction

hookimpl = pluggy.HookimplMarker("rasa_sdk")


class HorizonActionServer:
    """The hook implementation: guards the app rasa-sdk built."""

    @hookimpl  # type: ignore[misc]
    def attach_sanic_app_extensions(self, app: Sanic) -> None:
        guard(app, os.environ.get(TOKEN_VARIABLE) or None)


def init_hooks(manager: pluggy.PluginManager) -> None:
    """Called by rasa-sdk before it reads SANIC_HOST: loopback unless configured."""
    os.environ.setdefault("SANIC_HOST", os.environ.get("ACTIONS_HOST", "127.0.0.1"))
    install_log_redaction()
    manager.register(HorizonActionServer())
