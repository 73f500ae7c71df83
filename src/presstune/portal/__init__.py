"""Portal profiles (:mod:`presstune.portal.profile`): ``pressclub`` built in, others from YAML."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import Field, field_validator

from presstune.portal.pressclub import PRESSCLUB
from presstune.portal.profile import Boilerplate, Brands, PortalProfile, Prompts, UrlScheme, any_of
from presstune.schema import Strict

#: Profiles known by name; any other ``portal.profile`` value is a path to a YAML profile.
BUILT_IN = {"pressclub": PRESSCLUB}

__all__ = [
    "BUILT_IN",
    "PRESSCLUB",
    "Boilerplate",
    "Brands",
    "PortalConfig",
    "PortalProfile",
    "Prompts",
    "UrlScheme",
    "any_of",
    "load_profile",
]


def load_profile(name_or_path: str) -> PortalProfile:
    """The built-in profile of that name, or the YAML profile at that path. Raises ValueError
    naming what is wrong (pydantic's ValidationError is one)."""
    if name_or_path in BUILT_IN:
        return BUILT_IN[name_or_path]
    path = Path(name_or_path).expanduser()
    if not path.is_file():
        known = ", ".join(sorted(BUILT_IN))
        raise ValueError(f"portal profile {name_or_path!r}: no built-in profile of that name ({known}) nor a file")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ValueError(f"portal profile {path}: cannot read it as YAML: {exc}") from None
    return PortalProfile.model_validate(data)


class PortalConfig(Strict):
    """The ``portal`` section: which press portal the run's releases come from."""

    profile: str = Field(
        "pressclub",
        description=(
            'A built-in profile\'s name ("pressclub": the BMW Group PressClub) or the path of a YAML profile '
            "(PortalProfile's fields): brand names, boilerplate, prompts, URL scheme."
        ),
    )

    @field_validator("profile")
    @classmethod
    def _loads(cls, value: str) -> str:
        load_profile(value)  # an unknown name or a bad file is a config error naming this key
        return value

    def load(self) -> PortalProfile:
        return load_profile(self.profile)
