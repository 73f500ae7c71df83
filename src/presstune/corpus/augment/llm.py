"""The model backends (``transformers``, ``openai``): QA pairs and restatements written by a model."""

from __future__ import annotations

import re
from typing import Any

from presstune.corpus.augment.config import AugmentConfig
from presstune.corpus.augment.facts import extract_facts
from presstune.corpus.augment.guards import guard_qa, guard_restatement
from presstune.corpus.augment.rules import RESTATE_PROMPTS
from presstune.corpus.llm_client import LLMClientConfig

_LLM_QA_PROMPT = (
    "Write question-answer pairs about the facts of this press release: one pair per figure with its unit, "
    "price, date, place, plant, person, role, event and quote. Each question names the press release by its "
    "title. Each answer is a short phrase copied exactly from the text. One pair per line, formatted as\n"
    "Q: <question> | A: <answer>\nWrite nothing else."
)
_LLM_PARAPHRASE_PROMPT = (
    "Rewrite this press release in your own words, in a few sentences. Keep every figure, date, name and "
    "place exactly as written; add nothing. Output the rewritten text only."
)
_QA_LINE = re.compile(r"^\s*(?:\d+[.)]\s*)?Q:\s*(.+?)\s*\|\s*A:\s*(.+?)\s*$")


def llm_generate(doc: dict[str, Any], cfg: AugmentConfig, backend) -> dict[str, Any]:
    """QA pairs and restatements written by a model (local or endpoint), through the same guards."""
    from presstune.corpus.llm import strip_answer

    title, body = str(doc.get("title") or "").strip(), str(doc.get("body") or "")
    user = f"Title: {title}\n\n{body}"
    convs = [
        [{"role": "system", "content": _LLM_QA_PROMPT}, {"role": "user", "content": user}],
        *[
            [{"role": "system", "content": _LLM_PARAPHRASE_PROMPT}, {"role": "user", "content": user}]
            for _ in range(cfg.paraphrases)
        ],
    ]
    answers = backend.generate(convs, [cfg.llm.max_new_tokens] * len(convs))
    qa, rejected, paraphrases = [], [], []
    qa_answer = answers[0]
    if qa_answer.finish_reason == "error":
        rejected.append({"kind": "qa", "reason": "backend_error", "detail": qa_answer.error})
    else:
        lines = strip_answer(qa_answer.text).splitlines()
        if qa_answer.finish_reason == "length" and lines:
            rejected.append({"kind": "qa", "reason": "truncated", "line": lines.pop()})
        for line in lines:
            if not line.strip():
                continue
            m = _QA_LINE.match(line)
            if not m:
                rejected.append({"kind": "qa", "reason": "unparsable_line", "line": line[:200]})
                continue
            q, a = m.group(1).strip(), m.group(2).strip().rstrip(".")
            reason = guard_qa(q, a, body)
            item = {"question": q, "answer": a, "fact_kind": "generated", "phrasing": 0}
            (rejected if reason else qa).append({"kind": "qa", "reason": reason, **item} if reason else item)
    reference = len(" ".join(dict.fromkeys(f.sentence for f in extract_facts(body)))) or len(body)
    for k, ans in enumerate(answers[1:]):
        prompt = RESTATE_PROMPTS[k % len(RESTATE_PROMPTS)].format(t=title)
        text = strip_answer(ans.text)
        if ans.finish_reason == "error":
            reason = "backend_error"
        elif ans.finish_reason == "length":
            reason = "truncated"
        else:
            reason = guard_restatement(text, body, cfg.llm.min_length_ratio, cfg.llm.max_length_ratio, reference)
        if reason:
            rejected.append({"kind": "paraphrase", "reason": reason, "prompt": prompt, "text": text[:400]})
        else:
            paraphrases.append({"prompt": prompt, "text": text})
    return {"qa": qa, "paraphrase": paraphrases, "facts": [], "rejected": rejected, "atomic_facts": None}


def make_backend(cfg: AugmentConfig, backend=None):
    """The model client for the transformers/openai backends (None for rules/none)."""
    if backend is not None or cfg.backend in ("none", "rules"):
        return backend
    from presstune.corpus.config import LLMConfig
    from presstune.corpus.llm import make_backend as make_llm_backend

    # The client settings are shared (LLMClientConfig); the length bounds are augment's own.
    fields = cfg.llm.model_dump(include=set(LLMClientConfig.model_fields))
    return make_llm_backend(LLMConfig(backend=cfg.backend, **fields))
