"""The demo base model: builds, reloads cleanly, learns, is cached all-or-nothing; the older/newer split."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from presstune.models import tinybase
from presstune.records import ArticleRecord

pytestmark = pytest.mark.slow  # pretrains tiny demo bases (seconds to a minute each on 2 shared cores)

#: Varied press-release-like sentences (repetition is what a tiny model can learn in seconds).
TEXTS = [
    f"Munich. The BMW Group presents the new BMW {model} with {kw} kW at the {plant} plant. "
    f"Production starts in {month} 2026 and the price starts at EUR {price},900."
    for model, kw, plant, month, price in [
        ("iX3", 340, "Debrecen", "March", 68),
        ("i5", 250, "Dingolfing", "May", 70),
        ("X5", 290, "Spartanburg", "June", 81),
        ("M3", 375, "Munich", "July", 92),
        ("MINI Cooper", 135, "Oxford", "April", 31),
        ("i7", 400, "Dingolfing", "August", 120),
    ]
] * 8

#: A toy architecture and a few steps: one build takes about a second on 2 cores.
TINY = dict(
    vocab_size=512,
    config_overrides=dict(
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        head_dim=16,
    ),
    steps=25,
    seq_len=64,
    batch_size=8,
    lr=3e-3,
    seed=0,
)


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    return tinybase.build_demo_base(TEXTS, tmp_path_factory.mktemp("base") / "m", **TINY)


def test_build_saves_a_model_that_reloads_without_new_weights(built, caplog):
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer, Qwen3ForCausalLM
    from transformers.utils import logging as hf_logging

    for name in [
        "model.safetensors",
        "config.json",
        "generation_config.json",
        "tokenizer.json",
        "README.md",
        "base_info.json",
    ]:
        assert (built / name).is_file(), name
    hf_logging.enable_propagation()
    try:
        with caplog.at_level(logging.WARNING):
            model, loading = AutoModelForCausalLM.from_pretrained(built, output_loading_info=True)
            tokenizer = AutoTokenizer.from_pretrained(built)
    finally:
        hf_logging.disable_propagation()
    assert isinstance(model, Qwen3ForCausalLM)
    assert loading["missing_keys"] == set() and loading["unexpected_keys"] == set()
    assert loading["mismatched_keys"] == set() and not loading["error_msgs"]
    assert not [r for r in caplog.records if "initialized" in r.getMessage() or "missing" in r.getMessage().lower()]
    assert model.config.num_hidden_layers == 2 and len(tokenizer) == model.config.vocab_size

    prompt = tokenizer.apply_chat_template(
        [{"role": "user", "content": "What does the BMW iX3 cost?"}],
        add_generation_prompt=True,
        enable_thinking=False,
        return_tensors="pt",
        return_dict=True,
    )
    with torch.no_grad():
        out = model.generate(**prompt, max_new_tokens=6, do_sample=False)
    n = prompt["input_ids"].shape[1]
    assert torch.equal(out[0, :n], prompt["input_ids"][0]) and out.shape[1] > n
    assert tokenizer.decode(out[0, :n]).endswith("<|im_start|>assistant\n<think>\n\n</think>\n\n")


def test_pretraining_lowers_the_loss_and_is_recorded(built):
    info = json.loads((built / "base_info.json").read_text())
    losses = info["losses"]
    assert info["steps_done"] == info["steps_planned"] == 25 and len(losses) == 25
    assert sum(losses[-5:]) / 5 < sum(losses[:5]) / 5 - 1.0
    assert info["final_loss"] < info["first_loss"] - 1.0
    assert info["texts"] == len(TEXTS) and info["tokens"] > info["seq_len"]
    card = (built / "README.md").read_text()
    assert "demo-scale" in card and "generated text" in card and f"{info['tokens']:,} tokens" in card


def test_trained_model_beats_its_untrained_self_on_held_out_text(built, tiny_qwen3):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    held_out = [
        "Munich. The BMW Group presents the new BMW X3 with 290 kW at the Oxford plant. "
        "Production starts in May 2026 and the price starts at EUR 70,900."
    ] * 4
    tokenizer = AutoTokenizer.from_pretrained(built)
    trained = tinybase.causal_lm_loss(AutoModelForCausalLM.from_pretrained(built), tokenizer, held_out, seq_len=32)
    fresh = AutoModelForCausalLM.from_config(AutoModelForCausalLM.from_pretrained(built).config)
    assert trained < tinybase.causal_lm_loss(fresh, tokenizer, held_out, seq_len=32) - 1.0


def test_same_seed_same_model(built, tmp_path):
    again = tinybase.build_demo_base(TEXTS, tmp_path / "again", **TINY)
    assert (
        json.loads((again / "base_info.json").read_text())["losses"]
        == json.loads((built / "base_info.json").read_text())["losses"]
    )
    assert (again / "model.safetensors").read_bytes() == (built / "model.safetensors").read_bytes()


def test_time_budget_stops_early_and_says_so(tmp_path):
    out = tinybase.build_demo_base(TEXTS, tmp_path / "m", **{**TINY, "steps": 1000}, time_budget_s=0.0)
    info = json.loads((out / "base_info.json").read_text())
    assert info["stopped_by_time_budget"] and info["steps_done"] == 1 and info["steps_planned"] == 1000
    assert "stopped by the time budget" in (out / "README.md").read_text()


def test_empty_texts_are_one_clear_error(tmp_path):
    with pytest.raises(ValueError, match="no non-empty texts"):
        tinybase.build_demo_base(["", "  "], tmp_path / "m", **TINY)
    assert not (tmp_path / "m").exists()


@pytest.fixture
def counted_builds(monkeypatch):
    """Count real builds: cached_demo_base reaches build_demo_base through the module."""
    calls: list[Path] = []
    real = tinybase.build_demo_base

    def counting(texts, out_dir, **kw):
        calls.append(Path(out_dir))
        return real(texts, out_dir, **kw)

    monkeypatch.setattr(tinybase, "build_demo_base", counting)
    return calls


def test_cache_hit_skips_training(tmp_path, counted_builds, monkeypatch):
    monkeypatch.setenv("PRESSTUNE_CACHE", str(tmp_path / "cache"))
    first = tinybase.cached_demo_base(TEXTS, **TINY)
    assert first.parent == tmp_path / "cache" / "demo-base" and (first / "base_info.json").is_file()
    assert len(counted_builds) == 1
    # Same texts and settings (a default given explicitly, progress/threads do not matter): a hit.
    second = tinybase.cached_demo_base(list(TEXTS), **TINY, warmup_fraction=0.1, progress=lambda *a: None)
    assert second == first and len(counted_builds) == 1
    # Other settings or other texts: another entry, built once.
    other = tinybase.cached_demo_base(TEXTS, **{**TINY, "seed": 1})
    assert other != first and len(counted_builds) == 2
    more = tinybase.cached_demo_base(TEXTS + ["One more article."], **TINY)
    assert more not in (first, other) and len(counted_builds) == 3
    # Only complete entries are in the cache dir.
    assert sorted(p.name for p in (tmp_path / "cache" / "demo-base").iterdir()) == sorted(
        p.name for p in (first, other, more)
    )


def test_interrupted_build_leaves_no_cache_entry(tmp_path, counted_builds):
    def interrupt(step, total, loss):
        if step == 3:
            raise KeyboardInterrupt("stopped at step 3")

    with pytest.raises(KeyboardInterrupt):
        tinybase.cached_demo_base(TEXTS, tmp_path, **TINY, progress=interrupt)
    assert list((tmp_path / "demo-base").iterdir()) == []
    # The next call builds for real (nothing half-built is taken for a hit).
    entry = tinybase.cached_demo_base(TEXTS, tmp_path, **TINY)
    assert len(counted_builds) == 2 and (entry / "model.safetensors").is_file()


def test_killed_build_leftovers_are_never_used_and_get_cleaned(tmp_path, counted_builds):
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True, check=True
    )
    key = tinybase.demo_base_cache_key(TEXTS, **TINY)
    half = tmp_path / "demo-base" / f".tmp-{key}-{int(dead.stdout)}-deadbeef"
    half.mkdir(parents=True)
    (half / "config.json").write_text("{}")  # a build killed after writing part of its files
    entry = tinybase.cached_demo_base(TEXTS, tmp_path, **TINY)
    assert entry.name == key and len(counted_builds) == 1 and not half.exists()
    assert [p.name for p in (tmp_path / "demo-base").iterdir()] == [key]


# --- which articles pretrain the base ------------------------------------------------------

T0 = datetime(2025, 1, 1, 9, 0, tzinfo=timezone(timedelta(hours=1)))


def _records(n: int) -> list[ArticleRecord]:
    return [
        ArticleRecord(
            id=f"T{i:04d}EN",
            language="en",
            url=f"http://127.0.0.1/a/{i}",
            title=f"Title {i}",
            date=(T0 + timedelta(days=i)).isoformat(),
            body=f"First {i}.\n\nSecond {i}.",
        )
        for i in range(n)
    ]


def test_cutoff_splits_oldest_sixty_percent_for_pretraining():
    records = _records(10)
    cutoff = tinybase.demo_cutoff(list(reversed(records)))  # input order does not matter
    assert cutoff == T0 + timedelta(days=6)
    texts = tinybase.demo_pretraining_texts(reversed(records), cutoff)
    assert texts == [f"Title {i}\n\nFirst {i}.\n\nSecond {i}." for i in range(6)]  # oldest first
    assert len(tinybase.demo_pretraining_texts(records, tinybase.demo_cutoff(records, 0.3))) == 3


def test_pretraining_texts_from_replica_like_articles_and_dicts():
    class Article:  # the replica's GeneratedArticle shape: tz-aware datetime, body paragraphs
        def __init__(self, i):
            self.id, self.title, self.date = f"A{i}", f"Headline {i}", T0 + timedelta(hours=i)
            self.body_paragraphs = [f"Para {i}a.", f"Para {i}b."]

    class FakeSite:
        def articles(self):
            return [Article(i) for i in reversed(range(5))]  # newest first, like Site

    assert tinybase.demo_pretraining_texts(FakeSite(), T0 + timedelta(hours=2)) == [
        "Headline 0\n\nPara 0a.\n\nPara 0b.",
        "Headline 1\n\nPara 1a.\n\nPara 1b.",
    ]
    dicts = [
        {"id": "x", "title": "T", "subtitle": "S", "body": "B", "date": "2025-01-01T08:00:00+00:00"},
        {"id": "y", "title": "Undated", "body": "B"},
    ]
    assert tinybase.demo_pretraining_texts(dicts, "2025-02-01T00:00:00+00:00") == ["T\n\nS\n\nB"]


def test_split_rejects_naive_dates_and_too_few_articles():
    with pytest.raises(ValueError, match="no timezone"):
        tinybase.demo_pretraining_texts(_records(3), datetime(2025, 1, 2))
    with pytest.raises(ValueError, match="'n1'.*no timezone"):
        tinybase.demo_cutoff([{"id": "n1", "title": "t", "date": "2025-01-01T00:00:00"}] * 3)
    with pytest.raises(ValueError, match="at least 2 dated"):
        tinybase.demo_cutoff(_records(1))


CHATS = [
    [
        {"role": "system", "content": "You answer questions about press releases."},
        {"role": "user", "content": f"Which plant builds the BMW {model}?"},
        {"role": "assistant", "content": f"Plant {plant}."},
    ]
    for model, _kw, plant, _month, _price in [
        ("iX3", 340, "Debrecen", "March", 68),
        ("i5", 250, "Dingolfing", "May", 70),
        ("X5", 290, "Spartanburg", "June", 81),
    ]
] * 4


def test_chats_are_trained_through_the_chat_template_and_counted(tmp_path):
    """Conversations join the pretraining stream rendered by the base's own chat template, so the
    base sees the format it is fine-tuned and asked in; the card and base_info count them."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    out = tinybase.build_demo_base(TEXTS, tmp_path / "m", chats=CHATS, **TINY)
    info = json.loads((out / "base_info.json").read_text())
    assert info["texts"] == len(TEXTS) and info["chats"] == len(CHATS) and info["chat_tokens"] > 0
    assert f"{len(CHATS):,} conversations" in (out / "README.md").read_text()
    tokenizer = AutoTokenizer.from_pretrained(out)
    rendered = tinybase.render_chats(tokenizer, CHATS[:1])[0]
    assert rendered.startswith("<|im_start|>system\n")
    assert "<think>\n\n</think>\n\nPlant Debrecen.<|im_end|>" in rendered
    # the chat template's markers are single special tokens in the stream, not spelled out
    ids = tokenizer(rendered, add_special_tokens=False)["input_ids"]
    assert ids.count(tokenizer.convert_tokens_to_ids("<|im_start|>")) == 3
    # trained on: the chats' loss is lower than for a base built from the texts alone
    plain = tinybase.build_demo_base(TEXTS, tmp_path / "plain", **TINY)
    with_chats = tinybase.causal_lm_loss(AutoModelForCausalLM.from_pretrained(out), tokenizer, [rendered] * 4, 32)
    without = tinybase.causal_lm_loss(
        AutoModelForCausalLM.from_pretrained(plain), AutoTokenizer.from_pretrained(plain), [rendered] * 4, 32
    )
    assert with_chats < without


def test_chats_are_part_of_the_cache_key():
    key = tinybase.demo_base_cache_key(TEXTS, **TINY)
    assert tinybase.demo_base_cache_key(TEXTS, chats=CHATS, **TINY) != key
    assert tinybase.demo_base_cache_key(TEXTS, chats=CHATS[:-1], **TINY) != tinybase.demo_base_cache_key(
        TEXTS, chats=CHATS, **TINY
    )
    assert tinybase.demo_base_cache_key(TEXTS, chats=[], **TINY) == key
