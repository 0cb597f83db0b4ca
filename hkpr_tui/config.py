"""The user's configuration file (TOML). Headless: no Textual here.

Location: ``$HKPR_CONFIG``, else ``$XDG_CONFIG_HOME/hkpr/config.toml`` (``~/.config/hkpr/config.toml``).
A missing file is no error. Today it holds the keymap:

    [keymap]
    "reader.script" = "s"            # binding id = key(s), comma-separated
    "reader.next_sentence" = "j,]"

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
    return Config(keymap={k: v.replace(" ", "") for k, v in keymap.items()})
