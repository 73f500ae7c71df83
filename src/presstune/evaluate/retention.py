"""Retention: does the tuned model still handle what the base handled? A recipe that buys recall
by destroying the model shows here.

Two measures, the same for every variant:

* ``retention_perplexity``: perplexity over texts the base handles -- for the demo the base's
  own pretraining articles (rebuilt from the replica: it is a pure function of its seed), for a
  real model the packaged general paragraphs below (:data:`GENERAL_TEXTS`);
* ``retention_contains``: the packaged general questions (:data:`GENERAL_QUESTIONS`, short
  answers a small instruct model knows, with their accepted aliases), with a Wilson interval and,
  for a tuned variant, paired with the base question by question. The demo's 8M base answers
  none of them, so there it cannot show a loss: the perplexity is the demo's retention measure.

The texts and questions are our own wording (general knowledge, no copied source).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from presstune.evaluate.generation import generate_chat
from presstune.evaluate.perplexity import document_start_id, perplexity_metrics, text_doc
from presstune.evaluate.qa import contains_answer, wilson_interval
from presstune.evaluate.qa_metrics import paired_vs_base
from presstune.evaluate.variant import Measurement, VariantUnderTest
from presstune.models.tinybase import demo_pretraining_texts
from presstune.prompts import chat_prompt, qa_prompt
from presstune.records import QuestionRow
from presstune.replica.site import Site


@dataclass(frozen=True)
class GeneralQuestion:
    """One general question with its short gold answer and other accepted forms of it (a hit on
    any counts: "7" and "seven", "Beijing" and "Peking")."""

    question: str
    answer: str
    aliases: tuple[str, ...] = ()


def _q(question: str, answer: str, *aliases: str) -> GeneralQuestion:
    return GeneralQuestion(question, answer, tuple(aliases))


#: General questions of the kind a small instruct model answers (SmolLM2-135M-Instruct answered
#: about two thirds of the first thirty): capitals and geography, science, arithmetic, everyday
#: knowledge, language, history. Enough of them that the Wilson interval of a share is about
#: +-9 points instead of +-17 with thirty. Rules that keep the scoring honest (checked by
#: tests/test_retention.py): no accepted answer stands in its own question (answerable by
#: copying), no question offers its answer as an option, no answer is a lone article ("a").
GENERAL_QUESTIONS: list[GeneralQuestion] = [
    # -- capitals
    _q("What is the capital of France?", "Paris"),
    _q("What is the capital of Germany?", "Berlin"),
    _q("What is the capital of Italy?", "Rome"),
    _q("What is the capital of Spain?", "Madrid"),
    _q("What is the capital of Japan?", "Tokyo"),
    _q("What is the capital of the United Kingdom?", "London"),
    _q("What is the capital of Russia?", "Moscow"),
    _q("What is the capital of China?", "Beijing", "Peking"),
    _q("What is the capital of Egypt?", "Cairo"),
    _q("What is the capital of Greece?", "Athens"),
    _q("What is the capital of Portugal?", "Lisbon", "Lisboa"),
    _q("What is the capital of Austria?", "Vienna", "Wien"),
    _q("What is the capital of Ireland?", "Dublin"),
    _q("What is the capital of Norway?", "Oslo"),
    _q("What is the capital of Sweden?", "Stockholm"),
    _q("What is the capital of Poland?", "Warsaw", "Warszawa"),
    _q("What is the capital of the Netherlands?", "Amsterdam"),
    _q("What is the capital of Canada?", "Ottawa"),
    _q("What is the capital of Australia?", "Canberra"),
    _q("What is the capital of South Korea?", "Seoul"),
    _q("What is the capital of India?", "New Delhi", "Delhi"),
    _q("What is the capital of Argentina?", "Buenos Aires"),
    _q("What is the capital of Hungary?", "Budapest"),
    _q("What is the capital of Kenya?", "Nairobi"),
    # -- geography
    _q("Which ocean lies between Europe and North America?", "Atlantic"),
    _q("What is the largest ocean on Earth?", "Pacific"),
    _q("What is the longest river in Africa?", "Nile"),
    _q("What is the tallest mountain on Earth?", "Everest"),
    _q("In which country are the pyramids of Giza?", "Egypt"),
    _q("On which continent is Kenya?", "Africa"),
    _q("Which is the largest country in the world by area?", "Russia"),
    _q("What is the largest hot desert in the world?", "Sahara"),
    _q("Which country is home to the kangaroo?", "Australia"),
    _q("Which city is nicknamed the Big Apple?", "New York", "NYC"),
    _q("In which country is the Eiffel Tower?", "France"),
    _q("In which city is the Colosseum?", "Rome"),
    _q("Which river flows through London?", "Thames"),
    _q("Which river flows through Paris?", "Seine"),
    _q("What is the largest island in the world?", "Greenland"),
    _q("Which is the coldest continent?", "Antarctica"),
    _q("Which European country is shaped like a boot?", "Italy"),
    _q("In which country is Mount Fuji?", "Japan"),
    _q("In which country is the Great Wall?", "China"),
    _q("Which city is home to the Statue of Liberty?", "New York", "NYC"),
    # -- science and nature
    _q("Which planet is known as the Red Planet?", "Mars"),
    _q("What is the largest planet in the solar system?", "Jupiter"),
    _q("Which planet is closest to the Sun?", "Mercury"),
    _q("Which planet has the most famous rings?", "Saturn"),
    _q("How many planets are in our solar system?", "eight", "8"),
    _q("What is the natural satellite of the Earth called?", "Moon"),
    _q("What is the chemical symbol for water?", "H2O"),
    _q("What is the chemical symbol for gold?", "Au"),
    _q("What gas do plants absorb from the air for photosynthesis?", "carbon dioxide", "CO2"),
    _q("Which gas do people need to breathe in to live?", "oxygen"),
    _q("What is the freezing point of water in degrees Celsius?", "0", "zero"),
    _q("At how many degrees Celsius does water boil at sea level?", "100", "one hundred"),
    _q("Which metal is liquid at room temperature?", "mercury"),
    _q("What force pulls objects towards the ground?", "gravity"),
    _q("Which organ pumps blood around the body?", "heart"),
    _q("Which organs do people breathe with?", "lungs", "lung"),
    _q("What is the largest organ of the human body?", "skin"),
    _q("What is the hardest natural material?", "diamond"),
    _q("What is frozen water called?", "ice"),
    _q("What do caterpillars turn into?", "butterflies", "butterfly", "moths", "moth"),
    _q("What is the largest land animal?", "elephant"),
    _q("What is the fastest land animal?", "cheetah"),
    _q("How many legs does an insect have?", "six", "6"),
    _q("How many legs does a spider have?", "eight", "8"),
    _q("To which class of animals do whales belong?", "mammals", "mammal"),
    _q("What is the largest mammal?", "blue whale"),
    _q("What do you call a baby dog?", "puppy", "pup"),
    _q("What do you call a young cat?", "kitten"),
    _q("What is the centre of an atom called?", "nucleus"),
    _q("What is the scientific study of living things called?", "biology"),
    _q("Which star is at the centre of our solar system?", "Sun"),
    _q("What colour is the sky on a clear day?", "blue"),
    # -- arithmetic and numbers
    _q("What is 12 plus 7?", "19", "nineteen"),
    _q("What is 9 times 6?", "54", "fifty-four"),
    _q("What is 7 times 8?", "56", "fifty-six"),
    _q("What is 6 times 7?", "42", "forty-two"),
    _q("What is 11 times 11?", "121", "one hundred twenty-one", "one hundred and twenty-one"),
    _q("What is 20 minus 13?", "7", "seven"),
    _q("What is 40 plus 60?", "100", "one hundred"),
    _q("What is 120 divided by 6?", "20", "twenty"),
    _q("What is 99 divided by 9?", "11", "eleven"),
    _q("What is half of 90?", "45", "forty-five"),
    _q("What is 1000 minus 1?", "999", "nine hundred ninety-nine", "nine hundred and ninety-nine"),
    _q("What is the square root of 49?", "7", "seven"),
    _q("What is 4 squared?", "16", "sixteen"),
    _q("What is 18 plus 18?", "36", "thirty-six"),
    _q("How many days are there in a week?", "seven", "7"),
    _q("How many hours are there in a day?", "24", "twenty-four"),
    _q("How many minutes make one hour?", "60", "sixty"),
    _q("How many weeks are there in a year?", "52", "fifty-two"),
    _q("How many days does a leap year have?", "366"),
    _q("How many sides does a pentagon have?", "five", "5"),
    _q("How many sides does a hexagon have?", "six", "6"),
    _q("How many centimetres are in a metre?", "100", "one hundred"),
    _q("How many grams are in a kilogram?", "1000", "one thousand", "a thousand"),
    _q("How many degrees are in a right angle?", "90", "ninety"),
    _q("How many continents are there?", "seven", "7"),
    _q("How many sides does an octagon have?", "eight", "8"),
    # -- everyday knowledge
    _q("What colour do you get by mixing blue and yellow?", "green"),
    _q("What colour do you get by mixing red and white?", "pink"),
    _q("What colour is a ripe banana?", "yellow"),
    _q("What do bees make?", "honey"),
    _q("Which animal is known as the king of the jungle?", "lion"),
    _q("Which season comes after winter?", "spring"),
    _q("Which season is usually the hottest of the year?", "summer"),
    _q("Which day comes after Monday?", "Tuesday"),
    _q("Which month comes after June?", "July"),
    _q("What is the last month of the year?", "December"),
    _q("What is the currency of the United Kingdom?", "pound", "pound sterling", "GBP"),
    _q("What is the currency of Japan?", "yen"),
    _q("What is the currency of the United States?", "dollar", "USD"),
    _q("Which currency is used in Germany?", "euro", "EUR"),
    _q("What meal do people eat in the morning?", "breakfast"),
    _q("What tool do you use to cut paper?", "scissors"),
    _q("Which fruit is wine usually made from?", "grapes", "grape"),
    _q("Which vegetable are French fries made from?", "potatoes", "potato"),
    _q("Which holiday is celebrated on 25 December?", "Christmas"),
    _q("Which instrument has black and white keys?", "piano"),
    _q("Which bird is a symbol of peace?", "dove"),
    _q("What is a house built from blocks of snow called?", "igloo"),
    _q("What do you call a person who flies aeroplanes?", "pilot"),
    _q("What do you call a doctor who looks after teeth?", "dentist"),
    _q("Which sport is played at Wimbledon?", "tennis"),
    _q("How many players does a football team have on the pitch?", "eleven", "11"),
    _q("Which animal gives us wool?", "sheep"),
    _q("Which drink do we get from cows?", "milk"),
    # -- language
    _q('What is the opposite of "hot"?', "cold"),
    _q('What is the opposite of "fast"?', "slow"),
    _q('What is the opposite of "wet"?', "dry"),
    _q('What is the opposite of "empty"?', "full"),
    _q('What is the opposite of "light"?', "dark", "heavy"),
    _q('What is the plural of "mouse"?', "mice"),
    _q('What is the plural of "child"?', "children"),
    _q('What is the plural of "foot"?', "feet"),
    _q('What is the plural of "tooth"?', "teeth"),
    _q('What is the past tense of "go"?', "went"),
    _q('What is the past tense of "eat"?', "ate"),
    _q('What is the past tense of "see"?', "saw"),
    _q('What is the comparative form of "good"?', "better"),
    _q("How many letters does the English alphabet have?", "26", "twenty-six"),
    _q("What is the last letter of the English alphabet?", "Z", "zed", "zee"),
    _q('How do you say "hello" in Spanish?', "hola"),
    _q('How do you say "thank you" in French?', "merci"),
    _q('How do you say "yes" in German?', "ja"),
    _q("What is the main language spoken in Brazil?", "Portuguese"),
    _q("What is the main language spoken in Mexico?", "Spanish"),
    _q("Which language do people in Paris mainly speak?", "French"),
    # -- history and culture
    _q("Who wrote the play Romeo and Juliet?", "Shakespeare"),
    _q("Who painted the Mona Lisa?", "Leonardo da Vinci", "da Vinci", "Leonardo"),
    _q("Who was the first person to walk on the Moon?", "Neil Armstrong", "Armstrong"),
    _q("Which scientist developed the theory of relativity?", "Albert Einstein", "Einstein"),
    _q("Who was the first President of the United States?", "George Washington", "Washington"),
    _q("Which ship sank in 1912 after hitting an iceberg?", "Titanic"),
    _q("In which year did the Second World War end?", "1945"),
    _q("Which composer wrote the Moonlight Sonata?", "Beethoven"),
    _q("Who wrote the Harry Potter books?", "J. K. Rowling", "Rowling"),
    _q("How many rings are on the Olympic flag?", "five", "5"),
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
    "A volcano is an opening in the crust of the Earth through which molten rock, ash and gas escape. Some "
    "volcanoes erupt every few years, others sleep for centuries. The ash they leave behind can make the "
    "surrounding soil very fertile.",
    "The Moon circles the Earth roughly once a month. It gives off no light of its own; what we see is sunlight "
    "reflected from its surface. As it moves, we see more or less of its lit side, which is why it seems to "
    "change shape.",
    "Green plants make their own food. In their leaves, sunlight, water and carbon dioxide are turned into sugar, "
    "and oxygen is released into the air. Almost every living thing depends on this process in the end.",
    "Clouds form when warm, moist air rises and cools. The water vapour condenses into tiny droplets or ice "
    "crystals, and when these grow heavy enough they fall as rain, snow or hail.",
    "Sleep is as important for health as food. During the night the body repairs itself and the brain sorts "
    "the memories of the day. Most adults need between seven and nine hours to feel rested.",
    "The internet links millions of computers around the world. Messages are split into small packets, sent "
    "along many different paths and put back together at the other end, usually in a fraction of a second.",
    "Bread is made from flour, water, salt and yeast. The yeast feeds on sugars in the dough and releases gas, "
    "which makes the dough rise. Baking then sets the structure and gives the crust its colour.",
    "Forests cover about a third of the land on Earth. They store large amounts of carbon, shelter countless "
    "species of animals and plants, and help to keep the soil from being washed away by rain.",
    "The tides rise and fall twice a day on most coasts. They are caused mainly by the pull of the Moon, with a "
    "smaller contribution from the Sun, on the water of the oceans.",
    "The seasons exist because the axis of the Earth is tilted. For part of the year one half of the planet leans "
    "towards the Sun and receives more direct light, which brings summer, while the other half has winter.",
    "Water moves in a constant cycle. It evaporates from seas and lakes, forms clouds, falls as rain or snow and "
    "flows back through rivers and the ground to the sea, where the cycle begins again.",
    "Chess is played by two people on a board of sixty-four squares. Each side has sixteen pieces, and the aim "
    "is to trap the opposing king so that it cannot escape. The rules are simple, but the game can take years "
    "to master.",
    "A map shows a large area on a small sheet. A scale tells the reader how distances on paper compare with "
    "distances on the ground, and symbols mark roads, rivers, towns and hills.",
    "Money makes trade easier. Instead of swapping goods directly, people exchange coins, notes or digital "
    "payments that everyone agrees have value, and prices let them compare very different things.",
    "Bridges carry roads and railways over rivers and valleys. Some rest on strong pillars, others hang from "
    "cables stretched between tall towers, and engineers choose the design according to the distance and the "
    "load.",
    "Electricity flows through wires much like water through pipes. Power stations, wind turbines and solar "
    "panels produce it, and a network of cables carries it to homes, schools and factories.",
    "Vaccines train the immune system to recognise a germ before a real infection happens. Because of them, "
    "several diseases that were once common and dangerous have become rare in many countries.",
    "Brushing your teeth twice a day removes food and bacteria that would otherwise damage them. Dentists also "
    "recommend eating less sugar and visiting a dental practice for regular check-ups.",
    "Many birds travel long distances every year. In autumn they fly to warmer regions where food is easy to "
    "find, and in spring they return to breed. Some find their way using the Sun, the stars and the magnetic "
    "field of the Earth.",
    "Writing began several thousand years ago, when people pressed marks into clay to keep records of grain and "
    "animals. Over time these marks became signs for sounds, and alphabets grew out of them.",
    "A museum collects and cares for objects of art, science or history and shows them to the public. Its "
    "curators study the pieces and explain where they come from and why they matter.",
    "Mountains form over millions of years, when the plates of the crust of the Earth push against each other "
    "and fold the rock upwards. Wind, ice and water slowly wear them down again.",
    "Deserts receive very little rain. Days can be extremely hot and nights surprisingly cold, and the plants "
    "and animals that live there have found clever ways to save water.",
    "The wheel is one of the most important inventions in history. It made carts and later cars possible, and "
    "it is also found inside clocks, mills and countless machines.",
    "Clocks divide the day into hours, minutes and seconds. Early clocks used the shadow of the Sun or dripping "
    "water; later came springs and pendulums, and today many clocks are kept exact by radio signals.",
    "Photography captures light on a sensitive surface. The first photographs needed minutes of exposure, while "
    "a modern camera or phone takes a sharp picture in a tiny fraction of a second.",
    "A telescope collects far more light than the human eye. With it, astronomers can see distant planets, "
    "faint galaxies and clouds of gas where new stars are being born.",
    "Coffee is made from the roasted seeds of a shrub that grows in warm, wet regions. The beans are picked, "
    "dried and roasted, then ground and mixed with hot water.",
    "Snow forms when water vapour freezes directly into ice crystals high in a cloud. Every snowflake has six "
    "arms, yet no two of them seem to grow in exactly the same way.",
    "Wind turbines turn the movement of air into electricity. Their long blades drive a generator, and large "
    "groups of them are often built on hills or out at sea, where the wind is strongest.",
    "The human skeleton supports the body, protects organs such as the brain and the heart, and works with the "
    "muscles to allow movement. Bones are living tissue and slowly renew themselves.",
    "Learning a language takes patience. Listening every day, speaking without fear of mistakes and reading "
    "simple stories all help, and the first few hundred words cover much of everyday conversation.",
    "Parks give people in cities a place to walk, play and rest. Trees in parks also cool the air on hot days "
    "and offer a home to birds and insects.",
    "Recycling turns used paper, glass, metal and some plastics into new products. It saves raw materials and "
    "energy, but it works only when the different materials are sorted properly.",
    "A good soup starts with a few simple ingredients: vegetables, water or stock, salt and herbs. Slow cooking "
    "lets the flavours blend, and a soup can often be kept for several days.",
    "Gardening can be done on a balcony as well as in a large plot. Plants need light, water and healthy soil, "
    "and many herbs and vegetables grow well in simple pots.",
    "Lighthouses stand on coasts and islands to warn ships of danger. Each one flashes its light in its own "
    "pattern, so sailors at night can tell which lighthouse they are looking at.",
    "Earthquakes happen when rocks deep underground suddenly slip along a fault. The energy travels as waves "
    "through the ground, and buildings in risky areas are designed to sway rather than break.",
    "Honey is made by bees from the nectar of flowers. They store it in wax cells inside the hive as food for "
    "the winter, and honey kept sealed can last for a very long time.",
    "The Olympic Games bring together athletes from around the world every four years. The summer and winter "
    "games alternate, so that there is an Olympic event every two years.",
    "A calendar organises time into days, weeks, months and years. Most of the world uses a calendar based on "
    "the movement of the Earth around the Sun, with an extra day added every fourth year.",
    "Rainbows appear when sunlight passes through raindrops. Each drop bends the light and splits it into its "
    "colours, from red on the outside of the arc to violet on the inside.",
]


#: The last questions of GENERAL_QUESTIONS are the training selection rule's general set
#: (``train.select``): a checkpoint chosen on questions that evaluation also asks would make the
#: reported retention optimistic, so evaluation never asks them.
SELECTION_RESERVED = 20


def general_questions(limit: int | None) -> list[GeneralQuestion]:
    """The first ``limit`` packaged general questions (None = all that evaluation may ask: every
    one but the ``SELECTION_RESERVED`` last, which training's selection rule uses)."""
    asked = GENERAL_QUESTIONS[:-SELECTION_RESERVED]
    return list(asked if limit is None else asked[:limit])


def selection_general_questions(count: int) -> list[GeneralQuestion]:
    """The last ``count`` (at most ``SELECTION_RESERVED``) packaged general questions: the training
    selection rule's general set, never asked by evaluation."""
    return list(GENERAL_QUESTIONS[-count:]) if count > 0 else []


def retention_texts(run_manifest: dict[str, Any], config: Any, limit: int) -> tuple[list[dict[str, str]], str]:
    """(texts as {id, text}, source): the demo base's pretraining articles when this run used the
    demo base (the newest ``limit`` of them: closest to the news, still before the cutoff),
    else the packaged general paragraphs."""
    demo = run_manifest.get("demo_base") or {}
    replica = getattr(config, "replica", None)
    if demo.get("cutoff") and replica is not None:
        texts = demo_pretraining_texts(Site(articles=replica.articles, seed=replica.seed), demo["cutoff"])
        chosen = texts[-limit:] if limit else []
        return [{"id": f"pretrain-{i}", "text": t} for i, t in enumerate(chosen)], (
            f"the demo base's own pretraining articles (the newest {len(chosen)} before {demo['cutoff'][:10]})"
        )
    chosen = GENERAL_TEXTS[:limit] if limit else []
    return [{"id": f"general-{i}", "text": t} for i, t in enumerate(chosen)], (
        f"{len(chosen)} packaged general paragraphs (presstune.evaluate.retention.GENERAL_TEXTS)"
    )


def _measure_retention(v: VariantUnderTest) -> dict[str, Any]:
    """Forgetting: perplexity over texts the base handles and answers to general questions."""
    cfg = v.eval_cfg
    out: dict[str, Any] = {}
    texts, source = retention_texts(v.run.read_manifest(), v.config, cfg.retention_texts)
    start_id = document_start_id(v.tokenizer)
    docs = [text_doc(v.tokenizer, t["id"], t["text"], start_id) for t in texts]
    ppl = perplexity_metrics(
        v,
        "retention",
        docs,
        f"retention: exp(token NLL) over {source}, whole text scored (texts the base handles; a rise against "
        "the base is forgetting); ci95 = bootstrap over texts",
    )
    out.update({k.replace("perplexity_retention", "retention_perplexity"): val for k, val in ppl.items()})
    general = general_questions(cfg.retention_questions)
    if not general:
        return out
    prompts = [chat_prompt(v.system_prompt, qa_prompt(cfg.qa_instruction, g.question)) for g in general]
    answers = generate_chat(
        v.model, v.tokenizer, prompts, max_new_tokens=cfg.se_max_new_tokens, batch_size=cfg.gen_batch_size
    )
    correct = [contains_answer(a[0].text, g.answer, g.aliases) for a, g in zip(answers, general)]
    out["retention_contains"] = {
        "value": float(np.mean(correct)),
        "ci95": wilson_interval(sum(correct), len(correct)),
        "questions": len(correct),
        "definition": "retention: share of greedy answers containing the gold answer (or one of its aliases) over "
        "the packaged general questions (presstune.evaluate.retention.GENERAL_QUESTIONS; short answers); compare "
        "with the base: a drop is knowledge lost to fine-tuning; ci95 = Wilson score interval",
    }
    # How long the answers are, beside whether they are right: a tuned model that answers every
    # question of the QA instruction with a bare span (as QA rows of spans teach it) loses general
    # answers the base gets by restating the question first; this shows that shift next to the share.
    words = [len(a[0].text.split()) for a in answers]
    out["retention_answer_words"] = {
        "value": float(np.median(words)),
        "questions": len(words),
        "definition": "retention: median words of the greedy answers to the general questions (the base's "
        "beside it: a tuned model much briefer than the base answers in another form)",
    }
    rows = [
        QuestionRow(question=g.question, gold=g.answer, aliases=list(g.aliases), answer=a[0].text, contains_answer=c)
        for g, a, c in zip(general, answers, correct)
    ]
    v.write_rows("retention", rows)
    if v.name != "base":  # the same questions, paired with the base's answers (McNemar)
        out.update(paired_vs_base(v.run, {"retention": rows}))
    return out


def _retention_if_asked(v: VariantUnderTest) -> None:
    if v.eval_cfg.retention:
        v.metrics.update(_measure_retention(v))


MEASUREMENT = Measurement("retention", None, _retention_if_asked)
