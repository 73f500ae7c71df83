"""SmolLM2-135M-Instruct (Llama family) on the demo data: closed-book vs RAG knowledge QA, and
the general retention questions, through the evaluation's own functions (a small sample)."""

import json
import sys
import time
from pathlib import Path

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

from presstune.evaluate import runner as R
from presstune.evaluate.config import EvaluateConfig
from presstune.evaluate.generation import generate_chat
from presstune.evaluate.qa import contains_answer, facts_questions, subsample
from presstune.evaluate.retention import GENERAL_QUESTIONS
from presstune.rundir import read_jsonl

torch.set_num_threads(2)
path = sys.argv[1]  # the converted SmolLM2 folder under ~/.cache/presstune/models/
run = Path(sys.argv[2])  # a run directory with dataset/ and replica_facts.jsonl
model = AutoModelForCausalLM.from_pretrained(path, dtype=torch.float32).eval()
tok = AutoTokenizer.from_pretrained(path)
docs = read_jsonl(run / "dataset" / "documents.jsonl")
train_ids = {d["id"] for d in docs if d["split"] == "train"}
items = subsample(facts_questions(read_jsonl(run / "replica_facts.jsonl"), train_ids), 12, 0)
cfg = EvaluateConfig(se_max_new_tokens=32, gen_batch_size=4, batch_size=4, device="cpu", rag_top_k=3)
data = {"train_documents": [d for d in docs if d["split"] == "train"]}
sp = R.DEFAULT_SYSTEM_PROMPT
pad = tok.pad_token_id if tok.pad_token_id is not None else 0
t = time.time()
closed = R._qa_rows(model, tok, items, cfg, sp, pad)
rag, info = R._rag_rows(model, tok, items, data, cfg, sp, pad)

qs = GENERAL_QUESTIONS[:12]
answers = generate_chat(
    model, tok, [R._messages(sp, f"{cfg.qa_instruction} {q}") for q, _ in qs], max_new_tokens=32, batch_size=4
)
ret = [contains_answer(a[0].text, g) for a, (_, g) in zip(answers, qs)]
out = {
    "closed_book_contains": sum(r["contains_answer"] for r in closed),
    "rag_contains": sum(r["contains_answer"] for r in rag),
    "n": len(items),
    "retrieval": info,
    "retention_contains": sum(ret),
    "retention_n": len(ret),
    "seconds": round(time.time() - t, 1),
    "examples": [(r["question"][:90], r["gold"], r["answer"][:100]) for r in rag[:4]],
    "retention_examples": [(q, a[0].text[:60]) for (q, _), a in zip(qs[:4], answers)],
}
print(json.dumps(out, indent=1, ensure_ascii=False))
