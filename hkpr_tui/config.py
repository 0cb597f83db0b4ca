"""The user's configuration file (TOML). Headless: no Textual here.

Location: ``$HKPR_CONFIG``, else ``$XDG_CONFIG_HOME/hkpr/config.toml`` (``~/.config/hkpr/config.toml``).
A missing file is no error. It holds the keymap and the settings of the learning suggestions:

    [keymap]
    "reader.script" = "s"            # binding id = key(s), comma-separated
    "reader.next_sentence" = "j,]"

    [learn]
    retrain_every = 3                # releases marked done in a session before the model retrains
    threshold = 0.5                  # least confidence of a model suggestion shown

Binding ids are listed in the README and on the help screen (?).
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path


class ConfigError(ValueError):
    """A configuration file hkpr cannot use; the message names the file, line and field."""


@dataclass(frozen=True)
class Config:
    keymap: dict[str, str] = field(default_factory=dict)
    retrain_every: int = 3
    threshold: float = 0.5


def user_file(env_var: str, name: str) -> Path:
    """``$env_var`` if set, else ``name`` in hkpr's config folder (``$XDG_CONFIG_HOME/hkpr``)."""
    explicit = os.environ.get(env_var)
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "hkpr" / name


def config_path() -> Path:
    return user_file("HKPR_CONFIG", "config.toml")


def load_config(path: Path | None = None) -> Config:
    path = path or config_path()
    if not path.exists():
        return Config()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: {exc}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot be read ({exc})") from None
    keymap = data.get("keymap", {})
    if not isinstance(keymap, dict):
        raise ConfigError(f'{path}: [keymap] must be a table of binding id = "keys"')
    for binding_id, keys in keymap.items():
        if not isinstance(keys, str) or not keys.strip():
            raise ConfigError(f'{path}: keymap.{binding_id} must be a string of keys, such as "ctrl+s" or "j,down"')
    learn = data.get("learn", {})
    if not isinstance(learn, dict):
        raise ConfigError(f"{path}: [learn] must be a table (retrain_every, threshold)")
    unknown = sorted(set(learn) - {"retrain_every", "threshold"})
    if unknown:
        raise ConfigError(f"{path}: learn.{unknown[0]} is not a setting (retrain_every, threshold)")
    every = learn.get("retrain_every", 3)
    if isinstance(every, bool) or not isinstance(every, int) or not 1 <= every <= 1000:
        raise ConfigError(f"{path}: learn.retrain_every must be a whole number from 1 to 1000, not {every!r}")
    threshold = learn.get("threshold", 0.5)
    if isinstance(threshold, bool) or not isinstance(threshold, int | float) or not 0 <= threshold <= 1:
        raise ConfigError(f"{path}: learn.threshold must be a number from 0 to 1, not {threshold!r}")
    return Config(
        keymap={k: v.replace(" ", "") for k, v in keymap.items()}, retrain_every=every, threshold=float(threshold)
    )
