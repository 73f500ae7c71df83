"""Shared fixtures: a tiny Qwen3-style tokenizer and tiny random Qwen3 models (CPU, seconds)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# Never reach the hub from tests, and keep torch to the 2 cores we have.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

TOKENIZER_TEXT = [
    "Munich. The BMW Group presents the new BMW iX3 with 340 kW at the Leipzig plant.",
    "The price starts at € 68,900. Production begins in Debrecen in March 2026.",
    'Oliver Zipse, Chairman of the Board of Management, said: "This is a milestone."',
    "Die BMW Group präsentiert das neue Modell im Werk München. Größe, Übergänge, Öl.",
    "Question: What is the power output? Answer: 250 kW. The range is 805 km (WLTP).",
] * 20


@pytest.fixture(scope="session")
def pressclub_reference() -> Path:
    """The saved real PressClub pages (``../shared/reference/pressclub``); skips where absent."""
    for candidate in (Path("/work/shared"), Path(__file__).resolve().parents[2] / "shared"):
        if (candidate / "reference" / "pressclub").is_dir():
            return candidate / "reference" / "pressclub"
    pytest.skip("../shared/reference/pressclub not present")


@pytest.fixture
def one_thread():
    """Toy-size matmuls: with 2 shared cores, one intra-op thread is many times faster (modules that
    run many tiny models use it for every test: ``pytestmark = pytest.mark.usefixtures("one_thread")``)."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="session")
def tiny_tokenizer():
    from presstune.models.tinybase import train_tokenizer

    return train_tokenizer(TOKENIZER_TEXT, vocab_size=512)


@pytest.fixture
def tiny_qwen3(tiny_tokenizer):
    """Factory: ``tiny_qwen3(num_hidden_layers=6, seed=0)`` -> a random Qwen3ForCausalLM in eval mode."""
    import torch
    from transformers import Qwen3ForCausalLM

    from presstune.models.tinybase import tiny_qwen3_config

    def make(seed: int = 0, **overrides):
        torch.manual_seed(seed)
        config = tiny_qwen3_config(len(tiny_tokenizer), **overrides)
        config.pad_token_id = tiny_tokenizer.pad_token_id
        config.eos_token_id = tiny_tokenizer.eos_token_id
        model = Qwen3ForCausalLM(config)
        model.eval()
        return model

    return make
