"""The assistant behind `ask` and `chat`: a real tiny model whose next token is forced by its head's bias."""

from __future__ import annotations

import io
from types import SimpleNamespace

import pytest


def _assistant_forcing(model, tokenizer, token_id: int, max_new_tokens: int = 4):
    """An Assistant on ``model`` whose output head always picks ``token_id`` (zero weights, one-hot bias)."""
    import torch

    from presstune.use.chat import Assistant

    head = torch.nn.Linear(model.config.hidden_size, model.config.vocab_size, bias=True)
    with torch.no_grad():
        head.weight.zero_()
        head.bias.fill_(-10.0)
        head.bias[token_id] = 10.0
    model.lm_head = head
    config = SimpleNamespace(corpus=SimpleNamespace(system_prompt=None))
    assistant = Assistant(run_dir=".", config=config, max_new_tokens=max_new_tokens)
    assistant.model, assistant.tokenizer, assistant.variant = model, tokenizer, "original"
    return assistant


def test_an_answer_streams_and_joins_the_history(tiny_qwen3, tiny_tokenizer, capsys: pytest.CaptureFixture) -> None:
    word = tiny_tokenizer("BMW", add_special_tokens=False)["input_ids"][0]
    assistant = _assistant_forcing(tiny_qwen3(), tiny_tokenizer, word, max_new_tokens=3)
    out = io.StringIO()
    text = assistant.answer("Which brand?", out)
    assert text == tiny_tokenizer.decode([word] * 3).strip() and text
    assert out.getvalue().strip() == text
    assert assistant.history[-1] == {"role": "assistant", "content": text}
    assert "gave no answer" not in capsys.readouterr().err


def test_an_empty_answer_is_said_not_left_as_a_blank_line(
    tiny_qwen3, tiny_tokenizer, capsys: pytest.CaptureFixture
) -> None:
    from presstune.evaluate.perplexity import end_of_turn_id

    assistant = _assistant_forcing(tiny_qwen3(), tiny_tokenizer, end_of_turn_id(tiny_tokenizer))
    out = io.StringIO()
    assert assistant.answer("Which plant builds the iX3?", out) == ""
    assert out.getvalue().strip() == ""  # stdout carries answers only
    assert "original gave no answer: it ended its turn at once" in capsys.readouterr().err
