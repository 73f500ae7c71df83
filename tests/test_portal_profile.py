"""The portal profile: the corpus stage on a second, made-up portal (Nordwind Cycles, an e-bike
maker with its own newsroom) removes that portal's boilerplate, names its company and makes in
the rows, and nothing of the PressClub's (the default profile) gets in; the same releases under
the default profile keep Nordwind's boilerplate and say "BMW Group", so the checks can fail."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from presstune.collect.parse import ArticleIds, article_id_from_url, language_of
from presstune.config import ConfigError, load_config
from presstune.pipeline import stage_corpus
from presstune.portal import PRESSCLUB, load_profile
from presstune.rundir import RunDir, write_jsonl

NORDWIND = {
    "name": "nordwind",
    "url": {
        "base_url": "https://newsroom.nordwind.example",
        "article_id": r"NW-\d{4}-([a-z]{2})",
        "detail_path": r"/news/([^/?#]+)",
    },
    "brands": {
        "company": "Nordwind Cycles",
        "makes": ["Nordwind"],
        "model_words": ["Fjord", "Skerry"],
        "brand_words": ["Nordwind", "Nordwind Cycles"],
        "own_plant_prefix": "Nordwind",
        "plant_owner": "Nordwind Cycles",
    },
    "prompts": {
        "instruct": {
            "en": 'Write the Nordwind Cycles news release titled "{title}"{date}.',
            "de": "Schreibe die Pressemitteilung von Nordwind Cycles mit dem Titel „{title}“{date}.",
        }
    },
    "boilerplate": {
        "portal_pointers": [r"\bnordwind\s+newsroom\b.{0,40}\bwww\."],
        "company_headings": [r"about\s+nordwind(?:\s+cycles)?\.?"],
        "company_openers": [r"nordwind\s+cycles\s+builds\s+electric\s+bicycles\b"],
        "text_ends": [r"About Nordwind"],
    },
}

POINTER = "Photos of the new bikes are in the Nordwind Newsroom at www.nordwind.example/media."
COMPANY = (
    "Nordwind Cycles builds electric bicycles in Bergen since 2009 and sells them in 14 countries through 320 dealers."
)
RELEASES = [
    (
        "The new Nordwind Fjord 7 cargo bike",
        "Bergen. The Nordwind Fjord 7 carries up to 180 kg and goes 95 km on one charge. It will be sold "
        "from 12 May 2025 at a price of EUR 4,990 in Norway, Denmark and Germany.",
        "“The Fjord 7 is built for families who leave the car at home,” said Ingrid Solberg, Head of "
        "Product at Nordwind Cycles.",
    ),
    (
        "Nordwind Skerry commuter bike wins design award",
        "Oslo. The Nordwind Skerry 3 won the Nordic Design Prize 2025 in Oslo on 3 March 2025. The jury "
        "praised its 14 kg aluminium frame and its belt drive.",
        "“We are proud of the whole team in Bergen,” said Lars Haugen, Chief Designer at Nordwind Cycles.",
    ),
    (
        "Nordwind Cycles opens its second assembly plant",
        "Stavanger. Nordwind Cycles opened Plant Stavanger on 20 June 2025. The plant will assemble 40,000 "
        "bikes a year and employs 210 people.",
        "“Stavanger gives us room to grow,” said Maja Berg, Chief Executive Officer of Nordwind Cycles.",
    ),
    (
        "Nordwind Fjord 5 gets a larger battery",
        "Bergen. From the 2026 model year, the Nordwind Fjord 5 has a 750 Wh battery and a range of 120 km. "
        "Deliveries start on 1 September 2025.",
        "“Customers asked for more range on long tours,” said Ingrid Solberg, Head of Product.",
    ),
    (
        "Nordwind Cycles sells 52,000 bikes in 2024",
        "Bergen. Nordwind Cycles sold 52,000 electric bicycles in 2024, 18 per cent more than a year "
        "before. Revenue rose to NOK 1.4 billion.",
        "“Cargo bikes were a third of our sales,” said Maja Berg, Chief Executive Officer.",
    ),
]


def _record(i: int, title: str, *news: str) -> dict:
    body = "\n\n".join(
        [
            *news,
            POINTER,
            "About Nordwind Cycles",
            COMPANY,
            "For press enquiries, please contact:",
            "Kari Nilsen\nTelephone: +47 55 00 00 00",
        ]
    )
    article_id = f"NW-{2025 - i:04d}-en"
    return {
        "id": article_id,
        "language": "en",
        "url": f"https://newsroom.nordwind.example/news/{article_id}",
        "title": title,
        "date": f"2025-0{i + 2}-1{i}T09:00:00+01:00",
        "body": body,
    }


def _corpus(tmp_path: Path, name: str, profile: str) -> dict[str, list[dict]]:
    """The corpus stage, as the pipeline runs it, on the Nordwind releases under ``profile``."""
    run = RunDir(tmp_path / name).create()
    write_jsonl(run.path / "articles.jsonl", [_record(i, *r) for i, r in enumerate(RELEASES)])
    cfg = load_config(
        None,
        [
            f"portal.profile={profile}",
            "corpus.tokenizer=tinybase",
            "corpus.train_ratio=0.8",
            "corpus.augment.backend=rules",
            "corpus.augment.paraphrases=1",
            "corpus.augment.fact_lists=1",
            "corpus.augment.probe_share=0",
        ],
    )
    stage_corpus(cfg, run)
    out = {}
    for file in ("documents", "train", "eval"):
        out[file] = [json.loads(line) for line in (run.path / "dataset" / f"{file}.jsonl").read_text().splitlines()]
    return out


@pytest.fixture(scope="module")
def nordwind_profile(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("profiles") / "nordwind.yaml"
    path.write_text(yaml.safe_dump(NORDWIND, allow_unicode=True), encoding="utf-8")
    return str(path)


def _prompts(rows: list[dict]) -> list[str]:
    return [turn["content"] for row in rows for turn in row.get("prompt", []) if turn["role"] == "user"]


def test_corpus_stage_on_a_made_up_portal(tmp_path, nordwind_profile):
    data = _corpus(tmp_path, "nordwind", nordwind_profile)
    bodies = [d["body"] for d in data["documents"]]
    assert len(bodies) == len(RELEASES)
    # its boilerplate goes (the pointer and the company paragraph by its profile, the contacts by
    # the generic rules); the news stays
    assert not any("Nordwind Newsroom" in b or "builds electric bicycles" in b or "About Nordwind" in b for b in bodies)
    assert not any("+47" in b or "Kari Nilsen" in b for b in bodies)
    assert any("carries up to 180 kg" in b for b in bodies)
    # its company and makes are used in prompts and rows
    rows = data["train"] + data["eval"]
    prompts = _prompts(rows)
    assert sum(p.startswith("Write the Nordwind Cycles news release titled") for p in prompts) == len(RELEASES)
    assert any(p.startswith("What did Nordwind Cycles report about") for p in prompts)
    assert any(p.startswith("List the facts of Nordwind Cycles's news") for p in prompts)
    fact_lists = [r["completion"][0]["content"] for r in data["train"] if "List the facts" in _prompts([r])[0]]
    assert any("Model: Nordwind Fjord" in text or "Model: Nordwind Skerry" in text for text in fact_lists)
    # and nothing of the PressClub's
    everything = json.dumps(data, ensure_ascii=False)
    assert "BMW" not in everything and "PressClub" not in everything


def test_the_same_releases_under_the_default_profile_keep_nordwinds_boilerplate(tmp_path):
    data = _corpus(tmp_path, "pressclub", "pressclub")
    bodies = [d["body"] for d in data["documents"]]
    assert all(POINTER in b and COMPANY in b for b in bodies)  # not the PressClub's boilerplate
    prompts = _prompts(data["train"] + data["eval"])
    assert any(p.startswith("Write the BMW Group press release titled") for p in prompts)
    assert not any("Nordwind Cycles report" in p for p in prompts)


def test_profile_url_scheme_and_base_url(nordwind_profile):
    ids = ArticleIds.of(load_profile(nordwind_profile).url)
    assert article_id_from_url("https://newsroom.nordwind.example/news/NW-2031-de?x=1", ids) == "NW-2031-de"
    assert article_id_from_url("https://newsroom.nordwind.example/list?id=NW-2031-en", ids) == "NW-2031-en"
    assert language_of("NW-2031-de", ids) == "de"
    assert language_of("T0454343EN", ids) is None  # a PressClub id is none of Nordwind's
    assert language_of("NW-2031-de") is None  # ... and the default scheme is the PressClub's
    assert load_config(None, [f"portal.profile={nordwind_profile}"]).collect.base_url == NORDWIND["url"]["base_url"]
    assert load_config(None, []).collect.base_url == PRESSCLUB.url.base_url
    kept = load_config(None, [f"portal.profile={nordwind_profile}", "collect.base_url=http://127.0.0.1:9"])
    assert kept.collect.base_url == "http://127.0.0.1:9"


def test_unknown_or_invalid_profile_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="portal.profile"):
        load_config(None, ["portal.profile=no-such-portal"])
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump({**NORDWIND, "brands": {"company": "X"}}), encoding="utf-8")
    with pytest.raises(ConfigError, match="portal.profile"):
        load_config(None, [f"portal.profile={bad}"])
