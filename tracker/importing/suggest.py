"""Suggest a theme and GCM objectives for a recommendation from the words it uses.

Keywords are stems in French, English and Arabic, compared without case or accents
(nor Arabic diacritics and hamza forms). The words found are returned as the reason,
so that a reviewer sees why a suggestion was made. Pure functions, no Flask.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache

MAX_OBJECTIVES = 3

# Theme codes are those of tracker.models.catalog.DEFAULT_THEMES.
THEME_KEYWORDS: dict[str, list[str]] = {
    "information_systems": [
        "système d'information", "systèmes d'information", "système informatique",
        "base de données", "bases de données", "données", "statistique", "collecte",
        "recensement", "enquête", "plateforme", "numérique", "digitalisation",
        "information system", "database", "data", "statistic", "survey", "census",
        "digital", "platform",
        "نظام المعلومات", "نظم المعلومات", "منظومة المعلومات", "قاعدة بيانات", "بيانات",
        "معطيات", "إحصائ", "الإحصاء", "التعداد", "مسح",
    ],
    "indicators": [
        "indicateur", "mesurer", "évaluer", "évaluation", "suivi-évaluation", "tableau de bord",
        "indicator", "metric", "measuring", "measure the", "evaluat", "dashboard",
        "monitoring and evaluation", "benchmark",
        "مؤشر", "قياس", "تقييم", "لوحة القيادة",
    ],
    "journalists_public_discourse": [
        "journaliste", "médias$", "média$", "presse", "discours", "reportage", "communication",
        "sensibilisation", "campagne", "opinion publique", "stéréotype", "xénophob",
        "journalist", "media$", "medias$", "the press", "public discourse", "narrative",
        "awareness", "campaign", "reporting", "perception",
        "صحفي", "الصحافة", "إعلام", "خطاب", "توعية", "التحسيس", "الرأي العام", "حملة",
    ],
    "research_partnerships": [
        "recherche", "chercheur", "universit", "académi", "partenariat", "étude", "scientifique",
        "laboratoire",
        "research", "university", "universities", "academi", "scholar", "partnership",
        "study", "studies",
        "البحث", "بحوث", "الباحث", "باحثين", "جامعة", "الجامعات", "جامعي", "شراكة", "شراكات",
        "دراسة", "دراسات",
    ],
    "gcm_agreements_followup": [
        "pacte mondial", "PMM", "GCM", "accords bilatéraux", "accord bilatéral", "bilatéra",
        "multilatéra", "engagements internationaux", "ratifi", "suivi des accords",
        "global compact", "agreement", "bilateral", "multilateral", "treaty", "treaties",
        "ratification",
        "commitments",
        "الميثاق العالمي", "ميثاق", "اتفاق", "ثنائية", "متعددة الأطراف", "الالتزامات الدولية",
    ],
}

GCM_KEYWORDS: dict[int, list[str]] = {
    1: ["données", "statistique", "système d'information", "systèmes d'information",
        "base de données", "collecte", "recensement", "enquête", "indicateur",
        "data", "statistic", "information system", "survey", "census", "indicator",
        "evidence-based",
        "بيانات", "معطيات", "إحصائ", "الإحصاء", "نظام المعلومات", "منظومة المعلومات", "مؤشر",
        "مسح"],
    2: ["changements climatiques", "changement climatique", "climat", "pauvreté",
        "développement local", "causes profondes", "facteurs négatifs",
        "climate", "poverty", "root causes", "adverse drivers",
        "المناخ", "الفقر", "التنمية المحلية"],
    3: ["campagne d'information", "informations fiables", "information fiable",
        "sensibilisation", "information campaign", "awareness", "accurate information",
        "التوعية", "حملة", "التحسيس"],
    4: ["état civil", "identité", "documents de voyage", "passeport", "papiers",
        "legal identity", "identity document", "passport", "birth registration",
        "الهوية", "الحالة المدنية", "جواز"],
    5: ["migration régulière", "migration légale", "voies légales", "voies régulières",
        "mobilité", "visa", "regular migration", "legal migration", "regular pathways",
        "mobility", "الهجرة النظامية", "الهجرة القانونية", "التنقل", "تأشير"],
    6: ["travail", "travailleur", "main d'œuvre", "main-d'œuvre", "recrutement", "emploi",
        "labour", "labor", "recruitment", "employment", "decent work", "worker",
        "سوق الشغل", "سوق العمل", "العمال", "اليد العاملة", "التشغيل", "الانتداب",
        "العمل اللائق", "العمالة", "توظيف"],
    7: ["vulnérab", "droits des migrants", "mineurs non accompagnés", "protection des migrants",
        "vulnerab", "migrants' rights", "rights of migrants", "unaccompanied",
        "هشاشة", "الهشة", "حقوق المهاجرين", "القصر غير المصحوبين"],
    8: ["disparus", "sauvetage", "naufrage", "missing migrants", "search and rescue", "rescue",
        "المفقودين", "إنقاذ", "الغرق"],
    9: ["trafic", "passeur", "smuggl", "تهريب", "المهربين"],
    10: ["traite des personnes", "traite des êtres", "traite de personnes", "traite d'êtres",
         "victimes de la traite", "contre la traite", "traite humaine", "trafficking",
         "الاتجار بالبشر", "الاتجار بالأشخاص", "الاتجار"],
    11: ["frontière", "border", "الحدود"],
    12: ["identification des victimes", "mécanisme d'orientation", "screening", "referral",
         "الإحالة"],
    13: ["rétention", "détention", "detention", "الاحتجاز"],
    14: ["consulat", "consulaire", "ambassade", "attachés sociaux", "attaché social", "consular",
         "embass", "قنصل", "سفارة", "الملحقين الاجتماعيين"],
    15: ["services de base", "accès aux services", "santé", "logement", "scolarisation",
         "basic services", "health", "housing", "الخدمات الأساسية", "الصحة", "السكن"],
    16: ["intégration", "cohésion sociale", "inclusion sociale", "integration", "social cohesion",
         "الاندماج", "الإدماج الاجتماعي", "التماسك الاجتماعي"],
    17: ["discrimination", "discours", "journaliste", "médias$", "xénophob", "racism",
         "stéréotype", "opinion publique", "public discourse", "narrative", "journalist",
         "media$", "medias$", "xenophob", "خطاب", "التمييز", "العنصرية", "إعلام", "صحفي"],
    18: ["compétence", "qualification", "formation professionnelle", "reconnaissance des diplômes",
         "skills", "skill", "vocational training", "recognition of qualifications",
         "المهارات", "الكفاءات", "التكوين المهني", "المؤهلات"],
    19: ["diaspora", "Tunisiens à l'étranger", "Tunisiens résidant à l'étranger", "TRE",
         "investissement", "diasporas", "الجالية", "التونسيين بالخارج", "المغتربين"],
    20: ["transferts de fonds", "transfert de fonds", "envois de fonds", "inclusion financière",
         "remittance", "financial inclusion", "التحويلات المالية", "تحويلات"],
    21: ["retour", "réintégration", "réadmission", "return", "reintegration", "readmission",
         "العودة", "إعادة الإدماج", "إعادة القبول"],
    22: ["protection sociale", "sécurité sociale", "portabilité", "social protection",
         "social security", "portability", "الحماية الاجتماعية", "الضمان الاجتماعي",
         "التغطية الاجتماعية"],
    23: ["coopération internationale", "partenariat", "recherche", "universit", "pacte mondial",
         "PMM", "GCM", "accords bilatéraux", "accord bilatéral", "bilatéra", "multilatéra",
         "engagements internationaux", "international cooperation", "partnership",
         "global compact", "bilateral", "multilateral", "research",
         "التعاون الدولي", "شراكة", "الميثاق العالمي", "اتفاق"],
}

# Where "travail" names a meeting, not labour ("groupe de travail", "atelier de travail").
EXCLUDED_PHRASES = [
    "groupe de travail", "groupes de travail", "atelier de travail", "ateliers de travail",
    "méthode de travail", "méthodes de travail", "séance de travail", "réunion de travail",
    "document de travail", "plan de travail", "working group", "ورشة عمل", "ورشة العمل",
    "خطة عمل", "مجموعة عمل", "فريق عمل",
]

_FOLD = {"œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae", "’": "'", "‘": "'", "ʼ": "'", "`": "'",
         "´": "'", "ـ": "", "ى": "ي", "ة": "ه", "\u2011": "-", "–": "-", "—": "-"}


@dataclass
class Suggestion:
    """A theme code, GCM objective numbers and the words that suggested them."""

    theme: str | None = None
    gcm_objectives: list[int] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)


def normalise(text: str) -> str:
    """Return `text` in lower case without accents, Arabic diacritics or hamza forms."""
    if text.isascii():
        return text.lower().replace("`", "'")
    return "".join(_fold_char(c) for c in text)


def suggest(text: str) -> Suggestion:
    """Return the theme and GCM objectives the words of `text` suggest, with those words.

    Words before a colon (a recommendation's title) count double.
    """
    folded, origin = _normalise_with_map(text)
    colon = folded.find(":")
    head = colon if 0 < colon <= 300 else len(folded)
    excluded = [m.span() for m in _excluded().finditer(folded)]

    def matches(keywords: tuple[str, ...]) -> list[tuple[int, int]]:
        spans = []
        for match in _keyword_pattern(keywords).finditer(folded):
            if not any(s <= match.start() < e for s, e in excluded):
                spans.append(match.span())
        return spans

    def score(spans: list[tuple[int, int]]) -> tuple[int, int]:
        # Phrases weigh by their words, those of the title double; ties go to the first named.
        weight = sum((2 if start < head else 1) * (1 + folded.count(" ", start, end))
                     for start, end in spans)
        return weight, -min(s for s, _ in spans)

    theme_spans = {code: matches(tuple(words)) for code, words in THEME_KEYWORDS.items()}
    theme_spans = {code: spans for code, spans in theme_spans.items() if spans}
    theme = max(theme_spans, key=lambda c: score(theme_spans[c])) if theme_spans else None
    gcm_spans = {number: matches(tuple(words)) for number, words in GCM_KEYWORDS.items()}
    gcm_spans = {number: spans for number, spans in gcm_spans.items() if spans}
    objectives = sorted(gcm_spans, key=lambda n: score(gcm_spans[n]), reverse=True)
    objectives = sorted(objectives[:MAX_OBJECTIVES])

    used = [span for n in objectives for span in gcm_spans[n]]
    if theme is not None:
        used += theme_spans[theme]
    merged: list[list[int]] = []  # overlapping matches read as one phrase
    for start, end in sorted(used):
        if merged and start < merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    reasons: list[str] = []
    seen: set[str] = set()
    for start, end in merged:
        word = _surface(text, origin, start, end)
        if normalise(word) not in seen:
            seen.add(normalise(word))
            reasons.append(word)
    return Suggestion(theme, objectives, reasons)


@cache
def _fold_char(char: str) -> str:
    if char in _FOLD:
        return _FOLD[char]
    decomposed = unicodedata.normalize("NFKD", char)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _normalise_with_map(text: str) -> tuple[str, list[int]]:
    """Return `text` normalised and, for each of its characters, its index in `text`."""
    folded: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        for out in _fold_char(char):
            folded.append(out)
            origin.append(index)
    return "".join(folded), origin


def _surface(text: str, origin: list[int], start: int, end: int) -> str:
    """Return the words of `text` a match covers, up to the end of its last word."""
    first, last = origin[start], origin[end - 1] + 1
    while first > 0 and (text[first - 1].isalnum() or unicodedata.combining(text[first - 1])):
        first -= 1  # an Arabic article or preposition attached to the word
    while last < len(text) and (text[last].isalnum() or unicodedata.combining(text[last])):
        last += 1
    return " ".join(text[first:last].split())


def _is_arabic(word: str) -> bool:
    return any("\u0600" <= c <= "\u06ff" for c in word)


def _word_pattern(keyword: str) -> str:
    whole = keyword.endswith("$")  # "média$": the whole word, not "Méditerranée"
    keyword = keyword.rstrip("$")
    words = normalise(keyword).split()
    body = r"[\s-]+".join(re.escape(w) for w in words)
    if _is_arabic(keyword):
        return body  # Arabic attaches articles and prepositions: match inside words
    # Stems match the start of a word; acronyms and short words only whole words.
    tail = r"(?![\w])" if whole or len(keyword) <= 4 else ""
    return rf"(?<![\w]){body}{tail}"


@cache
def _keyword_pattern(keywords: tuple[str, ...]) -> re.Pattern:
    return re.compile("|".join(_word_pattern(k) for k in sorted(keywords, key=len, reverse=True)))


@cache
def _excluded() -> re.Pattern:
    return _keyword_pattern(tuple(EXCLUDED_PHRASES))
