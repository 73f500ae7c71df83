"""Portal profiles (:mod:`presstune.portal.profile`): ``pressclub`` built in, others from YAML."""

from __future__ import annotations

from pathlib import Path

import yaml

from presstune.portal.pressclub import PRESSCLUB
from presstune.portal.profile import Boilerplate, Brands, PortalProfile, Prompts, UrlScheme

#: Profiles known by name; any other ``portal.profile`` value is a path to a YAML profile.
BUILT_IN = {"pressclub": PRESSCLUB}

__all__ = ["BUILT_IN", "PRESSCLUB", "Boilerplate", "Brands", "PortalProfile", "Prompts", "UrlScheme", "load_profile"]


def load_profile(name_or_path: str) -> PortalProfile:
    """The built-in profile of that name, or the YAML profile at that path. Raises ValueError
    naming what is wrong (pydantic's ValidationError is one)."""
    if name_or_path in BUILT_IN:
        return BUILT_IN[name_or_path]
    path = Path(name_or_path).expanduser()
    if not path.is_file():
        known = ", ".join(sorted(BUILT_IN))
        raise ValueError(f"portal profile {name_or_path!r}: no built-in profile of that name ({known}) nor a file")
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return PortalProfile.model_validate(data)
