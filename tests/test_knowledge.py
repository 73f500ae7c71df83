"""Knowledge injection: augmentation guard, probe withholding, no eval question in training rows,
RAG retrieval, and the scoring (normaliser, Wilson interval, McNemar)."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from helpers.replica_run import write_replica_run
from presstune.config.corpus import CorpusConfig
from presstune.corpus import augment as A
from presstune.corpus.augment.step import held_out_questions, wording
from presstune.evaluate import qa
from presstune.prompts import qa_prompt
from presstune.records import ProbeFile, read_documents, read_fact_sheets, read_held_out_questions
from presstune.rundir import RunDir, read_jsonl

#: Written like a real press release (not the replica's templates): other units, a US date,
#: a quote attributed before the speech, an amount with a space.
REAL_STYLE = (
    "Leipzig. The BMW Group will invest € 1.2 billion in its Leipzig site by 2027, creating 800 new jobs.\n"
    "Production of the new electric model starts on March 3, 2026 at Plant Leipzig. The car delivers "
    "250kW and covers up to 610 km on one charge.\n"
    "Milan Nedeljković, Member of the Board of Management of BMW AG, Production, said: "
    '"Leipzig shows how we transform our network." The share of renewable electricity rose to 71 percent.'
)


def test_rules_find_atomic_facts_in_a_real_style_release_and_every_answer_is_a_span():
    facts = A.extract_facts(REAL_STYLE)
    found = {(f.kind, f.answer) for f in facts}
    assert {
        ("investment", "€ 1.2 billion"),  # an amount is asked as what the words before it say
        ("year", "2027"),
        ("count", "800"),  # "800 new jobs": the figure, "new jobs" stays in the question
        ("date", "March 3, 2026"),
        ("plant", "Plant Leipzig"),
        ("power", "250kW"),
        ("distance", "up to 610 km"),  # a qualifier is part of the figure
        ("percent", "71 percent"),
        ("person", "Milan Nedeljković"),
        ("role", "Member of the Board of Management of BMW AG, Production"),
    } <= found, found
    doc = {"id": "X1", "title": "Leipzig invests", "body": REAL_STYLE, "date": "2025-03-01"}
    out = A.rules_generate(doc, A.AugmentConfig())
    assert out["qa"] and out["paraphrase"] and out["facts"]
    for pair in out["qa"]:
        assert A.guard_qa(pair["question"], pair["answer"], REAL_STYLE) is None
        assert pair["answer"] in REAL_STYLE and "Leipzig invests" not in pair["question"]
    asked = {p["question"]: p["answer"] for p in out["qa"]}
    # asked from the fact's own sentence, by a wh-phrase of its kind, in place or fronted
    assert asked["The BMW Group will invest € 1.2 billion in its Leipzig site by which year?"] == "2027"
    assert asked[
        "The BMW Group will invest € 1.2 billion in its Leipzig site by 2027, creating how many new jobs?"
    ] == ("800")
    assert asked["How much will the BMW Group invest in its Leipzig site by 2027?"] == "€ 1.2 billion"
    # "The car" is no name: the question says which release it is from
    about = "In the news about the BMW Group of March 2025, "
    assert asked[about + "the car delivers 250kW and covers how many kilometres on one charge?"] == "up to 610 km"
    assert not [q for q in asked if "site" in q and "Leipzig" not in q]  # "its Leipzig site": no name to ask for
    # restatements name the release's month; the restated sentences keep their facts
    assert out["paraphrase"][0]["text"].startswith("March 2025. ") and "610 km" in out["paraphrase"][0]["text"]


def test_quotes_over_several_sentences_power_in_two_units_and_people_beyond_the_fact_limit():
    body = (
        "Munich. The new BMW iX5 delivers 300 kW (408 hp) and costs €79,900. The top model has 190 kW/258 hp. "
        "It celebrates its premiere at the Concorso d’Eleganza Villa d’Este.\n\n"
        "It reaches 80 percent in 21 minutes, 90 percent in 30 minutes and covers 600 km at 130 km/h, "
        "or 400 km at 160 km/h. Deliveries start on 12 March 2026.\n\n"
        '"We are proud of the team. Everyone can be proud of it," says Anna Vogt, Head of Design BMW Group.'
    )
    found = [(f.kind, f.answer, f.detail) for f in A.extract_facts(body)]
    # one fact per power figure, both units in its answer (two facts of one kind would need their
    # text positions in each question to tell them apart)
    assert [(k, a) for k, a, _ in found if k == "power"] == [("power", "300 kW (408 hp)"), ("power", "190 kW/258 hp")]
    # an appointment cuts the role at its comma; the quote gives it whole: one role, the whole one
    appointed = "Munich. The Board appointed Anna Vogt as Member of the Board of Management of BMW AG, Production. "
    quoted = '"We grow. We learn," says Anna Vogt, Member of the Board of Management of BMW AG, Production.'
    for text in (appointed + quoted, quoted + "\n\n" + appointed):
        roles = [f.answer for f in A.extract_facts(text) if f.kind == "role"]
        assert roles == ["Member of the Board of Management of BMW AG, Production"], roles
    # the quote runs over two sentences: its speaker and role are still found
    assert ("person", "Anna Vogt", "Head of Design BMW Group") in found
    assert ("role", "Head of Design BMW Group", "Anna Vogt") in found
    assert ("event", "Concorso d’Eleganza Villa d’Este", "") in found  # an elided article inside a name
    assert ("price", "€79,900", "") in found
    # a limit below the number of facts keeps every kind's first fact before any kind's second
    kept = A.select_facts(A.extract_facts(body), 11)
    every = A.extract_facts(body)
    assert len({f.kind for f in every}) >= 11 and len(every) > 11
    assert len({f.kind for f in kept}) == len(kept) == 11
    assert [f.answer for f in kept] == [f.answer for f in A.extract_facts(body) if f in kept]  # text order
    out = A.rules_generate({"id": "X2", "title": "The new BMW iX5", "body": body}, A.AugmentConfig(max_facts=10))
    assert any(q["answer"] == "Anna Vogt" for q in out["qa"])


def _reference_page(pressclub_reference: Path) -> tuple[str, str, str]:
    """The saved real PressClub page as the corpus stage reads it: (title, body, date)."""
    from presstune.collect.parse import parse_article
    from presstune.config.collect import Selectors
    from presstune.corpus.clean import clean_html

    html = (pressclub_reference / "article-T0454343EN.html").read_text(encoding="utf-8")
    url = "https://www.press.bmwgroup.com/global/article/detail/T0454343EN/x"
    record = parse_article(html, url, Selectors()).record
    return record.title, clean_html(record.body, record.title, record.subtitle).body, str(record.date or "")


def test_real_pressclub_comments_name_people_and_roles_and_unclear_questions_are_rejected(pressclub_reference: Path):
    """The PressClub's comment form 'Name (Role): "..."' on a saved real page: every speaker and
    role is found; three mentors share one role, so "who is the mentor quoted" is not asked."""
    title, body, date = _reference_page(pressclub_reference)
    facts = A.extract_facts(body)
    people = {f.answer: f.detail for f in facts if f.kind == "person"}
    assert {
        "Björn Lellmann": "Head of Customer Racing at BMW M Motorsport",
        "Jens Klingmann": "Mentor BMW M Racing Academy",
        "Max Hesse": "Mentor BMW M Racing Academy",
        "Robby Foley": "Mentor BMW M Racing Academy",
        "Josh Green": "",
        "Ryder Quinn": "",
        "Thomas Rackl": "",
    }.items() <= people.items(), people
    out = A.rules_generate({"id": "T0454343EN", "title": title, "body": body, "date": date}, A.AugmentConfig())
    asked = {q["answer"] for q in out["qa"]}
    assert {"Björn Lellmann", "Head of Customer Racing at BMW M Motorsport"} <= asked
    unclear = {r["answer"] for r in out["rejected"] if r["reason"] == "ambiguous_question"}
    assert {"Jens Klingmann", "Max Hesse", "Robby Foley"} <= unclear
    lellmann = [q["question"] for q in out["qa"] if q["answer"] == "Björn Lellmann"]
    assert lellmann and all("Head of Customer Racing at BMW M Motorsport" in q for q in lellmann)


def test_real_pressclub_page_gets_natural_questions(pressclub_reference: Path):
    """On the saved real page the generator asks as a reader would: no quoted headline, the
    answer a span of the text and never in its question, the subject or a name in every question,
    several wordings per fact, among them questions made from the fact's own sentence."""
    title, body, date = _reference_page(pressclub_reference)
    out = A.rules_generate({"id": "T0454343EN", "title": title, "body": body, "date": date}, A.AugmentConfig())
    assert out["atomic_facts"] >= 30 and len(out["qa"]) >= 60
    for pair in out["qa"]:
        question, answer = pair["question"], pair["answer"]
        assert title not in question and not re.search(r'"[^"]{20,}"', question), question
        assert answer in body and qa.normalize_answer(answer) not in qa.normalize_answer(question), pair
        assert A.guard_qa(question, answer, body) is None
        assert re.search(r"\s[A-Z]", question), question  # names what it asks about
        assert not re.match(r"(?:It|He|She|They|The plant|The company)\b", question), question
    by_answer: dict[str, list[str]] = {}
    for pair in out["qa"]:
        by_answer.setdefault(pair["answer"], []).append(pair["question"])
    assert sum(len(v) >= 2 for v in by_answer.values()) >= 0.6 * len(by_answer)  # several wordings
    assert any(q.startswith("How many") or " how many " in q for q in sum(by_answer.values(), []))
    kinds = {p["fact_kind"] for p in out["qa"]}
    assert {"person", "role", "count", "year", "model", "team"} <= kinds, kinds
    # restatements and fact lists name the subject and month, not the headline
    assert all(title not in r["prompt"] and "December 2025" in r["prompt"] for r in out["paraphrase"] + out["facts"])
    assert out["paraphrase"][0]["text"].startswith("December 2025. ")


def test_every_quoted_person_of_the_replica_is_found_with_their_role():
    """The replica quotes people in one sentence, in two, and in the PressClub's comment form; the
    rules find the speaker and role of each (before quotes were read per paragraph: about half)."""
    from presstune.replica.site import Site

    checked, forms = 0, Counter()
    for article in Site(articles=120, seed=0).articles():
        person, role = article.facts.get("person"), article.facts.get("role")
        body = "\n\n".join(article.body_paragraphs)
        if article.language == "de" or not person or not role or person not in body:
            continue
        checked += 1
        forms[f"{person} ({role}):" in body] += 1
        assert ("role", role, person) in {(f.kind, f.answer, f.detail) for f in A.extract_facts(body)}, body
    assert checked >= 80 and forms[True] >= 20 and forms[False] >= 40, (checked, forms)


def test_guard_rejects_unsupported_answers():
    assert A.guard_qa('What power does "T" state?', "340 kW", REAL_STYLE) == "answer_not_in_text"
    assert A.guard_qa('Which plant is "Plant Leipzig"?', "Plant Leipzig", REAL_STYLE) == "answer_in_question"
    assert A.guard_qa('What power does "T" state?', "", REAL_STYLE) == "empty_answer"
    assert A.guard_qa('What power does "T" state?', "250kW", REAL_STYLE) is None
    # a restatement may reword but never add a number
    assert A.guard_restatement("It delivers 260 kW.", REAL_STYLE, 0.0, 9.0, 20) == "invented_number"
    assert A.guard_restatement("It delivers 250kW.", REAL_STYLE, 0.0, 9.0, 20) is None


@pytest.fixture(scope="module")
def augmented_run(tmp_path_factory, tiny_tokenizer):
    """A corpus built from 40 replica articles with the rules augmentation, plus its fact sheets."""
    from presstune.corpus.pipeline import build_corpus
    from presstune.replica.site import Site

    site = Site(articles=40, seed=5)
    run = tmp_path_factory.mktemp("knowledge_run")
    write_replica_run(site, run)
    (run / "replica_facts.jsonl").write_text(site.facts_jsonl(), encoding="utf-8")
    cfg = CorpusConfig(
        train_ratio=0.8,
        augment=A.AugmentConfig(probe_share=0.3),
        mixes={"seed": A.MixWeights(), "reading": A.MixWeights(article=1, qa=1, reading=1)},
    )
    build_corpus(cfg, run, tokenizer=tiny_tokenizer, phase="no-llm")
    return run, cfg


def _facts_by_id(run: Path) -> dict[str, dict]:
    return {r["id"]: r for r in read_jsonl(run / "replica_facts.jsonl")}


@pytest.mark.slow
def test_no_evaluation_question_occurs_in_any_training_row(augmented_run):
    run, _ = augmented_run
    rows = [r for p in sorted((run / "dataset").glob("train*.jsonl")) for r in read_jsonl(p)]
    assert {r["kind"] for r in rows} >= {"article", "qa", "paraphrase", "facts"}
    texts = "\n".join(A.row_text(r) for r in rows)
    questions = [q["question"] for rec in read_jsonl(run / "replica_facts.jsonl") for q in rec.get("qa") or []]
    verbatim = [q for q in questions if q in texts]
    # The generator reads the article text only (never the fact sheets); a question it makes from a
    # sentence may word a fact as the replica's question does ("How much is the BMW Group investing
    # in Plant Oxford?") — rarely: a generator that copied the fact sheets would hit most of them.
    assert questions and len(verbatim) <= 0.02 * len(questions), verbatim
    # and the card reports the audit
    card = (run / "dataset" / "README.md").read_text(encoding="utf-8")
    stats = json.loads((run / "dataset" / "stats.json").read_text())["augment"]
    audited = stats["audit"]["verbatim_in_training"]  # of the train articles' questions
    assert audited <= len(verbatim) and stats["generated"]["qa"] > 0
    assert "## Audit against the evaluation questions" in card and f"**{audited}** occur verbatim" in card


def test_the_corpus_files_read_back_through_their_records(augmented_run):
    """What the corpus stage writes is what the other stages' readers accept."""
    run = RunDir(augmented_run[0])
    documents = read_documents(run.documents)
    assert documents and {d["split"] for d in documents} == {"train", "eval"}
    held_out = read_held_out_questions(run.qa_valid)
    train_ids = {d["id"] for d in documents if d["split"] == "train"}
    assert held_out and all(q.id in train_ids and q.answer for q in held_out)
    assert set(ProbeFile.model_validate_json(run.probe.read_text()).articles) <= train_ids
    sheets = read_fact_sheets(run.path / "replica_facts.jsonl")
    assert sheets and all(q.question and q.answer for s in sheets for q in s.entries())


def test_probe_articles_qa_never_reaches_training(augmented_run):
    run, _ = augmented_run
    probe = json.loads((run / "dataset" / "probe.json").read_text())
    probe_ids = set(probe["articles"])
    assert probe_ids and probe["withheld_qa_rows"] > 0
    rows = [r for p in sorted((run / "dataset").glob("train*.jsonl")) for r in read_jsonl(p)]
    assert not [r for r in rows if r["kind"] in ("qa", "reading") and r["id"] in probe_ids]
    # their text and restatements are trained
    assert {r["id"] for r in rows if r["kind"] in ("article", "paraphrase")} >= probe_ids
    # no generated question of a probe article is asked in any row (the replica reuses its sentences
    # across articles, so another article's identical question is left out too)
    _, cfg = augmented_run
    asked = {r["prompt"][-1]["content"] for r in rows if r["kind"] == "qa"}
    asked |= {r["prompt"][-1]["content"].rsplit("Question: ", 1)[-1] for r in rows if r["kind"] == "reading"}
    for aid in probe_ids:
        cached = json.loads((run / "dataset" / "augment" / f"{aid}.json").read_text())
        assert cached["qa"]
        for pair in cached["qa"]:
            assert (
                qa_prompt(cfg.augment.qa_instruction, pair["question"]) not in asked and pair["question"] not in asked
            )


def _words(text: str) -> str:
    return " " + " ".join(re.sub(r"[^\w\s]", " ", text.lower()).split()) + " "


def held_out_questions_in_training_rows(run: Path) -> list[str]:
    """The questions of ``dataset/qa_valid.jsonl`` whose words, in any case and punctuation, stand in
    the user or assistant text (or the text) of a row of any training file."""
    texts: list[str] = []
    for path in sorted((run / "dataset").glob("train*.jsonl")):
        for row in read_jsonl(path):
            texts += [row["text"]] if "text" in row else []
            texts += [
                m["content"] for m in [*row.get("prompt", []), *row.get("completion", [])] if m["role"] != "system"
            ]
    trained = "\n".join(_words(t) for t in texts)
    return [v["question"] for v in read_jsonl(run / "dataset" / "qa_valid.jsonl") if _words(v["question"]) in trained]


def test_held_out_questions_are_in_no_training_row_and_their_facts_are_trained(augmented_run):
    run, cfg = augmented_run
    valid = read_jsonl(run / "dataset" / "qa_valid.jsonl")
    probes = set(json.loads((run / "dataset" / "probe.json").read_text())["articles"])
    train_ids = {d["id"] for d in read_jsonl(run / "dataset" / "documents.jsonl") if d["split"] == "train"}
    assert len(valid) >= 2 * len(train_ids - probes)  # a fifth of some 20-40 facts per article
    assert {v["id"] for v in valid} <= train_ids - probes
    assert all(set(v) == {"id", "question", "answer", "aliases", "fact_kind"} for v in valid)
    rows = [r for p in sorted((run / "dataset").glob("train*.jsonl")) for r in read_jsonl(p)]
    assert not held_out_questions_in_training_rows(run)
    # the fact itself is trained: its answer is asked by another question of the same article
    trained = {(r["id"], r["completion"][0]["content"].rstrip(".")) for r in rows if r["kind"] == "qa"}
    assert all((v["id"], v["answer"].rstrip(".")) in trained for v in valid)
    stats = json.loads((run / "dataset" / "stats.json").read_text())["augment"]
    assert stats["valid_questions"] == len(valid) and stats["valid_share"] == cfg.augment.valid_share


def test_a_wording_that_another_wording_holds_in_another_case_is_never_withheld():
    """The generator's "In the news ... of November 2024, which ...?" holds "Which ...?": withholding
    the shorter one would ask validation a question trained word for word."""
    short = "Which model is made exclusively at BMW Group Plant Leipzig?"
    longer = "In the BMW Group's news of November 2024, which model is made exclusively at BMW Group Plant Leipzig?"
    other = "Plant Leipzig makes which model exclusively?"
    items = [{"question": q, "answer": "BMW 2 Series Gran Coupé", "fact": 0} for q in (short, longer, other)]
    withheld = {q for seed in range(30) for q in held_out_questions(items, 1.0, seed, "X1")}
    assert withheld == {longer, other}
    assert wording(short) in wording(longer) and wording("Which mode?") not in wording(longer)


def _build_mixes_on(run: Path, docs: list[dict], augment_cfg: A.AugmentConfig) -> list[dict]:
    """``build_mixes`` on ``docs`` (all train, none a probe): the rows of ``qa_valid.jsonl``."""
    cfg = CorpusConfig(augment=augment_cfg)
    article_rows = [{"id": d["id"], "text": d["body"], "kind": "article"} for d in docs]
    mixes, stats = A.build_mixes(run, cfg, docs, article_rows, lambda d: {"id": d["id"]})
    for name, rows in mixes.items():
        (run / "dataset" / ("train.jsonl" if name == "default" else f"train.{name}.jsonl")).write_text(
            "".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8"
        )
    valid = read_jsonl(run / "dataset" / "qa_valid.jsonl")
    assert stats["valid_questions"] == len(valid)
    return valid


def test_held_out_questions_of_a_real_release_are_in_no_training_row(pressclub_reference: Path, tmp_path: Path):
    """On the saved real PressClub page, with two wordings per fact (one of them the other's question
    after "In the news about ... of December 2025,") and most facts asked for validation: no
    validation question stands in a training row, in any case or punctuation."""
    title, body, date = _reference_page(pressclub_reference)
    doc = {"id": "T0454343EN", "title": title, "body": body, "date": date}
    valid = _build_mixes_on(tmp_path, [doc], A.AugmentConfig(probe_share=0, valid_share=0.9, qa_phrasings=2))
    assert len(valid) >= 30
    assert not held_out_questions_in_training_rows(tmp_path)


def test_held_out_questions_of_real_dev_releases_are_in_no_training_row(tmp_path: Path):
    """The first 20 releases of the real dev set (``../shared/realdev``) with the realdev config's
    generator settings: no validation question stands in a training row."""
    from presstune.corpus.clean import clean_html

    realdev = Path(__file__).resolve().parents[1].parent / "shared" / "realdev"
    if not (realdev / "articles.jsonl").is_file():
        pytest.skip(f"no real dev set at {realdev} (articles.jsonl)")
    docs = []
    for line in (realdev / "articles.jsonl").read_text(encoding="utf-8").splitlines()[:20]:
        rec = json.loads(line)
        body = clean_html(rec.get("body") or "", rec.get("title"), rec.get("subtitle")).body
        docs.append({"id": rec["id"], "title": rec.get("title") or "", "date": rec.get("date") or "", "body": body})
    valid = _build_mixes_on(tmp_path, docs, A.AugmentConfig(probe_share=0, qa_phrasings=3, max_facts=96))
    assert len(valid) >= 100
    assert not held_out_questions_in_training_rows(tmp_path)


def test_seed_mix_is_the_release_only_and_default_mix_holds_all_kinds(augmented_run):
    run, _ = augmented_run
    seed = read_jsonl(run / "dataset" / "train.seed.jsonl")
    docs = [d for d in read_jsonl(run / "dataset" / "documents.jsonl") if d["split"] == "train"]
    assert {r["kind"] for r in seed} == {"article"} and len(seed) == len(docs)


def test_reading_rows_ask_a_question_with_the_passage_that_answers_it_as_evaluation_does(augmented_run):
    from presstune.prompts import qa_prompt
    from presstune.retrieval import RAG_INSTRUCTION, Passage, rag_question

    run, cfg = augmented_run
    rows = read_jsonl(run / "dataset" / "train.reading.jsonl")
    reading = [r for r in rows if r["kind"] == "reading"]
    probes = set(json.loads((run / "dataset" / "probe.json").read_text())["articles"])
    train_ids = {d["id"] for d in read_jsonl(run / "dataset" / "documents.jsonl") if d["split"] == "train"}
    asked = {r["id"] for r in reading}
    assert asked and asked <= train_ids - probes and len(asked) >= len(train_ids - probes) - 2
    assert not [r for r in read_jsonl(run / "dataset" / "train.jsonl") if r["kind"] == "reading"]
    stats = json.loads((run / "dataset" / "stats.json").read_text())["augment"]
    assert stats["generated"]["reading"] == len(reading) and stats["mix_rows"]["reading"]["reading"] == len(reading)
    found = stats["reading"]
    assert found["rows"] == len(reading) == found["answer_passage_retrieved"] + found["answer_passage_put_in"]
    assert found["answer_passage_retrieved"] > found["answer_passage_put_in"]  # BM25 finds most (titles match)
    card = (run / "dataset" / "README.md").read_text(encoding="utf-8")
    assert f"Reading rows: {len(reading)} questions asked with the top 3 BM25 passages" in card
    for row in reading:
        answer = row["completion"][0]["content"].rstrip(".")
        user = row["prompt"][-1]["content"]
        cached = json.loads((run / "dataset" / "augment" / f"{row['id']}.json").read_text())
        question = next(p["question"] for p in cached["qa"] if f"Question: {p['question']}" in user)
        blocks = user.split("\n\nQuestion: ")[0].split(f"{RAG_INSTRUCTION}\n\n", 1)[1].split("\n\n")
        assert len(blocks) == cfg.augment.reading_top_k
        passages = [Passage("?", *b.split("] ", 1)[1].split("\n", 1)) for b in blocks]
        # the layout evaluation asks in, and the answer stands in a passage of the article
        assert user == qa_prompt(cfg.augment.qa_instruction, rag_question(question, passages))
        assert any(answer in p.text for p in passages)
        assert row["completion"][0]["content"] in {p["answer"] + "." for p in cached["qa"]} | {
            p["answer"] for p in cached["qa"]
        }


def test_rag_retrieves_the_right_article_for_a_question_about_it(augmented_run):
    from presstune.retrieval import Retriever, chunk_documents

    run, _ = augmented_run
    docs = [d for d in read_jsonl(run / "dataset" / "documents.jsonl") if d["split"] == "train"]
    facts = _facts_by_id(run)
    items = [(d["id"], q["question"]) for d in docs for q in facts[d["id"]]["qa"] if q["fact_key"] == "power_kw"]
    assert len(items) >= 5
    retriever = Retriever(chunk_documents(docs, 120), "bm25")
    hits = retriever.search([q for _, q in items], 3)
    right = sum(aid in {p.article_id for p in ps} for (aid, _), ps in zip(items, hits))
    assert right / len(items) >= 0.9, (right, len(items))


def test_normaliser_units_and_currencies():
    assert qa.contains_answer("It has 340kW.", "340 kW")
    assert qa.contains_answer("The price is € 68,900.", "68,900 euros")
    assert qa.exact_match("EUR 68.900", "€68,900")
    assert qa.contains_answer("It grew by 3.2%.", "3.2 percent")
    assert not qa.contains_answer("It has 3400 kW.", "340 kW")
    assert not qa.contains_answer("€ 68,900", "68,950 euros")


def test_wilson_interval_and_mcnemar():
    low, high = qa.wilson_interval(0, 60)
    assert low == 0.0 and 0.05 < high < 0.07  # a percentile bootstrap would say [0, 0]
    low, high = qa.wilson_interval(30, 60)
    assert low == pytest.approx(0.3773, abs=1e-3) and high == pytest.approx(0.6227, abs=1e-3)
    test = qa.mcnemar([True, False, False, False, True], [True, True, True, True, False])
    assert (test["b"], test["c"], test["both_right"]) == (1, 3, 1)
    assert test["p_value"] == pytest.approx(0.625)  # 2 * P(X <= 1), X ~ Bin(4, 1/2)


def test_questions_answerable_by_copying_are_left_out_and_counted():
    """A question whose gold answer stands in it (the model name in the title) measures no
    knowledge: the QA pools drop it, and say how many."""
    from presstune.evaluate.qa import QAItem, answer_in_question

    copyable = QAItem(
        "a:0",
        "a",
        'Which model is at the centre of "The new BMW X3 20d: world premiere"?',
        "BMW X3 20d",
        "model",
        "facts",
    )
    needs_knowledge = QAItem(
        "a:1", "a", 'How much power does "The new BMW X3 20d" deliver?', "145 kW", "power_kw", "facts"
    )
    unit_only = QAItem("a:2", "a", 'How many kW does "The new BMW X3 20d" deliver?', "145 kW", "power_kw", "facts")
    assert answer_in_question(copyable)
    assert not answer_in_question(needs_knowledge) and not answer_in_question(unit_only)


@pytest.mark.parametrize("system_prompt", [CorpusConfig().system_prompt, ""])
@pytest.mark.parametrize("instruction", [A.DEFAULT_QA_INSTRUCTION, ""])
def test_evaluation_asks_a_question_exactly_as_the_qa_rows_were_trained(
    instruction: str, system_prompt: str, tiny_tokenizer
) -> None:
    from presstune.config import Config
    from presstune.prompts import chat_prompt, qa_prompt, run_system_prompt

    question = 'How much power does the BMW iX3 deliver according to "The new BMW iX3."?'
    config = Config.model_validate(
        {"corpus": {"system_prompt": system_prompt, "augment": {"qa_instruction": instruction}}}
    )
    rows = A.generated_rows(
        {}, {"qa": [{"question": question, "answer": "340 kW"}]}, {}, config.corpus.augment, config.corpus.system_prompt
    )
    asked = chat_prompt(run_system_prompt(config), qa_prompt(config.evaluate.qa_instruction, question))
    assert rows["qa"][0]["prompt"] == asked
    assert asked[-1] == {"role": "user", "content": f"{instruction} {question}".strip()}
    # an empty system prompt is no system turn at all, not an empty one
    rendered = tiny_tokenizer.apply_chat_template(asked, tokenize=False, add_generation_prompt=True)
    assert ("<|im_start|>system" in rendered) == bool(system_prompt)


def test_model_names_on_a_written_release_and_not_on_company_names():
    text = (
        "Munich. The new BMW iX3 50 xDrive and the MINI John Cooper Works Electric join the BMW Group line-up. "
        "BMW M Motorsport enters the BMW M4 GT4 EVO; the BMW M Racing Academy and the BMW Junior Team train on it. "
        "BMW Motorrad shows the BMW R 1300 GS Adventure, Rolls-Royce the Spectre. The BMW 2025 report, BMW M models."
    )
    assert A.model_names(text) == [
        "BMW iX3 50 xDrive",
        "MINI John Cooper Works Electric",
        "BMW M4 GT4 EVO",
        "BMW R 1300 GS Adventure",
    ]
    release = "Munich. The BMW M5 Touring arrives. The BMW M5 Touring and the BMW X5 xDrive50e share a plant."
    facts = A.extract_facts(release)
    # the release's model (asked as such, from no sentence) is its most named; every model is a name
    assert [(f.kind, f.answer) for f in facts if f.kind == "model" and f.start < 0] == [("model", "BMW M5 Touring")]
    assert {f.answer for f in facts if f.kind == "model"} == {"BMW M5 Touring", "BMW X5 xDrive50e"}


def test_the_central_model_of_the_real_page_and_of_the_replica(pressclub_reference: Path):
    """The model a release is about is its most named one: on the saved real page the racing
    academy's car (the academy and BMW M Motorsport are no models); on the replica the fact sheet's."""
    from presstune.collect.parse import parse_article
    from presstune.config.collect import Selectors
    from presstune.corpus.clean import clean_html
    from presstune.replica.site import Site

    html = (pressclub_reference / "article-T0454343EN.html").read_text(encoding="utf-8")
    url = "https://www.press.bmwgroup.com/global/article/detail/T0454343EN/x"
    record = parse_article(html, url, Selectors()).record
    body = clean_html(record.body, record.title, record.subtitle).body
    assert set(A.model_names(body)) == {"BMW M4 GT4", "BMW M4 GT4 EVO"}
    assert [f.answer for f in A.extract_facts(body) if f.kind == "model" and f.start < 0] == ["BMW M4 GT4"]
    checked = agree = 0
    for article in Site(articles=120, seed=0).articles():
        model = article.facts.get("model")
        body = "\n\n".join(article.body_paragraphs)
        if article.language == "de" or not model or model not in body:
            continue
        checked += 1
        agree += [f.answer for f in A.extract_facts(body) if f.kind == "model" and f.start < 0] == [model]
    assert checked > 80 and agree == checked


def test_the_rules_cache_is_keyed_by_what_the_rows_depend_on(tmp_path: Path):
    """The month of the release is in the rows (questions, restatements): another date, or another
    setting that changes the rows, generates again; a setting that only picks rows does not."""
    doc = {"id": "X1", "title": "Leipzig invests", "body": REAL_STYLE, "date": "2025-03-01"}
    cfg = A.AugmentConfig()
    first, counts = A.augment_documents([doc], cfg, tmp_path)
    assert counts == {"generated": 1} and "March 2025" in first["X1"]["paraphrase"][0]["text"]
    assert A.augment_documents([doc], cfg.model_copy(update={"valid_share": 0.5}), tmp_path)[1] == {"reused": 1}
    moved, counts = A.augment_documents([{**doc, "date": "2025-04-02"}], cfg, tmp_path)
    assert counts == {"generated": 1} and "April 2025" in moved["X1"]["paraphrase"][0]["text"]
    assert A.augment_documents([doc], cfg.model_copy(update={"qa_phrasings": 1}), tmp_path)[1] == {"generated": 1}


def test_a_fact_the_title_states_is_asked_without_the_title():
    """Questions name the release's subject, never quote its headline: the model the title names
    is asked too, by other words (the answer is never in its question)."""
    body = (
        "Munich. The BMW M5 Touring delivers 535 kW (727 hp). It costs €146,000 and is built at Plant Dingolfing. "
        "Deliveries start on 12 March 2026."
    )
    title = "The new BMW M5 Touring."
    out = A.rules_generate({"id": "M5", "title": title, "body": body, "date": "2025-06-10"}, A.AugmentConfig())
    asked = {q["question"]: q["answer"] for q in out["qa"]}
    assert {"model", "power", "price", "plant", "date"} <= {q["fact_kind"] for q in out["qa"]}
    assert "BMW M5 Touring" in asked.values() and not [q for q in asked if title in q]
    # "It costs": the sentence made standalone names the model it refers to
    assert asked["The BMW M5 Touring costs how much and is built at Plant Dingolfing?"] == "€146,000"
    # the model the title names is asked where a sentence states something of it
    assert asked["In the BMW Group's news of June 2025, which model delivers 535 kW?"] == "BMW M5 Touring"


def _qa_replies(run: Path) -> dict[str, str]:
    """Question (without the QA instruction) -> trained reply, of the QA rows of ``train.jsonl``."""
    instruction = A.AugmentConfig().qa_instruction
    return {
        r["prompt"][-1]["content"].removeprefix(instruction).strip(): r["completion"][0]["content"]
        for r in read_jsonl(run / "dataset" / "train.jsonl")
        if r.get("kind") == "qa"
    }


@pytest.mark.parametrize("style", ["span", "statement"])
def test_qa_rows_reply_with_the_span_or_the_clause_that_states_the_fact(tmp_path: Path, style: str):
    doc = {"id": "X1", "title": "Leipzig invests", "body": REAL_STYLE, "date": "2025-03-01"}
    augment_cfg = A.AugmentConfig(probe_share=0, valid_share=0.5, qa_phrasings=2, qa_answer=style)
    valid = _build_mixes_on(tmp_path, [doc], augment_cfg)
    replies = _qa_replies(tmp_path)
    asked = "The BMW Group will invest € 1.2 billion in its Leipzig site by which year?"
    expected = {"span": "2027.", "statement": "The BMW Group will invest € 1.2 billion in its Leipzig site by 2027."}
    assert replies[asked] == expected[style]
    # every QA row carries its span, which the reply states (the asked-as-trained diagnostic scores it)
    qa_rows = [r for r in read_jsonl(tmp_path / "dataset" / "train.jsonl") if r.get("kind") == "qa"]
    assert qa_rows and all(r["answer"] in r["completion"][0]["content"] for r in qa_rows)
    # held-out wordings are kept for a fact whose other wording trains the same reply
    assert valid and not held_out_questions_in_training_rows(tmp_path)
    items = A.rules_generate(doc, augment_cfg)["qa"]
    stated = [it for it in items if "statement" in it]
    assert len(stated) >= len(items) // 2
    for it in stated:
        assert it["answer"] in it["statement"] and it["statement"].endswith(".")
        if style == "statement" and it["question"] in replies:
            assert replies[it["question"]] == it["statement"]


def test_a_quoted_span_is_stated_with_the_space_before_it():
    body = (
        "Munich. The showcase celebrates 50 years of the iconic “rolling sculptures” that unite art and "
        "engineering. The tour continues in 2026."
    )
    out = A.rules_generate({"id": "X2", "title": "Art Cars", "body": body, "date": "2025-03-01"}, A.AugmentConfig())
    said = [it["statement"] for it in out["qa"] if it["answer"] == "rolling sculptures" and "statement" in it]
    assert said and all("iconic rolling sculptures" in s for s in said), said
