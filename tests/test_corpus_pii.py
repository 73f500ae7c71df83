"""PII scrub: phone numbers and e-mail addresses in many formats; figures that are not phones stay."""

from __future__ import annotations

import pytest

from presstune.corpus.pii import scrub

PHONES = [
    "Phone: +49-89-382-12345",
    "Tel.: +49 (0)89 382-12345",
    "Mobile +49 151 60123456",
    "Telephone: +44 (0) 7700 900123",
    "call +1 (201) 555-0143 today",
    "Tel. 089 382-12345",  # national number after a label
    "Telefon: 0151/1234567",
    "Fax +43.662.123456",
]
EMAILS = [
    "E-mail: first.last@bmwgroup.example",
    "write to press-office+uk@mini.example.",
    "Kontakt: vera.lindholm@bmw.de",
    "info(at)bmw-motorrad.example",
]
NOT_PII = [
    "Sales rose by +12 percent to 2,450,000 vehicles.",
    "The price is €68,900; the range 2024-2030 is covered.",
    "On 12.03.2025 at 10.30 the car reached 0-100 km/h in 3.9 seconds.",
    "+++ 345 kW of power +++ Priced from €68,900 +++",
    "Plant Munich, 80788 München, opened in 1922.",
    "Order code 1234 5678 is not a phone number.",
]


@pytest.mark.parametrize("text", PHONES)
def test_phone_numbers_are_scrubbed(text):
    out, found = scrub(text)
    assert found == {"phone": 1}, out
    assert sum(ch.isdigit() for ch in out) <= 3  # "+1"-style leftovers at most, no number


@pytest.mark.parametrize("text", EMAILS)
def test_email_addresses_are_scrubbed(text):
    out, found = scrub(text)
    assert found == {"email": 1} and "@" not in out and "(at)" not in out


@pytest.mark.parametrize("text", NOT_PII)
def test_figures_dates_and_teasers_are_not_pii(text):
    assert scrub(text) == (text, {})


def test_the_scrub_step_runs_over_every_row_and_document_and_is_counted(tmp_path):
    from presstune.config.corpus import CorpusConfig
    from presstune.corpus import steps

    doc = {
        "id": "T0000001EN",
        "title": "T",
        "teaser": "",
        "body": "News. Questions: anna.keller@bmw.example",
        "split": "train",
        "rows": [
            {
                "prompt": [{"role": "user", "content": "Phone +49 89 382 12345?"}],
                "completion": [{"role": "assistant", "content": "Mobile: +49-151-600-11111, anna.keller@bmw.example"}],
            },
            {"text": "Tel.: 089 382-22222"},
        ],
    }
    ctx = steps.Context(cfg=CorpusConfig(), run=tmp_path)
    (out,) = steps.run_steps([doc], [steps.ScrubPii()], ctx)
    assert ctx.stats["pii_scrubbed"] == {"email": 2, "phone": 3}
    assert "@" not in out["body"] and "382" not in str(out["rows"])
    off = steps.Context(cfg=CorpusConfig(scrub_pii=False), run=tmp_path)
    doc2 = {**doc, "body": "x@y.example", "rows": []}
    assert steps.run_steps([doc2], [steps.ScrubPii()], off)[0]["body"] == "x@y.example"
