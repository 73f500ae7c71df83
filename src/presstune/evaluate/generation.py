"""Batched chat generation: the tokenizer's chat template, Qwen3 thinking off, left padding,
stop at the end-of-turn token, answers decoded from the generated token ids only."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from presstune.evaluate.data import EvalData
from presstune.evaluate.perplexity import end_of_turn_id, render_prompt
from presstune.evaluate.variant import Measurement, VariantUnderTest
from presstune.prompts import chat_prompt
from presstune.records import ChatMessage


@dataclass
class Generation:
    text: str
    #: generated token ids, without the end-of-turn token and padding
    ids: list[int]
    #: True when the end-of-turn token was produced (False = cut by max_new_tokens)
    finished: bool


def prompt_ids(tokenizer, messages: list[ChatMessage]) -> list[int]:
    return tokenizer(render_prompt(tokenizer, messages), add_special_tokens=False)["input_ids"]


def generate_chat(
    model,
    tokenizer,
    prompts: list[list[ChatMessage]],
    max_new_tokens: int = 256,
    batch_size: int = 8,
    num_return_sequences: int = 1,
    temperature: float = 0.0,
    seed: int | None = None,
) -> list[list[Generation]]:
    """Generate ``num_return_sequences`` answers per prompt; all of a prompt's samples come from
    one ``generate`` call and prompts are batched. ``temperature=0`` = greedy. Sampling uses the
    plain model distribution at ``temperature`` (top-k and top-p off, whatever the checkpoint's
    generation_config says), as the semantic-entropy paper samples."""
    import torch

    eot = end_of_turn_id(tokenizer)
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else eot
    device = next(model.parameters()).device
    sampling = temperature > 0
    gen_kwargs: dict[str, Any] = dict(
        max_new_tokens=max_new_tokens,
        eos_token_id=eot,
        pad_token_id=pad,
        do_sample=sampling,
        num_return_sequences=num_return_sequences,
        use_cache=True,
    )
    if sampling:
        gen_kwargs.update(temperature=temperature, top_k=0, top_p=1.0)
    else:
        gen_kwargs.update(temperature=None, top_k=None, top_p=None)
    if seed is not None:
        torch.manual_seed(seed)
    out: list[list[Generation]] = []
    encoded = [prompt_ids(tokenizer, p) for p in prompts]
    for start in range(0, len(encoded), batch_size):
        chunk = encoded[start : start + batch_size]
        width = max(len(ids) for ids in chunk)
        # Left padding by hand from the exact prompt ids, so the prompt length is known exactly.
        input_ids = torch.full((len(chunk), width), pad, dtype=torch.long)
        mask = torch.zeros((len(chunk), width), dtype=torch.long)
        for i, ids in enumerate(chunk):
            input_ids[i, width - len(ids) :] = torch.tensor(ids)
            mask[i, width - len(ids) :] = 1
        with torch.inference_mode():
            seqs = model.generate(input_ids=input_ids.to(device), attention_mask=mask.to(device), **gen_kwargs)
        new = seqs[:, width:].tolist()  # slice off the prompt ids: answers come from generated ids only
        for i in range(len(chunk)):
            group = []
            for row in new[i * num_return_sequences : (i + 1) * num_return_sequences]:
                finished = eot in row
                ids = row[: row.index(eot)] if finished else row
                group.append(Generation(tokenizer.decode(ids, skip_special_tokens=True).strip(), ids, finished))
            out.append(group)
    return out


def _write_generations(v: VariantUnderTest) -> None:
    """Greedy answers to the first eval prompts, kept for reading (no metric)."""
    prompts = generation_prompts(v.data, v.eval_cfg.generation_prompts, v.system_prompt)
    gens = (
        generate_chat(
            v.model,
            v.tokenizer,
            [p["prompt"] for p in prompts],
            max_new_tokens=v.eval_cfg.max_new_tokens,
            batch_size=v.eval_cfg.gen_batch_size,
        )
        if prompts
        else []
    )
    v.write_rows(
        "generations",
        [
            {**p, "variant": v.name, "output": g[0].text, "new_tokens": len(g[0].ids), "finished": g[0].finished}
            for p, g in zip(prompts, gens)
        ],
    )


def generation_prompts(data: EvalData, limit: int, system_prompt: str) -> list[dict[str, Any]]:
    """The first ``limit`` eval prompts (one per article), with the reference answer."""
    out: list[dict[str, Any]] = []
    seen: set[str | None] = set()
    for row in data["chat"]:
        key = row.get("id")
        if key in seen:
            continue
        seen.add(key)
        ref = "".join(m.get("content", "") for m in row["completion"])
        out.append({"prompt_id": str(key), "prompt": row["prompt"], "reference": ref})
        if len(out) >= limit:
            return out
    for doc in data["documents"] or data["eval_rows"]:
        if len(out) >= limit:
            break
        if doc.get("id") in seen or not doc.get("title"):
            continue
        seen.add(doc.get("id"))
        user = f'Write the press release titled "{doc["title"]}"' + (
            f" ({doc['date'][:10]})." if doc.get("date") else "."
        )
        out.append(
            {
                "prompt_id": str(doc.get("id")),
                "prompt": chat_prompt(system_prompt, user),
                "reference": doc.get("body") or doc.get("text") or "",
            }
        )
    return out


MEASUREMENT = Measurement("generations", "generations", _write_generations)
