"""The replica's fact-sheet questions (what knowledge QA asks) are a reader's questions, kept apart
from the training generator's: they never quote the headline nor state their answer, ask one thing
each within a release, depend on the seed alone, and share no template with the questions that
``presstune.corpus.augment`` writes about the same releases (else a knowledge score would partly
measure how well the model matches the training templates)."""

from __future__ import annotations

import re
from collections import defaultdict

import pytest

from presstune.corpus.augment import AugmentConfig, rules_generate
from presstune.replica import facts
from presstune.replica.site import GeneratedArticle, Site

#: Words of a template compared at once; a shared run of this many skeleton tokens with at least
#: MIN_WORDS real words in it is a shared template part (a run of masks and one or two words is not).
N = 5
MIN_WORDS = 3
MASK, TITLE = "<x>", "<title>"

#: How the fact sheets asked before: the headline quoted, like every question the generator writes.
#: Kept here to show that the check below catches such questions.
HEADLINE_QUESTIONS = [
    'Which model is at the centre of the press release "{title}"?',
    'How much power does the {model} deliver according to "{title}"?',
    'Which BMW Group plant is named in "{title}"?',
    'Who is the {role} quoted in "{title}"?',
    'What is the role of {person} in "{title}"?',
    'At which event does "{title}" take place or get presented?',
    'Which date is given for the next milestone in "{title}"?',
]


#: Words of a role that do not say which role it is.
ROLE_FILLER = {"member", "board", "management", "head", "chief", "officer", "director", "group", "plant"}


@pytest.fixture(scope="module")
def site() -> Site:
    return Site(160, seed=0)


def subject_spans(article: GeneratedArticle) -> list[str]:
    """What a question names its subject and answer with: the fact sheet's names and values and
    the answers as asked, longest first (so a name inside a longer one is masked with it)."""
    spans = {str(v) for v in article.facts.values() if isinstance(v, (str, int)) and len(str(v)) > 2}
    spans |= {qa["answer"] for qa in article.qa}
    spans.discard(article.facts["kind"])
    return sorted(spans, key=len, reverse=True)


def skeleton(question: str, title: str, spans: list[str]) -> list[str]:
    """The question's template: lower-cased words, the headline as <title>, subject names,
    answers and digits as <x> (a run of masks is one), with start and end marks."""
    s = question.replace(title, f" {TITLE} ")
    for span in spans:
        s = re.sub(re.escape(span), f" {MASK} ", s, flags=re.IGNORECASE)
    s = re.sub(r"\d+", f" {MASK} ", s).lower()
    out = ["<s>"]
    for token in re.findall(r"<x>|<title>|[^\W\d_]+", s):
        if not (token == MASK and out[-1] == MASK):
            out.append(token)
    return [*out, "</s>"]


def template_parts(tokens: list[str], min_words: int = MIN_WORDS) -> set[tuple[str, ...]]:
    return {
        tuple(tokens[i : i + N])
        for i in range(len(tokens) - N + 1)
        if sum(not t.startswith("<") for t in tokens[i : i + N]) >= min_words
    }


def generated_questions(articles: list[GeneratedArticle]) -> dict[str, list[str]]:
    """The training generator's questions about each release, as many wordings as it writes."""
    cfg = AugmentConfig(qa_phrasings=5, max_facts=24)
    out = {}
    for a in articles:
        doc = {"id": a.id, "title": a.title, "body": a.ground_truth_body}
        out[a.id] = [qa["question"] for qa in rules_generate(doc, cfg)["qa"]]
    return out


def shared_templates(
    asked: dict[str, list[str]],
    generated: dict[str, list[str]],
    articles: list[GeneratedArticle],
    min_words: int = MIN_WORDS,
) -> list[tuple[str, str, str]]:
    """(replica question, generated text, what they share) for every replica question whose
    skeleton equals a generated one or holds one of its template parts."""
    parts: dict[tuple[str, ...], str] = {}
    whole: dict[tuple[str, ...], str] = {}
    for a in articles:
        spans = subject_spans(a)
        for q in generated.get(a.id, []):
            tokens = skeleton(q, a.title, spans)
            whole.setdefault(tuple(tokens), q)
            for part in template_parts(tokens, min_words):
                parts.setdefault(part, q)
    found = []
    for a in articles:
        spans = subject_spans(a)
        for q in asked.get(a.id, []):
            tokens = skeleton(q, a.title, spans)
            if tuple(tokens) in whole:
                found.append((q, whole[tuple(tokens)], "same skeleton"))
                continue
            for part in sorted(template_parts(tokens, min_words)):
                if part in parts:
                    found.append((q, parts[part], " ".join(part)))
                    break
    return found


@pytest.fixture(scope="module")
def english(site: Site) -> list[GeneratedArticle]:
    return [a for a in site.articles() if not a.media_only and a.lang2 == "en"]


@pytest.fixture(scope="module")
def generated(english: list[GeneratedArticle]) -> dict[str, list[str]]:
    out = generated_questions(english)
    assert sum(map(len, out.values())) > 20 * len(english)  # the generator does ask about these
    return out


def test_no_wording_of_a_fact_sheet_question_shares_a_template_with_the_generator(english, generated):
    asked = {
        a.id: [q for _, wordings in facts.question_wordings(a.facts, "en").values() for q in wordings] for a in english
    }
    assert sum(map(len, asked.values())) > 20 * len(english)
    shared = shared_templates(asked, generated, english)
    assert not shared, shared[:10]


def test_no_question_rewords_a_sentence_of_its_release(english):
    """A question built from the sentence that states the fact (how a generator words its rows)
    shares a run of four words with it; the fact sheets ask in a reader's words instead."""
    asked = {
        a.id: [q for _, wordings in facts.question_wordings(a.facts, "en").values() for q in wordings] for a in english
    }
    sentences = {a.id: re.split(r"(?<=[.!?])\s+", a.ground_truth_body) for a in english}
    shared = shared_templates(asked, sentences, english, min_words=4)
    assert not shared, shared[:10]


def test_the_check_catches_questions_that_quote_the_headline(english, generated):
    """Why the check can fail: the questions the fact sheets asked before this check existed."""
    old = {a.id: [t.format(title=a.title, **a.facts) for t in HEADLINE_QUESTIONS if "driver" not in t] for a in english}
    shared = shared_templates(old, generated, english)
    caught = {q for q, _, _ in shared}
    assert len(caught) > len(english), shared[:5]
    assert any("quoted in" in q for q in caught)


def test_questions_name_the_subject_never_the_headline_nor_the_answer(site):
    for a in site.articles():
        title = a.title.rstrip(".")
        for qa in a.qa:
            q = qa["question"]
            assert title not in q and "„" not in q and '"' not in q, (a.id, q)
            assert qa["answer"].casefold() not in q.casefold(), (a.id, qa)
            assert q.endswith(("?", ".")) and q[0].isupper(), q
        if a.lang2 == "en" and a.qa:
            # the subject is named: the release's model, plant, person, driver or event, the role a
            # person was appointed to (in a reader's words) or, in company news, the BMW Group
            f = a.facts
            names = [f["model"], f["plant"], f["person"], f.get("driver", "-"), f["event"]]
            names += ["BMW Group"] if f["kind"] == "corporate" else []
            role_words = set(re.findall(r"\w{4,}", f["role"].lower())) - ROLE_FILLER
            for qa in a.qa:
                named = [n for n in names if n != qa["answer"] and n in qa["question"]]
                named += [w for w in role_words if f["kind"] == "people" and w in qa["question"].lower()]
                assert named, qa


def test_each_question_asks_one_fact_of_its_release(site):
    for a in site.articles():
        questions = [qa["question"] for qa in a.qa]
        assert len(set(questions)) == len(questions), a.id
        for _, wordings in facts.question_wordings(a.facts, a.lang2).values():
            assert len(set(wordings)) == len(wordings)


def test_questions_vary_within_a_fact_and_are_a_function_of_the_seed(site):
    by_key: dict[str, set[str]] = defaultdict(set)
    for a in site.articles():
        spans = subject_spans(a)
        for qa in a.qa:
            by_key[qa["fact_key"]].add(" ".join(skeleton(qa["question"], a.title, spans)))
    # several templates per fact kind are in use (range and investment: one kind of release each)
    assert all(len(v) >= 3 for v in by_key.values()), {k: len(v) for k, v in by_key.items()}
    again = Site(160, seed=0)
    assert [a.qa for a in again.articles()] == [a.qa for a in site.articles()]
    other = Site(160, seed=1)
    assert [a.qa for a in other.articles()] != [a.qa for a in site.articles()]


def test_a_release_and_its_translation_and_republications_ask_alike(site):
    """The wording is picked per family: an English original and its regional republication ask a
    shared fact in the same words."""
    pairs = 0
    for family in {a.family_id for a in site.articles()}:
        members = [a for a in site.family(family) if a.lang2 == "en" and a.qa]
        for a, b in zip(members, members[1:]):
            common = {qa["fact_key"]: qa["question"] for qa in a.qa}.items() & {
                qa["fact_key"]: qa["question"] for qa in b.qa
            }.items()
            assert common, (a.id, b.id)
            pairs += 1
    assert pairs > 0
