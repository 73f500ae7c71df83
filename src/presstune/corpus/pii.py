"""Personal contact data out of the training text: phone numbers and e-mail addresses.

Why by hand: the libraries that find PII in free text (Presidio, scrubadub) pull in spaCy
models for names; the two kinds we scrub have fixed shapes that a few expressions catch,
tested on many wordings (tests/test_corpus_pii.py). Names are not scrubbed here: the contact
block they stand in is removed by the cleaner, and names in the news (the quoted board member)
are the news.
"""

from __future__ import annotations

import re
from collections import Counter

EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+(?:@|\s?\(at\)\s?|\s?\[at\]\s?)[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}\b", re.I)
#: "+49-89-382-12345", "+49 (0)151 1234 5678", "+1 201 555 0143", "+44 (0) 7700 900123".
_INTERNATIONAL = r"\+\d{1,3}(?:[ ./-]?\(0\))?(?:[ ./-]?\(?\d{1,5}\)?){2,7}"
#: A national number after a phone label: "Tel.: 089 382-12345", "Mobile 0151/1234567".
_LABELLED = (
    r"(?P<label>\b(?:phone|telephone|tel|mobile|mobil|cell|handy|telefon|fax|telefax)\b\.?\s*:?\s*)"
    r"(?P<national>\(?0\d[\d ./()-]{5,}\d)"
)
PHONE = re.compile(rf"{_INTERNATIONAL}|{_LABELLED}", re.I)
#: Fewer digits than this is a figure ("+12 percent", "+3.5"), not a phone number.
MIN_PHONE_DIGITS = 8

PLACEHOLDER = {"email": "[e-mail removed]", "phone": "[phone removed]"}


def scrub(text: str) -> tuple[str, Counter]:
    """(text with phone numbers and e-mail addresses replaced, counts by kind)."""
    found: Counter = Counter()
    if not text:
        return text, found

    def email(m: re.Match[str]) -> str:
        found["email"] += 1
        return PLACEHOLDER["email"]

    def phone(m: re.Match[str]) -> str:
        label, number = m.group("label") or "", m.group("national") or m.group(0)
        if sum(ch.isdigit() for ch in number) < MIN_PHONE_DIGITS:
            return m.group(0)
        found["phone"] += 1
        return label + PLACEHOLDER["phone"]

    text = EMAIL.sub(email, text)
    text = PHONE.sub(phone, text)
    return text, found
