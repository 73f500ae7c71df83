"""Retention: does the tuned model still handle what the base handled? A recipe that buys recall
by destroying the model shows here.

Two measures, the same for every variant:

* ``retention_perplexity``: perplexity over texts the base handles -- for the demo the base's
  own pretraining articles (rebuilt from the replica: it is a pure function of its seed), for a
  real model the packaged general paragraphs below;
* ``retention_contains``: the packaged general questions (one-word answers a small instruct
  model knows). The demo's 8M base answers none of them, so there it cannot show a loss: the
  perplexity is the demo's retention measure.

The texts and questions are our own wording (general knowledge, no copied source).
"""

from __future__ import annotations

from typing import Any

GENERAL_QUESTIONS: list[tuple[str, str]] = [
    ("What is the capital of France?", "Paris"),
    ("What is the capital of Germany?", "Berlin"),
    ("What is the capital of Italy?", "Rome"),
    ("What is the capital of Spain?", "Madrid"),
    ("What is the capital of Japan?", "Tokyo"),
    ("Which planet is known as the Red Planet?", "Mars"),
    ("What is the largest planet in the solar system?", "Jupiter"),
    ("How many days are there in a week?", "seven"),
    ("How many legs does a spider have?", "eight"),
    ("What is the chemical symbol for water?", "H2O"),
    ("What gas do plants absorb from the air for photosynthesis?", "carbon dioxide"),
    ("What is the freezing point of water in degrees Celsius?", "0"),
    ("Which ocean lies between Europe and North America?", "Atlantic"),
    ("What is the longest river in Africa?", "Nile"),
    ("Who wrote the play Romeo and Juliet?", "Shakespeare"),
    ("What colour do you get by mixing blue and yellow?", "green"),
    ("How many continents are there?", "seven"),
    ("What is 12 plus 7?", "19"),
    ("What is 9 times 6?", "54"),
    ("Which animal is known as the king of the jungle?", "lion"),
    ("What is the opposite of hot?", "cold"),
    ("In which country are the pyramids of Giza?", "Egypt"),
    ("What do bees make?", "honey"),
    ("Which metal is liquid at room temperature?", "mercury"),
    ("What is the main language spoken in Brazil?", "Portuguese"),
    ("How many hours are there in a day?", "24"),
    ("What is the largest mammal?", "blue whale"),
    ("Which season comes after winter?", "spring"),
    ("What is the currency of the United Kingdom?", "pound"),
    ("What is the tallest mountain on Earth?", "Everest"),
]

GENERAL_TEXTS: list[str] = [
    "Rivers shape the land they cross. Over thousands of years, flowing water carves valleys, carries sand and "
    "gravel downstream and deposits it where the current slows, building plains and deltas. Many of the oldest "
    "cities grew up beside rivers, which supplied water, food and a route for trade.",
    "A healthy diet contains a variety of foods: vegetables and fruit, whole grains, and sources of protein such "
    "as beans, fish or eggs. Drinking enough water matters as much as eating well, and regular exercise helps "
    "the heart, the muscles and sleep.",
    "The printing press made books cheaper and far more common. Before it, texts were copied by hand, which took "
    "months for a single volume. Within a few decades of its invention, printed books spread across Europe and "
    "helped ideas travel faster than ever before.",
    "Bees visit flowers to collect nectar and pollen. As they move from one plant to the next, they carry pollen "
    "with them, which allows many plants to produce fruit and seeds. A large share of the crops people eat depends "
    "on pollinating insects.",
    "Weather describes the state of the air over a short period: temperature, wind, clouds and rain. Climate is "
    "the average of the weather over many years. A single cold week says little about the climate, while decades "
    "of measurements can show a clear trend.",
    "A library lends books, newspapers and films to anyone with a card. Many libraries also offer quiet rooms for "
    "study, computers with internet access and events for children, and librarians help visitors find the "
    "information they need.",
    "The human heart is a muscle about the size of a fist. It beats around one hundred thousand times a day, "
    "pumping blood through the body, which carries oxygen and nutrients to every cell and takes waste away.",
    "Trains connect cities across many countries. High-speed lines allow journeys of several hundred kilometres "
    "in a few hours, and because a train carries many passengers at once, it uses less energy per person than a "
    "car on the same route.",
]


def retention_texts(run_manifest: dict[str, Any], config: Any, limit: int) -> tuple[list[dict[str, str]], str]:
    """(texts as {id, text}, source): the demo base's pretraining articles when this run used the
    demo base (the newest ``limit`` of them: closest to the news, still before the cutoff),
    else the packaged general paragraphs."""
    demo = run_manifest.get("demo_base") or {}
    replica = getattr(config, "replica", None)
    if demo.get("cutoff") and replica is not None:
        from presstune.models.tinybase import demo_pretraining_texts
        from presstune.replica.site import Site

        texts = demo_pretraining_texts(Site(articles=replica.articles, seed=replica.seed), demo["cutoff"])
        chosen = texts[-limit:] if limit else []
        return [{"id": f"pretrain-{i}", "text": t} for i, t in enumerate(chosen)], (
            f"the demo base's own pretraining articles (the newest {len(chosen)} before {demo['cutoff'][:10]})"
        )
    chosen = GENERAL_TEXTS[:limit] if limit else []
    return [{"id": f"general-{i}", "text": t} for i, t in enumerate(chosen)], (
        f"{len(chosen)} packaged general paragraphs (presstune.evaluate.retention.GENERAL_TEXTS)"
    )
