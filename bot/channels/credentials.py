"""The channels the server runs with: `credentials.yml` plus `messaging-channels.yml` filled from the environment.

`credentials.yml` holds the always-on channels (rest, socketio, the widget's files) without placeholders, so
that plain `rasa run` reads it as it is. `messaging-channels.yml` holds the messaging channels with
`${ENV_VAR}` placeholders (`${ENV_VAR:-default}` for optional settings). A channel is kept only when every
required variable it names is set and not empty, so a messaging channel is on exactly when its secrets are
present. Substitution happens after YAML parsing, so a secret can never change the file's structure.

`python -m bot.channels.credentials OUT` writes the result for `rasa run --credentials OUT`.
"""

import logging
import os
import re
import sys
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence, Set, Union

import yaml

logger = logging.getLogger(__name__)

_PLACEHOLDER = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")
PathLike = Union[str, Path]
ROOT = Path(__file__).resolve().parents[2]
ALWAYS_ON_TEMPLATE = ROOT / "credentials.yml"
DEFAULT_TEMPLATE = ROOT / "messaging-channels.yml"  # the channels that need secrets
TEMPLATES = (ALWAYS_ON_TEMPLATE, DEFAULT_TEMPLATE)


def required_variables(value: Any) -> Set[str]:
    """Names of the environment variables without a default that `value` refers to, at any depth."""
    if isinstance(value, dict):
        return set().union(*(required_variables(v) for v in value.values()))
    if isinstance(value, list):
        return set().union(*(required_variables(v) for v in value))
    if isinstance(value, str):
        return {m.group(1) for m in _PLACEHOLDER.finditer(value) if m.group(2) is None}
    return set()


def substitute(value: Any, env: Mapping[str, str]) -> Any:
    """`value` with every placeholder replaced by the variable's value (or its default)."""
    if isinstance(value, dict):
        return {key: substitute(v, env) for key, v in value.items()}
    if isinstance(value, list):
        return [substitute(v, env) for v in value]
    if isinstance(value, str):
        return _PLACEHOLDER.sub(lambda m: env.get(m.group(1)) or m.group(2) or "", value)
    return value


def effective_credentials(template_path: PathLike, env: Mapping[str, str]) -> Dict[str, Any]:
    """The channels of `template_path` whose required variables are all set in `env`, filled in."""
    template = yaml.safe_load(Path(template_path).read_text(encoding="utf-8")) or {}
    if not isinstance(template, dict):
        raise ValueError(f"{template_path} must map channel names to their settings.")
    enabled: Dict[str, Any] = {}
    for channel, settings in template.items():
        missing = sorted(name for name in required_variables(settings) if not env.get(name))
        if missing:
            logger.info("Channel %s is off: %s not set.", channel, ", ".join(missing))
            continue
        enabled[channel] = substitute(settings, env)
    return enabled


def channels(env: Mapping[str, str], templates: Sequence[PathLike] = TEMPLATES) -> Dict[str, Any]:
    """The effective credentials of every template in turn: the always-on channels, then the messaging ones."""
    enabled: Dict[str, Any] = {}
    for template in templates:
        enabled.update(effective_credentials(template, env))
    return enabled


def channel_variables(templates: Sequence[PathLike] = TEMPLATES) -> Set[str]:
    """Every required variable the templates name: the secrets an isolated run must not inherit."""
    return set().union(*(required_variables(yaml.safe_load(Path(t).read_text(encoding="utf-8"))) for t in templates))


def write_credentials(credentials: Dict[str, Any], out_path: PathLike) -> None:
    """Write `credentials` for `rasa run --credentials`, readable only by the owner (it holds secrets)."""
    out = Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as stream:
        yaml.safe_dump(credentials, stream, sort_keys=False, allow_unicode=True)
    os.chmod(out, 0o600)


def main(argv: Optional[List[str]] = None) -> int:
    """`python -m bot.channels.credentials OUT [TEMPLATE...]`: write the effective credentials to OUT."""
    args = sys.argv[1:] if argv is None else argv
    if not args:
        print("usage: python -m bot.channels.credentials OUT [TEMPLATE...]", file=sys.stderr)
        return 2
    credentials = channels(os.environ, args[1:] or TEMPLATES)
    write_credentials(credentials, args[0])
    print("Channels on: " + ", ".join(credentials))
    return 0


if __name__ == "__main__":
    sys.exit(main())
