"""The trade-off verdict from small synthetic metrics dicts: each axis judged against the base by
its stated rule (paired test or separated intervals for shares, +-5 % for perplexity)."""

from __future__ import annotations

from presstune.records import MetricsDocument
from presstune.report.verdict import (
    PERPLEXITY_TOLERANCE,
    perplexity_change,
    share_change,
    verdict,
    verdicts,
)


def share(value: float, ci: list[float] | None, n: int = 120) -> dict:
    return {"value": value, "ci95": ci, "questions": n}


def ppl(value: float) -> dict:
    return {"value": value, "ci95": [value * 0.8, value * 1.2]}


BASE = {
    "qa_train_contains": share(0.0, [0.0, 0.06], 60),
    "retention_contains": share(0.63, [0.54, 0.71]),
    "perplexity_text": ppl(19.9),
    "retention_perplexity": ppl(12.0),
}


def test_shares_change_only_when_shown():
    # separated Wilson intervals: better / worse; overlapping: no change shown
    assert share_change(share(0.52, [0.39, 0.64]), BASE["qa_train_contains"]) == "better"
    assert share_change(share(0.30, [0.22, 0.39]), BASE["retention_contains"]) == "worse"
    assert share_change(share(0.58, [0.49, 0.66]), BASE["retention_contains"]) == "unchanged"
    # a paired result on the same questions decides when there is one: overlapping intervals, p < 0.05
    paired = {"b": 14, "c": 2, "p_value": 0.004, "questions": 120}
    assert share_change(share(0.53, [0.44, 0.62]), BASE["retention_contains"], paired) == "worse"
    assert share_change(share(0.53, [0.44, 0.62]), BASE["retention_contains"], {**paired, "p_value": 0.2}) == (
        "unchanged"
    )
    assert share_change(share(0.7, [0.6, 0.8]), BASE["retention_contains"], {"b": 1, "c": 9, "p_value": 0.02}) == (
        "better"
    )
    # nothing to compare: no judgement
    assert share_change(share(0.5, None), BASE["retention_contains"]) is None
    assert share_change(share(0.5, [0.4, 0.6]), None) is None


def test_perplexity_within_five_percent_is_unchanged():
    base = ppl(20.0)
    assert perplexity_change(ppl(20.0 * (1 + PERPLEXITY_TOLERANCE) - 0.01), base) == "unchanged"
    assert perplexity_change(ppl(19.2), base) == "unchanged"
    assert perplexity_change(ppl(21.5), base) == "worse"
    assert perplexity_change(ppl(18.2), base) == "better"
    assert perplexity_change(ppl(18.2), None) is None


def test_verdict_line_says_the_trade_off_in_numbers_and_words():
    tuned = {
        "qa_train_contains": share(0.52, [0.39, 0.64], 60),
        "retention_contains": share(0.61, [0.52, 0.69]),
        "retention_contains_vs_base": {"b": 5, "c": 3, "p_value": 0.73, "questions": 120},
        "perplexity_text": ppl(19.2),
    }
    v = verdict("original", tuned, BASE)
    assert v.text == (
        "knows 52.0% of the news (base 0.0%), answers 61.0% of general questions (base 63.0%), domain perplexity "
        "19.2 (base 19.9): learnt the news; no loss of general answers shown; fluency unchanged"
    )
    assert (v.knowledge, v.retention, v.fluency) == ("better", "unchanged", "unchanged")

    forgot = {**tuned, "retention_contains": share(0.27, [0.20, 0.35])}
    forgot.pop("retention_contains_vs_base")
    forgot["perplexity_text"] = ppl(77.5)
    v = verdict("original", forgot, BASE)
    assert v.text.endswith("domain perplexity 77.5 (base 19.9): learnt the news; general answers lost; fluency worse")
    assert (v.retention, v.fluency) == ("worse", "worse")


def test_base_reference_missing_base_and_a_base_that_answers_no_general_question():
    assert verdict("base", BASE, BASE).text == (
        "the reference: knows 0.0% of the news, answers 63.0% of general questions, domain perplexity 19.9"
    )
    alone = verdict("original", {"qa_train_contains": share(0.5, [0.4, 0.6])}, None)
    assert alone.text == "knows 50.0% of the news (no base measured to compare with)" and alone.knowledge is None
    assert verdict("x", {}, BASE).text == "no knowledge, retention or perplexity measured"
    # the demo's tiny base answers no general question: its general-text perplexity is the retention measure
    tiny_base = {**BASE, "retention_contains": share(0.0, [0.0, 0.28], 10), "retention_perplexity": ppl(30.0)}
    tuned = {**tiny_base, "retention_perplexity": ppl(45.0)}
    v = verdict("original", tuned, tiny_base)
    assert "general-text perplexity 45.0 (base 30.0)" in v.text and "general questions" not in v.text
    assert v.retention == "worse" and "general text worse" in v.text
    assert "general-text perplexity 30.0" in verdict("base", tiny_base, tiny_base).text


def test_verdicts_of_a_run_compare_with_its_base():
    docs = {
        "base": MetricsDocument(metrics=BASE),
        "pruned": MetricsDocument(metrics={**BASE, "perplexity_text": ppl(25.0)}),
    }
    lines = verdicts(docs)
    assert lines["base"].text.startswith("the reference: ")
    assert lines["pruned"].fluency == "worse" and "domain perplexity 25.0 (base 19.9)" in lines["pruned"].text
    assert verdicts({"original": MetricsDocument(metrics=BASE)})["original"].text.endswith(
        "(no base measured to compare with)"
    )
