"""Find the sentences of a report that carry a recommendation, when it has no list of them.

Most workshop reports, press releases and meeting summaries write their recommendations
in running text: "Les participants ont recommandé la création de...", "They also
stressed the need to...", "وأوصى المشاركون بضرورة...". The reader cuts the report into
sentences with pysbd, keeps those with a cue (a reporting verb and its object, a modal,
"la nécessité de", a decision or a call), splits a sentence only where it enumerates
its asks itself (";" after a colon), and drops the reporting frame from the title.

What a report states without recommending it (results obtained, plans, thematic groups)
gives lower-confidence passages, offered only when nothing is recommended. Pure
functions, no Flask.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache

from tracker.importing.suggest import _normalise_with_map, normalise

MIN_SENTENCE_CHARS = 25
MAX_SENTENCE_CHARS = 1500
MAX_TITLE_CHARS = 300  # the length of Recommendation.title


def _fold(words: list[str]) -> re.Pattern:
    """Compile patterns written on normalised text; non-ASCII letters are normalised here."""
    folded = ("".join(c if c.isascii() else normalise(c) for c in word) for word in words)
    return re.compile("|".join(f"(?:{word})" for word in folded))


# Cues of a recommendation, matched on normalised text. Each ends where the object starts,
# so that the title can drop what comes before.
_STRONG = _fold([
    # French: reporting verbs with their object, decisions, calls, modals, needs
    r"\b(?:ont|a|avons|avaient|avait)\s+(?:\S+\s+){0,3}?(?:recommande|preconise|propose|suggere)s?"
    r"(?:\s+(?:de|d'|que|qu'))?",
    r"\b(?:recommandent|recommande|recommandons|preconisent|proposent|proposons|propose)\s+"
    r"(?:de\s|d'|que\s|qu'|(?=(?:la|le|les|l'|un|une|des)\b))",
    r"\brecommandations,? parmi lesquelles\s",
    r"\b(?:il a ete|il est|il fut) (?:\w+\s+)?(?:decide|convenu|recommande|propose)"
    r"(?:\s+(?:\w+\s+)?(?:de|d'|que|qu'))?",
    r"\b(?:ont|a)\s+(?:\S+\s+){0,3}?(?:appele|plaide|exhorte|invite|incite|encourage)s?"
    r"(?:\s+(?:\w+\s+){0,6}?(?:a|en faveur de|en faveur d'|pour))\s",
    r"\bappell?(?:ent|e)\s+a\s",
    r"\b(?:soulign|insist|rappel|mis|mett|met)\w*\s+(?:\S+\s+){0,3}?(?:sur\s+)?"
    r"(?:la necessite|l'importance|l'urgence)\s+(?:de|d'|du|des)\s?",
    r"\bla necessite (?:de|d')\s?", r"\bil (?:faut|faudrait|convient) (?:de\s|d')?",
    # not in a relative clause ("les transformations qu'ils devraient subir")
    r"(?<!qu'ils )(?<!qu'elles )(?<!qu'il )(?<!qui )"
    r"\b(?:doit|doivent|devrait|devraient)\s+(?:\w+\s+)?(?:etre\s+)?",
    r"\bparmi (?:les|ces) (?:recommandations|propositions|mesures)[^,:]*[,:]\s*",
    r"\bdes recommandations,? parmi lesquelles\s",
    r"\b(?:recommandations|propositions)\s+(?:\w+\s+){0,3}(?:sont|etaient) les suivantes\s*:\s*",
    r"\bpistes? de solutions?\s*:?\s*", r"\b(?:sont|etaient) les suivantes\s*:\s*",
    # English
    r"\brecommend(?:s|ed)?(?:\s+that)?\s",
    r"\b(?:urged?|urging|called (?:on|for|upon)|calls for)\s",
    r"\b(?:stress|emphasi[sz]|highlight|underlin|underscor|reiterat|point)\w*\s+(?:out\s+)?"
    r"(?:\w+\s+){0,2}?(?:the )?(?:need|importance|necessity|urgency)\s+(?:to|for|of)\s",
    r"\bthe need (?:to|for)\s", r"\b(?:should|must|ought to)\s+(?:be\s+)?",
    r"\bagreed (?:to|on|that)\s", r"\bproposed (?:to|that)?\s?", r"\badvocated (?:for)?\s?",
    # Arabic (prefixes و and ك stuck to verbs are allowed)
    r"(?:^|\s)[وف]?(?:كما\s+)?(?:أوصى|أوصت|أوصوا|يوصي|توصي|نوصي)\s+(?:\S+\s+){0,8}?(?=ب|على|إلى)",
    r"(?:^|\s)[وف]?(?:دعا|دعت|دعوا|يدعو|تدعو|حث|حثت|حثوا|طالب|طالبت|طالبوا|ناشد|اقترح|اقترحت|اقترحوا)"
    r"\s+(?:\S+\s+){0,20}?(?:إلى|على|ب)",
    r"(?:^|\s)(?:مناشدا|مناشدة)\s+(?:\S+\s+){0,8}?(?:ب|إلى)",
    r"(?:^|\s)[وف]?(?:شدد|شددت|شددوا|ألح|ألحت|ألحوا)\s+(?:\S+\s+){0,14}?على\s+",
    r"(?:^|\s)[وف]?(?:أكد|أكدت|أكدوا|شدد|شددت|شددوا|ألح|ألحت|ألحوا|أبرز|أبرزوا|نصت|بين|بينت)"
    r"\s+(?:\S+\s+){0,14}?(?:على\s+)?(?=ب?ضرورة|أهمية|حتمية)",
    r"(?:^|\s)ب?(?:ضرورة|حتمية)\s", r"(?:^|\s)(?:ينبغي|يجب|لابد|لا بد)\s+(?:من\s+|أن\s+|على\s+)?",
    r"التوصيات\s+(?:\S+\s+){0,3}?أبرزها\s",
])
# One speaker stressing something in a news story ("Il a souligné l'importance du rôle de
# l'Onm"): said, not recommended by the meeting. A report whose every cue is such is
# offered at lower confidence.
_ONE_SPEAKER = _fold([
    r"\b(?:a|avait)\s+(?:\S+\s+){0,2}?(?:soulign|insist|rappel|mis)\w*\s+(?:\S+\s+){0,3}?"
    r"(?:sur\s+)?(?:la necessite|l'importance|l'urgence)",
    # Not English "He stressed the need to...": in the evaluation set (en-herald) that is
    # the one recommendation a report makes.
])
# Words of a report that tells what was done or planned, not what is recommended.
_WEAK = _fold([
    r"\brenforc", r"\bdevelopp", r"\bcreation\b", r"\bmise en (?:place|oeuvre|œuvre)",
    r"\belaboration\b", r"\bsensibilisation\b", r"\bcoordination\b", r"\bplans? d'action",
    r"\bdomaines? prioritaires", r"\bgroupes? (?:de travail|thematiques)",
    r"\bsysteme d'information",
    r"\bstrengthen", r"\bdevelop", r"\bestablish", r"\blaunch", r"\bcapacity",
    "تعزيز", "إحداث", "إنشاء", "تطوير", "دعم", "خطة عمل",
])
# What stops a cue from counting: quoted speech about the past, questions.
_QUESTION = re.compile(r"[?؟]\s*$")
_LEAD_END = re.compile(r"[:：]\s*$")
_LEAD = _fold([r"\brecommand", r"\bpropos", r"\bmesures\b", r"\bpistes\b",
               "توصيات", "مقترحات"])
# An article before the object: a whole word and its space, or an elided l' ("l'accès"),
# never the first letter of a word ("Ancré", "Les" in "Lesotho" needs its space too).
_ARTICLE = re.compile(r"^(?:(?:la|le|les|un|une|des|the|a|an)\s+|l['’]\s*)(?=\w)", re.IGNORECASE)
# A connective opening the sentence ("À cet égard, ..."): it ties the sentence to the one
# before and is no part of what is asked. Its "A" is no article either.
_CONNECTIVE = re.compile(
    r"^(?:[aà] cet (?:égard|effet)|[aà] ce (?:titre|propos|sujet)|dans ce (?:cadre|sens)"
    r"|par ailleurs|en outre|de plus|de même|ainsi|enfin|d['’]autre part|en conséquence"
    r"|in this (?:regard|respect|context)|to this end|moreover|furthermore|finally|also"
    r"|in addition)\s*,\s*", re.IGNORECASE)
_FRAME_ARABIC = re.compile(r"^(?:ب?(?:ضرورة|حتمية)\s+|ب(?=\S{3,}\s)|(?:إلى|على)\s+)")
_ENUM_SPLIT = re.compile(r"\s*[;؛]\s*(?:(?:et|and|ou|or|و)\s+)?")
_SPACE = re.compile(r"\s+")
_RUNS_ON = ("،", ",", "بـ:", "بـ")


@dataclass
class Passage:
    """A sentence (or an enumerated part of one) that may be a recommendation."""

    text: str
    title: str
    cues: list[str] = field(default_factory=list)
    confidence: str = "high"  # "high": recommended; "low": stated, planned or grouped
    start: int = 0  # where it stands in the report's text
    end: int = 0


def find_passages(text: str, language: str) -> list[Passage]:
    """Return the passages of `text` that recommend something, in order.

    Without any, return the lower-confidence ones (results, plans, groups).
    """
    strong: list[Passage] = []
    weak: list[Passage] = []
    lead_open = False  # a lead-in ending with ":" whose items follow as paragraphs
    for start, paragraph in _paragraphs(text):
        if lead_open:
            item = _SPACE.sub(" ", paragraph).strip()
            if item.endswith((";", "؛", ".")) and MIN_SENTENCE_CHARS <= len(item) <= 600:
                strong.append(_passage(item, ["lead-in :"], "high", start, frame_end=0))
                lead_open = not item.endswith(".")
                continue
            lead_open = False
        for s_start, sentence in _sentences(paragraph, language):
            offset = start + s_start
            clean = _SPACE.sub(" ", sentence).strip()
            if not (MIN_SENTENCE_CHARS <= len(clean) <= MAX_SENTENCE_CHARS):
                continue
            if _QUESTION.search(clean):
                continue
            cues = _cues(clean)
            if _LEAD_END.search(clean) and _LEAD.search(normalise(clean)):
                lead_open = True  # the items follow, one paragraph each
                continue
            if cues:
                strong.extend(_split(clean, cues, offset))
            elif _WEAK.search(normalise(clean)) and len(clean) >= 60:
                weak.append(_passage(clean, _weak_words(clean), "low", offset, frame_end=0))
    if strong and all(_ONE_SPEAKER.search(normalise(p.text)) for p in strong):
        for passage in strong:
            passage.confidence = "low"
    return strong or weak


def _paragraphs(text: str) -> list[tuple[int, str]]:
    """Return the paragraphs of `text` with their offsets: lines run on until a sentence ends."""
    result: list[tuple[int, str]] = []
    current: list[str] = []
    current_start = 0
    position = 0
    for line in text.split("\n"):
        stripped = line.strip()
        if not stripped:
            if current:
                result.append((current_start, " ".join(current)))
                current = []
        else:
            if current and current[-1].endswith((".", "!", "?", ":", ";", "؛", "»", '"', "”")):
                result.append((current_start, " ".join(current)))
                current = []
            if not current:
                current_start = position + (len(line) - len(line.lstrip()))
            current.append(stripped)
        position += len(line) + 1
    if current:
        result.append((current_start, " ".join(current)))
    return result


@cache
def _segmenter(language: str):
    import pysbd  # loaded by the processes that read a report, not by every web worker

    return pysbd.Segmenter(language=language if language in {"fr", "en", "ar"} else "fr",
                           clean=False, char_span=True)


def _sentences(paragraph: str, language: str) -> list[tuple[int, str]]:
    if len(paragraph) < MIN_SENTENCE_CHARS:
        return []
    norm = normalise(paragraph)
    if not (_STRONG.search(norm) or _WEAK.search(norm) or _LEAD.search(norm)):
        return []  # pysbd is slow: only paragraphs with a cue are cut
    try:
        spans = _segmenter(language).segment(paragraph)
    except Exception:  # pysbd fails on some inputs; a paragraph is then one sentence
        return [(0, paragraph)]
    sentences: list[tuple[int, str]] = []
    for span in spans:
        if sentences and sentences[-1][1].rstrip().endswith(_RUNS_ON):
            # pysbd cuts Arabic at commas and colons: a sentence goes on after them.
            start, previous = sentences[-1]
            sentences[-1] = (start, paragraph[start:span.end])
        else:
            sentences.append((span.start, span.sent))
    return sentences


def _cues(sentence: str) -> list[tuple[int, int]]:
    """Return where the cues of `sentence` are, as spans of its normalised form."""
    folded = normalise(sentence)
    return [m.span() for m in _STRONG.finditer(folded)]


def _split(sentence: str, cues: list[tuple[int, int]], offset: int) -> list[Passage]:
    """Return the passages of a sentence: one, or its parts where it enumerates them."""
    folded, origin = _normalise_with_map(sentence)
    words = [_surface(sentence, origin, s, e) for s, e in cues]
    frame_end = origin[cues[0][1] - 1] + 1 if cues[0][1] > 0 else 0
    if cues[0][0] > 0.6 * len(folded):
        frame_end = 0  # a cue at the end ("..., a-t-il recommandé") frames nothing before it
    colon = sentence.find(":", frame_end)
    if colon > 0:
        parts = [p for p in _ENUM_SPLIT.split(sentence[colon + 1:].strip().rstrip(".")) if p]
        if len(parts) >= 3 and all(len(p) >= 12 for p in parts):
            passages = []
            cursor = colon + 1
            for part in parts:
                at = sentence.find(part, cursor)
                cursor = at + len(part)
                passages.append(_passage(part.strip(), words, "high", offset + max(at, 0),
                                         frame_end=0, source=sentence))
            return passages
    return [_passage(sentence, words, "high", offset, frame_end=frame_end)]


def _surface(text: str, origin: list[int], start: int, end: int) -> str:
    return text[origin[start]: origin[end - 1] + 1].strip()


def _passage(text: str, cues: list[str], confidence: str, offset: int, frame_end: int,
             source: str | None = None) -> Passage:
    head = text[frame_end:] or text
    if frame_end and any("\u0600" <= c <= "\u06ff" for c in head[:20]):
        head = _FRAME_ARABIC.sub("", head.lstrip(), count=1)
    return Passage(text=text, title=make_title(head), cues=cues,
                   confidence=confidence, start=offset, end=offset + len(source or text))


def _weak_words(sentence: str) -> list[str]:
    folded, origin = _normalise_with_map(sentence)
    return [_surface(sentence, origin, *m.span()) for m in _WEAK.finditer(folded)][:3]


def make_title(text: str) -> str:
    """Return a title for a sentence whose reporting frame has been cut off.

    The title starts with the object of the recommendation ("Création d'indicateurs"),
    keeps its first clause and is at most 300 characters, cut on a word boundary.
    """
    title = _SPACE.sub(" ", text).strip().lstrip(",;:،-–— ")
    if not any("\u0600" <= c <= "\u06ff" for c in title[:40]):
        title = _ARTICLE.sub("", _CONNECTIVE.sub("", title, count=1), count=1)
    return fit_title(title.rstrip(" .;,؛:،"))


def fit_title(title: str) -> str:
    """Return `title` with a capital first letter, cut on a word boundary to at most
    MAX_TITLE_CHARS characters (with "…" when cut)."""
    title = title[:1].upper() + title[1:]
    if len(title) > MAX_TITLE_CHARS:
        cut = title[: MAX_TITLE_CHARS - 1]
        if " " in cut:
            cut = cut[: cut.rindex(" ")]
        title = cut.rstrip(" .;,؛:") + "…"
    return title
