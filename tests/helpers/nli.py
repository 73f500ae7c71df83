"""A real, hand-weighted NLI classifier (``bag_of_words_nli``) for the semantic-entropy tests."""

from __future__ import annotations

import math

import torch
from transformers import BertConfig, BertForSequenceClassification, BertTokenizerFast

WORDS = [
    "what",
    "is",
    "the",
    "power",
    "capital",
    "of",
    "340",
    "kw",
    "250",
    "paris",
    "london",
    "berlin",
    "rome",
    "madrid",
    "city",
    "?",
    ".",
]


def bag_of_words_nli():
    """A real 1-layer ``BertForSequenceClassification`` whose weights are set by hand so that it
    predicts ENTAILMENT iff premise and hypothesis hold the same multiset of words, else
    CONTRADICTION (bidirectional by construction; deterministic, no training).

    Embeddings: +-one-hot word dims (mean zero, so LayerNorm only rescales), a +-segment flag and
    a +-[CLS] flag. Attention head A averages the word vectors of segment A (CLS excluded by its
    key), head B those of segment B; the output projection writes +-(avgA - avgB); a ReLU layer
    sums |avgA - avgB| into one dim that the pooler squashes and the classifier reads.
    """
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *WORDS]
    tok = BertTokenizerFast(vocab={w: i for i, w in enumerate(vocab)}, do_lower_case=True)
    V = len(vocab)
    H = 4 * V + 8
    hd = H // 2
    TA, TB, CLS, D0 = 2 * V, 2 * V + 2, 2 * V + 4, 2 * V + 6
    Z = D0 + 2 * V
    config = BertConfig(
        vocab_size=V,
        hidden_size=H,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=2 * V,
        hidden_act="relu",
        max_position_embeddings=64,
        type_vocab_size=2,
        hidden_dropout_prob=0.0,
        attention_probs_dropout_prob=0.0,
        num_labels=3,
        id2label={0: "CONTRADICTION", 1: "NEUTRAL", 2: "ENTAILMENT"},
        label2id={"CONTRADICTION": 0, "NEUTRAL": 1, "ENTAILMENT": 2},
    )
    model = BertForSequenceClassification(config)
    with torch.no_grad():
        for p in model.parameters():
            p.zero_()
        for ln in (
            model.bert.embeddings.LayerNorm,
            model.bert.encoder.layer[0].attention.output.LayerNorm,
            model.bert.encoder.layer[0].output.LayerNorm,
        ):
            ln.weight.fill_(1.0)
        emb = model.bert.embeddings
        for t in range(V):
            if vocab[t] == "[CLS]":
                emb.word_embeddings.weight[t, CLS], emb.word_embeddings.weight[t, CLS + 1] = 1.0, -1.0
            else:
                emb.word_embeddings.weight[t, t], emb.word_embeddings.weight[t, V + t] = 1.0, -1.0
        emb.token_type_embeddings.weight[0, TA], emb.token_type_embeddings.weight[0, TA + 1] = 1.0, -1.0
        emb.token_type_embeddings.weight[1, TB], emb.token_type_embeddings.weight[1, TB + 1] = 1.0, -1.0
        s = math.sqrt(H / 4)  # every embedding has four +-1 entries: LayerNorm scales them to +-s
        big = 300 * math.sqrt(hd) / s  # softmax scores 300 apart: exp underflows to exactly 0
        att = model.bert.encoder.layer[0].attention.self
        att.query.bias[0], att.query.bias[hd] = 1.0, 1.0
        att.key.weight[0, TA], att.key.weight[0, CLS] = big, -2 * big
        att.key.weight[hd, TB] = big
        for j in range(V):
            att.value.weight[j, j] = 1.0
            att.value.weight[hd + j, j] = 1.0
        out = model.bert.encoder.layer[0].attention.output.dense
        for j in range(V):
            out.weight[D0 + j, j], out.weight[D0 + j, hd + j] = 1.0, -1.0
            out.weight[D0 + V + j, j], out.weight[D0 + V + j, hd + j] = -1.0, 1.0
        inter = model.bert.encoder.layer[0].intermediate.dense
        for j in range(2 * V):
            inter.weight[j, D0 + j] = 1.0
        out2 = model.bert.encoder.layer[0].output.dense
        out2.weight[Z, :] = 1.0
        out2.weight[Z + 1, :] = -1.0
        model.bert.pooler.dense.weight[0, Z] = 10.0
        cls = model.classifier
        cls.weight[0, 0], cls.weight[2, 0] = 100.0, -100.0
        cls.bias[2], cls.bias[1] = 1.0, -10.0
    return model.eval(), tok
