"""Short press texts and exact greedy generation for the layer-surgery tests."""

from __future__ import annotations

import torch

TEXTS = [
    "The BMW Group presents the new BMW iX3 with 340 kW.",
    "Production begins in Debrecen in March 2026, the price starts at 68,900 euros.",
    "Oliver Zipse said: this is a milestone for the Neue Klasse.",
    "The range is 805 km (WLTP) and the plant in Leipzig builds the batteries.",
]
NEW_TOKENS = 64


def greedy(model, prompt: torch.Tensor, use_cache: bool) -> torch.Tensor:
    return model.generate(
        prompt,
        attention_mask=torch.ones_like(prompt),
        max_new_tokens=NEW_TOKENS,
        min_new_tokens=NEW_TOKENS,
        do_sample=False,
        use_cache=use_cache,
    )
