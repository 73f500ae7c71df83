"""A question in a reader's other words: common verbs and nouns of press releases swapped for
their everyday synonyms ("began" -> "started", "vehicles" -> "cars").

A small model keys a fact on the words it was asked with; readers ask with their own. One
reworded wording per fact teaches the fact under a second set of words. A hand-written table and
no thesaurus library: WordNet (NLTK) downloads its data at run time, and a general thesaurus
swaps senses a release does not mean ("plant" -> "flora").
"""

from __future__ import annotations

import re

#: Words a reader uses for what a release says in others: each pair keeps its inflection and its
#: syntax (a transitive verb for a transitive verb), and a past form maps to one that is also
#: its participle ("began" -> "started", never "started" -> "began": "has began"), so a swap never
#: breaks the sentence.
_SYNONYMS: dict[str, str] = {
    # verbs whose forms are no common noun ("start", "launch", "lead", "finish" and "host" are)
    "begin": "start",
    "begins": "starts",
    "began": "started",
    "produce": "build",
    "produces": "builds",
    "produced": "built",
    "build": "produce",
    "builds": "produces",
    "built": "produced",
    "manufacture": "produce",
    "manufactures": "produces",
    "manufactured": "produced",
    "unveil": "present",
    "unveils": "presents",
    "unveiled": "presented",
    "presented": "unveiled",
    "launched": "introduced",
    "introduce": "launch",
    "introduces": "launches",
    "introduced": "launched",
    "announce": "reveal",
    "announces": "reveals",
    "announced": "revealed",
    "reveal": "announce",
    "reveals": "announces",
    "revealed": "announced",
    "held": "hosted",
    "hosted": "held",
    "founded": "established",
    "established": "founded",
    "celebrate": "mark",
    "celebrates": "marks",
    "celebrated": "marked",
    "finished": "completed",
    "completed": "finished",
    # nouns and adverbs
    "vehicles": "cars",
    "cars": "vehicles",
    "factory": "plant",
    "plant": "factory",
    "firm": "company",
    "approx.": "about",
    "approximately": "about",
    "per cent": "percent",
    "percent": "per cent",
    "kilometres": "km",
    "kilograms": "kg",
    "currently": "now",
}
_SYNONYM_RE = re.compile(
    r"(?<![\w-])(" + "|".join(re.escape(w) for w in sorted(_SYNONYMS, key=len, reverse=True)) + r")(?![\w-])"
)


def reworded(question: str) -> str:
    """``question`` with its common verbs and nouns swapped for a reader's other words ("began" ->
    "started", "vehicles" -> "cars"), names left alone (a capitalised word is never swapped); the
    question itself when there is nothing to swap."""
    return _SYNONYM_RE.sub(lambda m: _SYNONYMS[m.group(1)], question)
