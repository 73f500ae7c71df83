"""Demo-scale base model pieces: a Qwen3-style tokenizer trained on local text, tiny Qwen3 configs.

The real Qwen3 tokenizer and weights cannot be downloaded on offline machines, so the demo
and the tests build their own: a byte-level BPE tokenizer (HF ``tokenizers``) with Qwen3's
special tokens and a chat template that renders like Qwen3's (ChatML turns, an empty
``<think>`` block on the final assistant turn and when thinking is switched off), and a real
``Qwen3ForCausalLM`` at toy size.
"""

from __future__ import annotations

from collections.abc import Iterable

#: Qwen3's special tokens, in Qwen3's order after the BPE vocabulary.
SPECIAL_TOKENS = [
    "<|endoftext|>", "<|im_start|>", "<|im_end|>", "<think>", "</think>",
]

#: A chat template that renders conversations the way Qwen3's own template does for
#: system/user/assistant turns without tools: ChatML, and the final assistant turn (or the
#: generation prompt with ``enable_thinking=False``) carries an empty think block.
QWEN3_STYLE_CHAT_TEMPLATE = (
    "{%- for message in messages %}"
    "{%- if message.role == 'assistant' and loop.last %}"
    "{{- '<|im_start|>assistant\\n<think>\\n\\n</think>\\n\\n' + message.content + '<|im_end|>\\n' }}"
    "{%- else %}"
    "{{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>\\n' }}"
    "{%- endif %}"
    "{%- endfor %}"
    "{%- if add_generation_prompt %}"
    "{{- '<|im_start|>assistant\\n' }}"
    "{%- if enable_thinking is defined and enable_thinking is false %}"
    "{{- '<think>\\n\\n</think>\\n\\n' }}"
    "{%- endif %}"
    "{%- endif %}"
)


def train_tokenizer(texts: Iterable[str], vocab_size: int = 4096):
    """Train a byte-level BPE tokenizer on ``texts`` and wrap it as a transformers fast tokenizer."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    backend = Tokenizer(models.BPE())
    backend.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    backend.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=SPECIAL_TOKENS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    backend.train_from_iterator(texts, trainer=trainer)
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=backend,
        eos_token="<|im_end|>",
        pad_token="<|endoftext|>",
        additional_special_tokens=SPECIAL_TOKENS[1:],
        model_max_length=32768,
    )
    tokenizer.chat_template = QWEN3_STYLE_CHAT_TEMPLATE
    return tokenizer


def tiny_qwen3_config(vocab_size: int, **overrides):
    """A toy-size Qwen3 config (real architecture); keyword arguments override any field."""
    from transformers import Qwen3Config

    fields = dict(
        vocab_size=vocab_size,
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=4,
        num_attention_heads=4,
        num_key_value_heads=2,
        head_dim=16,
        max_position_embeddings=4096,
        rope_theta=1_000_000.0,
        tie_word_embeddings=False,
    )
    fields.update(overrides)
    return Qwen3Config(**fields)
