"""Fronted questions: "When did production of the first BMW 2 Series Gran Coupé start in Leipzig?"
instead of the in-place "Production of ... started in Leipzig on what date?", made where the words
before the answer span are a plain subject and a listed verb or an auxiliary."""

from __future__ import annotations

import re

from presstune.corpus.augment.context import (
    NAME_KINDS,
    QUALIFIED_NOUN,
    ArticleContext,
    QuestionParts,
    lower_first,
    upper_first,
)
from presstune.corpus.augment.facts import Fact

#: Verb forms a release's sentence is made of -> (auxiliary, base form). A verb not listed is not
#: fronted (its question stays in place): lemmatising unknown verbs by rule makes broken English.
VERBS: dict[str, tuple[str, str]] = {}
for _base, _past, _third in [
    ("start", "started", "starts"),
    ("begin", "began", "begins"),
    ("win", "won", "wins"),
    ("finish", "finished", "finishes"),
    ("take", "took", "takes"),
    ("open", "opened", "opens"),
    ("produce", "produced", "produces"),
    ("present", "presented", "presents"),
    ("launch", "launched", "launches"),
    ("found", "founded", "founds"),
    ("hold", "held", "holds"),
    ("announce", "announced", "announces"),
    ("deliver", "delivered", "delivers"),
    ("sell", "sold", "sells"),
    ("reach", "reached", "reaches"),
    ("achieve", "achieved", "achieves"),
    ("celebrate", "celebrated", "celebrates"),
    ("build", "built", "builds"),
    ("invest", "invested", "invests"),
    ("receive", "received", "receives"),
    ("drive", "drove", "drives"),
    ("score", "scored", "scores"),
    ("claim", "claimed", "claims"),
    ("secure", "secured", "secures"),
    ("join", "joined", "joins"),
    ("complete", "completed", "completes"),
    ("grow", "grew", "grows"),
    ("rise", "rose", "rises"),
    ("make", "made", "makes"),
    ("run", "ran", "runs"),
    ("lead", "led", "leads"),
    ("become", "became", "becomes"),
    ("offer", "offered", "offers"),
    ("include", "included", "includes"),
    ("feature", "featured", "features"),
    ("set", "set", "sets"),
    ("show", "showed", "shows"),
    ("employ", "employed", "employs"),
    ("support", "supported", "supports"),
    ("host", "hosted", "hosts"),
    ("award", "awarded", "awards"),
    ("name", "named", "names"),
    ("appoint", "appointed", "appoints"),
    ("attract", "attracted", "attracts"),
    ("welcome", "welcomed", "welcomes"),
    ("record", "recorded", "records"),
    ("cover", "covered", "covers"),
    ("complete", "completed", "completes"),
    ("add", "added", "adds"),
    ("create", "created", "creates"),
    ("design", "designed", "designs"),
    ("develop", "developed", "develops"),
    ("unveil", "unveiled", "unveils"),
    ("reveal", "revealed", "reveals"),
    ("donate", "donated", "donates"),
    ("raise", "raised", "raises"),
    ("collect", "collected", "collects"),
    ("visit", "visited", "visits"),
    ("travel", "travelled", "travels"),
    ("cross", "crossed", "crosses"),
    ("finish", "finished", "finishes"),
    ("put", "put", "puts"),
    ("manufacture", "manufactured", "manufactures"),
    ("move", "moved", "moves"),
    ("close", "closed", "closes"),
    ("sign", "signed", "signs"),
    ("enter", "entered", "enters"),
    ("place", "placed", "places"),
    ("register", "registered", "registers"),
    ("contribute", "contributed", "contributes"),
]:
    VERBS[_past] = ("did", _base)
    VERBS[_third] = ("does", _base)
#: More verbs, by their past form only: their third-person forms are also nouns ("races", "posts",
#: "fields", "marks"), which would be taken for the verb of a subject that has none.
for _base, _past in [
    ("increase", "increased"),
    ("compete", "competed"),
    ("confirm", "confirmed"),
    ("post", "posted"),
    ("rank", "ranked"),
    ("race", "raced"),
    ("manage", "managed"),
    ("organise", "organised"),
    ("organize", "organized"),
    ("field", "fielded"),
    ("triumph", "triumphed"),
    ("collaborate", "collaborated"),
    ("bring", "brought"),
    ("plan", "planned"),
    ("expect", "expected"),
    ("introduce", "introduced"),
    ("expand", "expanded"),
    ("reduce", "reduced"),
    ("export", "exported"),
    ("use", "used"),
    ("earn", "earned"),
    ("return", "returned"),
    ("replace", "replaced"),
    ("exhibit", "exhibited"),
    ("display", "displayed"),
    ("operate", "operated"),
    ("serve", "served"),
    ("spend", "spent"),
    ("mark", "marked"),
    ("establish", "established"),
    ("inaugurate", "inaugurated"),
]:
    VERBS[_past] = ("did", _base)
_AUX = {"is", "are", "was", "were", "has", "have", "had", "will", "can", "could", "would", "should", "may", "must"}
#: Words that end a subject: no subject of a fronted question has them.
_NOT_IN_SUBJECT = re.compile(r"[,;:()“”\"]|\b(?:who|which|that|when|where|while|because|if|and)\b")
_PREPOSITIONS = {
    "in",
    "on",
    "at",
    "for",
    "with",
    "from",
    "by",
    "after",
    "before",
    "during",
    "following",
    "since",
    "until",
    "as",
    "to",
    "of",
    "under",
    "over",
    "through",
    "thanks",
    "despite",
    "among",
    "between",
    "like",
    "unlike",
}
#: Irregular participles an auxiliary takes ("is made", "has been held"); regular ones end in -ed.
_PARTICIPLES = {
    "made",
    "built",
    "held",
    "shown",
    "sold",
    "taken",
    "won",
    "driven",
    "given",
    "seen",
    "known",
    "set",
    "put",
    "led",
    "begun",
    "grown",
    "risen",
    "become",
    "run",
    "written",
    "chosen",
    "done",
    "brought",
    "found",
    "spent",
    "kept",
    "left",
    "met",
    "paid",
    "sent",
    "told",
    "thought",
    "understood",
    "drawn",
    "flown",
    "ridden",
    "worn",
}
#: The verb group after a fronted auxiliary: adverbs, "be"/"been"/"being", then one participle.
_VERB_GROUP = re.compile(
    r"(?:(?:not|also|now|already|still|just|recently|currently|then|first|exclusively|officially|successfully|"
    r"newly|jointly|once|again|be|been|being)\s+)*(?:(?:" + "|".join(sorted(_PARTICIPLES)) + r")|[a-z]+ed)\b",
)

#: A phrase of time or circumstance before the subject, moved behind a fronted question.
_LEAD_PHRASE = re.compile(
    r"((?:In|On|At|Since|After|Before|During|From|Following|By|Last|This|Next|Earlier|Later)\b[^,;:“”\"()]{1,50}),\s+(?=[A-Z])"
)

_WH_FRONT = {
    "date": "When",
    "month": "When",
    "year": "In which year",
    "place": "Where",
}


def fronted(parts: QuestionParts, fact: Fact, ctx: ArticleContext) -> str | None:
    """The question with its wh-phrase first and an auxiliary after it, where the words before the
    span are a plain subject and a listed verb or an auxiliary; else None."""
    before = parts.before
    if fact.kind in NAME_KINDS and QUALIFIED_NOUN.match(parts.after):
        return None  # "its Leipzig site": the name qualifies a noun, no thing to ask "which" of
    after = re.split(r"\s(?:and|but|while|whereas)\s", parts.after, maxsplit=1)[0]
    # "In 2024, the plant built how many cars" -> "How many cars did the plant build in 2024?"
    lead = _LEAD_PHRASE.match(before)
    if lead:
        before = before[lead.end() :]
        after = f"{after} {lower_first(lead.group(1), ctx.common_words)}"
    tokens = before.split()
    i = next((k for k, tok in enumerate(tokens) if tok.lower() in _AUX or tok.lower() in VERBS), None)
    if i is None:
        return None
    subject, verb, rest = " ".join(tokens[:i]), tokens[i].lower(), " ".join(tokens[i + 1 :])
    if not subject or len(tokens[:i]) > 14 or _NOT_IN_SUBJECT.search(subject) or subject.lower() in ("there", "it"):
        return None
    if subject.split()[0].lower() in _PREPOSITIONS or verb in ("held", "made", "set", "put", "named", "placed"):
        return None  # "In an intensive selection process held ...": no subject, a participle
    if verb in ("has", "have", "had") and re.match(r"(?:the|a|an|its|their|his|her|our|\d)", rest):
        return None  # "the trio had the opportunity": "have" as a verb, not an auxiliary
    group = _VERB_GROUP.match(rest) if verb in _AUX else None
    # "will be unveiled on", "is made exclusively at": the auxiliary's own participle is no second verb
    tail = rest[group.end() :] if group else rest
    if any(t.lower() in _AUX or t.lower() in VERBS for t in tail.split()) or len(rest.split()) > 8:
        return None  # a second verb or many words before the span: which clause is asked is not plain
    if re.search(r"\b(?:and|or|but|as well as)\b|[,;:]", rest):
        return None
    wh = parts.wh
    rest_words = rest
    if fact.kind in _WH_FRONT and re.search(r"\b(?:on|in|at|since|from|during)$", rest):
        if fact.kind in ("date", "month") and not rest.endswith(("on", "in")):
            return None
        rest_words = re.sub(r"\s?\b(?:on|in|at|during)$", "", rest)
        wh = _WH_FRONT[fact.kind]
    elif re.search(r"\b(?:of|than)$", rest):
        return None  # "Of which year is ...": no reader fronts these
    elif re.search(r"\b(?:on|in|at|since|from|by|with|for|to|about|during|after|before)$", rest):
        prep = rest.rsplit(" ", 1)[-1]
        rest_words = rest[: -len(prep)].rstrip()
        wh = f"{prep} {wh}"
    subj = lower_first(subject, ctx.common_words)
    if verb in _AUX:
        if rest_words == "" and not after:
            return None
        body = f"{verb} {subj} {rest_words} {after}"
    else:
        aux, base = VERBS[verb]
        if fact.speaker and subj == fact.speaker or subj.lower() in ("they", "we", "you", "i"):
            aux = "did" if aux == "did" else "do"
        body = f"{aux} {subj} {base} {rest_words} {after}"
    return upper_first(" ".join(f"{wh} {body}".split()).rstrip(" ,;:") + "?")
