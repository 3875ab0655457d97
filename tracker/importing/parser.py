"""Find recommendation drafts in the text of a workshop report.

Reports come as web pages, office documents or PDFs: the recommendations are a numbered
or bulleted list under a heading ("Recommandations", "The participants recommended:",
"التوصيات", "Objectifs"...), surrounded by menus, "read also" links, contacts and other
page furniture. The parser keeps the lists that stand in such a section, turns each
item into a draft and ignores the rest of the page. Pure functions, no Flask.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from tracker.importing import cleanup
from tracker.importing.prose import MAX_TITLE_CHARS, find_passages, fit_title
from tracker.importing.suggest import normalise, suggest

MIN_ITEM_CHARS = 15  # shorter items are menu entries, labels or dates
MAX_PARAGRAPH_ITEM_CHARS = 600  # longer paragraphs are prose, not recommendations
MAX_LEAD_CHARS = 600
MAX_HEADING_CHARS = 120
MAX_INTRO_PARAGRAPHS = 2  # paragraphs allowed between a heading and its list
MAX_SECTION_PARAGRAPHS = 50  # recommendations written as paragraphs, under a heading
MAX_DRAFTS = 200
_LIST_CUE = "list"  # the cue of a draft taken from a list of recommendations


def _patterns(words: list[str]) -> re.Pattern:
    """Compile regular expressions written for the normalised text.

    The ASCII ones are written normalised already; Arabic letters are normalised here,
    so that "أوصى" is written as it reads.
    """
    folded = ("".join(c if c.isascii() else normalise(c) for c in word) for word in words)
    return re.compile("|".join(f"(?:{word})" for word in folded))


# Words that open a section of recommendations or objectives (matched on normalised text).
_SECTION = _patterns([
    # French
    r"\brecommand", r"\bobjectifs?\b", r"\bpropositions?\b", r"\bpistes d.action",
    r"\bactions? prioritaires", r"\bmesures (?:proposees|recommandees|prioritaires)",
    r"\bvis(?:e|ent|ait|aient) a\b", r"\ba pour (?:but|objectifs?)\b", r"\bont propose",
    r"\bprochaines etapes", r"\bfeuille de route",
    # English
    r"\brecommend", r"\bobjectives?\b", r"\bgoals?\b", r"\baim(?:s|ed)? (?:to|at)\b",
    r"\bproposals?\b", r"\bkey actions\b", r"\bmandated to\b", r"\bnext steps\b",
    r"\bagreed (?:to|on)\b",
    r"\bcalled for\b", r"\bway forward\b",
    # Arabic
    "توصي", "أوصى", "أوصت", "أوصوا", "يوصي", "نوصي", "أهداف", "تهدف", "يهدف", "مقترحات",
    "الخطوات القادمة",
])
# Headings under which plain paragraphs (not a list) are read as recommendations.
_STRONG_SECTION = _patterns([r"\brecommand", r"\brecommend", "توصي"])

# Lines that start page furniture: links to other articles, sharing, contacts, footers.
_FURNITURE = _patterns([
    r"^(?:a )?lire (?:aussi|egalement|la suite)", r"^voir (?:aussi|plus|tout)",
    r"^read (?:also|more)", r"^see also", r"^related\b", r"^articles? (?:similaires|lies)",
    r"^sur le meme (?:sujet|theme)", r"^dans la meme rubrique", r"^ces articles",
    r"^d.autres articles", r"^decouvrez", r"^vous aimerez", r"^you may also",
    r"^more (?:news|stories)", r"^partagez", r"^partager (?:sur|cet|l.article|la page)",
    r"^partager$", r"^share (?:this|on|the)", r"^share$", r"^tweet", r"^imprimer",
    r"^print$", r"^abonnez", r"^subscribe", r"^newsletter", r"^inscrivez",
    r"^contacts?\s*:?$", r"^contact (?:presse|media)", r"^pour plus d.informations?",
    r"^for more information", r"^tags?\s*:", r"^mots.cles", r"^commentaires?\s*(?:\(\d+\))?$",
    r"^comments?\s*(?:\(\d+\))?$", r"^\d+ (?:commentaires?|comments?)", r"^laisser un commentaire",
    r"^leave a (?:comment|reply)", r"^prev\b", r"^next\b(?! steps)", r"^previous (?:article|post)",
    r"^article (?:suivant|precedent)", r"^(?:suivant|precedent|previous)$", r"^accueil$",
    r"^home$", r"^menu$", r"^navigation$", r"^rechercher$", r"^search$",
    r"^nous utilisons des cookies", r"^ce site utilise", r"^we use cookies",
    r"^this (?:web)?site uses", r"^cookies?\b", r"^accepter(?: tout| les cookies)?$",
    r"^tout accepter", r"^accept all", r"^en savoir plus", r"^learn more", r"^retour en haut",
    r"^back to top", r"^copyright", r"^©", r"^tous droits", r"^all rights", r"^publie le",
    r"^published (?:on|by|:)", r"^mis a jour", r"^updated (?:on|:)", r"^cliquez",
    r"^click here", r"^>>", r"^toute l.actualite", r"^plus d.articles", r"^suivez-nous",
    r"^follow us", r"^source\s*:", r"^credits?\s*(?:photo)?\s*:", r"^photo\s*:",
    r"^abonnez-vous",
    "^اقرأ أيضا", "^اقرأ كذلك", "^مقالات ذات صلة", "^شارك", "^اتصل بنا", "^للاتصال",
    "^للمزيد", "^تابعونا", "^الرئيسية$", "^جميع الحقوق",
])
# Furniture after which the article is over: what follows are other articles' headlines.
_END_OF_ARTICLE = _patterns([
    r"^(?:a )?lire (?:aussi|egalement)", r"^voir aussi", r"^read (?:also|more)", r"^see also",
    r"^related\b", r"^articles? (?:similaires|lies)", r"^sur le meme (?:sujet|theme)",
    r"^dans la meme rubrique", r"^ces articles", r"^d.autres articles", r"^vous aimerez",
    r"^you may also", r"^more (?:news|stories)", r"^prev\b", r"^next\b(?! steps)",
    r"^article (?:suivant|precedent)", r"^mots.cles", r"^tags?\s*:",
    "^اقرأ أيضا", "^اقرأ كذلك", "^مقالات ذات صلة",
])
_SOCIAL = re.compile(r"^(?:(?:partager sur|share on|facebook|twitter|x|linkedin|whatsapp|"
                     r"telegram|instagram|youtube|e-?mail|messenger|pinterest)\W*)+$")
_LOREM = re.compile(r"lorem ipsum|dolor sit amet|consectetur adipiscing")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
_URL = re.compile(r"(?:https?://|www\.)\S+")
_PHONE = re.compile(r"(?:\btel\b|\bphone\b|\bfax\b|\bmobile\b|\bgsm\b|هاتف)\s*[.:]?\s*\+?\d"
                    r"|\+\d{2,3}[\s.-]?\d(?:[\s.-]?\d){6,}")
_ADDRESS = re.compile(r"^(?:adresse|address|rue|avenue|av\.|boulevard|bd|b\.?p\.?\s*\d|"
                      r"street|العنوان|نهج|شارع)\b")
_MONTHS = (
    "janvier|fevrier|mars|avril|mai|juin|juillet|aout|septembre|octobre|novembre|decembre|"
    "january|february|march|april|may|june|july|august|september|october|november|december|"
    "jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec|"
    "lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|"
    "monday|tuesday|wednesday|thursday|friday|saturday|sunday|"
    "جانفي|فيفري|مارس|افريل|ماي|جوان|جويلية|اوت|سبتمبر|اكتوبر|نوفمبر|ديسمبر|"
    "يناير|فبراير|ابريل|مايو|يونيو|يوليو|اغسطس"
)
_DATE_WORDS = re.compile(rf"(?<!\w)(?:{_MONTHS}|le|the|on|du|au|er|st|nd|rd|th|في)(?!\w)"
                         r"|[\d\W_]")

_MARKDOWN_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u200e\u200f\u2060\ufeff\u00ad"))
_SPACES = dict.fromkeys(map(ord, "\u00a0\u2007\u202f\u2009\u200a\u3000\t"), " ")

# List markers. Families: "num:<prefix>" (1. 1) 1 - 2.1), "alpha"/"ALPHA" (a) B.),
# "roman"/"ROMAN" (ii. IV)), "abjad" (أ) ب-) and "bullet".
_NUMBER = re.compile(r"^\(?(\d{1,2})(?:\)|[.\]°](?!\d)|\s*[-–—](?!\d))\s*(?P<rest>.*)$")
_MULTI_NUMBER = re.compile(r"^(\d{1,2}(?:\.\d{1,2})+)\.?(?:\s+|\s*[-–—)]\s*)(?P<rest>.*)$")
_ROMAN_UPPER = re.compile(r"^\(?(X{0,3}(?:IX|IV|V?I{0,3}))[.)]\s+(?P<rest>.*)$")
_ROMAN_LOWER = re.compile(r"^\(?(x{0,3}(?:ix|iv|v?i{0,3}))[.)]\s+(?P<rest>.*)$")
_ALPHA = re.compile(r"^\(?([a-zA-Z])[.)]\s+(?P<rest>.*)$")
_ABJAD_LETTERS = "أبجدهوزحطي"
_ABJAD_MARKER = re.compile(rf"^\(?([{_ABJAD_LETTERS}])\s*[).\-–]\s*(?P<rest>.*)$")
_BULLET = re.compile(r"^(?:[•·▪▫◦○●■□►▶➢➤✓✔→❖◆◇]\s*|[-–—*+]\s+)(?P<rest>.*)$")
_ROMAN_VALUES = {"i": 1, "v": 5, "x": 10}
# Inline lists: "ont recommandé : 1) de renforcer ... ; 2) de créer ..."
_INLINE_MARKER = re.compile(r"(?:^|(?<=[\s;:,.]))(\d{1,2}[.)]|[a-z]\))\s+")
_TRAILING = re.compile(r"(?:[,;؛]\s*(?:et|and|ou|or|و)\s*)?[\s,;؛]*$")


@dataclass
class _Token:
    """One line of the report: blank, a list item (with its possible markers) or text."""

    kind: str  # "blank", "item" or "text"
    text: str = ""
    line: str = ""  # the whole line, marker included
    indent: int = 0
    markers: list[tuple[str, int]] = field(default_factory=list)


@dataclass
class _Item:
    lines: list[str]
    subitems: list[str] = field(default_factory=list)
    sub_family: str | None = None
    sub_last: int = 0


@dataclass
class _List:
    family: str
    indent: int
    last: int
    items: list[_Item]

    @property
    def chars(self) -> int:
        return sum(len(line) for item in self.items for line in item.lines)


@dataclass
class _Paragraph:
    lines: list[str]

    @property
    def text(self) -> str:
        return " ".join(self.lines)


def find_drafts(text: str) -> list[dict]:
    """Return the recommendation drafts found in `text`, in the order of the report.

    Each draft is a dict with the keys title, text, theme (a theme code or None),
    gcm_objectives (a list of objective numbers), reasons (the words that led to the
    theme and objectives suggested), source_excerpt (the passage of the report it comes
    from), cues (why it was taken) and confidence ("high", or "low" for what a report
    states or plans without recommending it, offered only when nothing is recommended).
    Lists of recommendations win; without any, the sentences of the report are read.
    """
    text = cleanup.clean(text)
    items = find_items(text)
    # "Next steps: 1. Compiled... 2. Wrote..." tells what was done: offered, not proposed.
    confidence = "low" if _mostly_past(items) else "high"
    found = [(item, make_title(item), item, [_LIST_CUE], confidence) for item in items]
    if not found:
        found = [(p.text, p.title, text[p.start:p.end] or p.text, p.cues, p.confidence)
                 for p in find_passages(text, guess_language(text))]
    drafts = []
    seen: set[str] = set()
    for item, title, excerpt, cues, confidence in found:
        key = normalise(item)
        if key in seen:
            continue
        seen.add(key)
        suggestion = suggest(item)
        drafts.append({"title": title, "text": item, "theme": suggestion.theme,
                       "gcm_objectives": suggestion.gcm_objectives,
                       "reasons": suggestion.reasons, "source_excerpt": excerpt,
                       "cues": cues, "confidence": confidence})
        if len(drafts) >= MAX_DRAFTS:
            break
    return drafts


_PAST_VERBS = {"wrote", "held", "made", "took", "met", "gave", "began", "sent", "built", "led"}


def _mostly_past(items: list[str]) -> bool:
    """Tell whether most items start with an English verb in the past tense."""
    firsts = [(item.split() or [""])[0].lower() for item in items]
    past = sum(w.endswith("ed") and len(w) > 4 or w in _PAST_VERBS for w in firsts)
    return bool(items) and past * 2 > len(items)


def find_items(text: str) -> list[str]:
    """Return the texts of the recommendations or objectives listed in `text`.

    Lists in a recommendations section win; without any, a text that is little but a
    list (pasted on its own) gives its items; anything else gives nothing.
    """
    units = _Grouper(_tokens(text)).units()
    items = _items_in_sections(units)
    if not items:
        items = _items_of_a_bare_list(units)
    return items


def make_title(text: str) -> str:
    """Return a title for a recommendation: the words before a colon, else the whole text.

    Only the item's first line counts (not its sub-items). Titles are at most 300
    characters, cut on a word boundary.
    """
    first = text.split("\n", 1)[0]
    match = re.match(r"^(?P<head>[^:：]{3,}?)\s*[:：]\s+(?P<rest>\S.*)$", first)
    if (match and len(match["head"]) <= MAX_TITLE_CHARS and len(match["rest"]) >= MIN_ITEM_CHARS
            and "http" not in match["head"] and sum(c.isalpha() for c in match["head"]) >= 3):
        title = match["head"]
    else:
        title = first  # sub-items and explanations that follow stay in the text
    return fit_title(" ".join(title.split()).rstrip(" .;,؛:"))


def guess_language(text: str) -> str:
    """Return "ar", "en" or "fr": the language `text` is most likely written in."""
    arabic = sum(1 for c in text if "\u0600" <= c <= "\u06ff")
    latin = sum(1 for c in text if c.isascii() and c.isalpha())
    if arabic > latin:
        return "ar"
    words = re.findall(r"[a-z]+", normalise(text))
    english = sum(w in {"the", "and", "of", "to", "for", "with", "is", "are", "should", "on"}
                  for w in words)
    french = sum(w in {"le", "la", "les", "des", "du", "et", "pour", "dans", "sur", "une", "est",
                       "aux", "au"} for w in words)
    return "en" if english > french else "fr"


# -- Lines ------------------------------------------------------------------------------


def _clean_line(line: str) -> str:
    line = unicodedata.normalize("NFC", line).translate(_INVISIBLE).translate(_SPACES).rstrip()
    line = _MARKDOWN_LINK.sub(r"\1", line).replace("**", "").replace("__", "")
    stripped = line.lstrip()
    indent = line[: len(line) - len(stripped)]
    if stripped.startswith("#"):  # a Markdown heading
        return indent + stripped.lstrip("#").lstrip()
    if stripped.startswith("> "):  # a Markdown quote
        return indent + stripped[2:].lstrip()
    return line


def _markers(text: str) -> tuple[list[tuple[str, int]], str] | None:
    """Return the list markers `text` may start with, as (family, value), and the rest."""
    match = _NUMBER.match(text)
    if match:
        return [("num:", int(match[1]))], match["rest"]
    match = _MULTI_NUMBER.match(text)
    if match:
        *prefix, last = match[1].split(".")
        return [("num:" + ".".join(prefix) + ".", int(last))], match["rest"]
    markers: list[tuple[str, int]] = []
    rest = ""
    for pattern, family in ((_ROMAN_UPPER, "ROMAN"), (_ROMAN_LOWER, "roman")):
        match = pattern.match(text)
        if match and match[1]:
            markers.append((family, _roman(match[1])))
            rest = match["rest"]
    match = _ALPHA.match(text)
    if match:
        letter = match[1]
        # "i." may be the ninth letter or the first roman numeral: the list decides.
        markers.append(("alpha" if letter.islower() else "ALPHA",
                        ord(letter.lower()) - ord("a") + 1))
        rest = match["rest"]
    if markers:
        return markers, rest
    match = _ABJAD_MARKER.match(text)
    if match:
        return [("abjad", _ABJAD_LETTERS.index(match[1]) + 1)], match["rest"]
    match = _BULLET.match(text)
    if match:
        return [("bullet", 0)], match["rest"]
    return None


def _roman(numeral: str) -> int:
    values = [_ROMAN_VALUES[c] for c in numeral.lower()]
    return sum(-v if i + 1 < len(values) and v < values[i + 1] else v
               for i, v in enumerate(values))


def _tokens(text: str) -> list[_Token]:
    tokens = []
    for raw in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = _clean_line(raw)
        stripped = line.strip()
        if not stripped:
            tokens.append(_Token("blank"))
            continue
        indent = len(line) - len(line.lstrip())
        found = _markers(stripped)
        rest = found[1].strip() if found else ""
        if found and rest and not _is_numbered_heading(found[0], rest):
            tokens.append(_Token("item", rest, stripped, indent, found[0]))
        else:
            tokens.append(_Token("text", stripped, stripped, indent))
    return tokens


def _is_numbered_heading(markers: list[tuple[str, int]], rest: str) -> bool:
    """Tell whether a numbered line is a section heading ("3. Recommandations"), no item."""
    if len(rest) > 40 or not any(f.startswith("num:") for f, _ in markers):
        return False
    words = normalise(rest).split(" ", 1)
    starts = any(_SECTION.match(w) for w in (words[0], words[-1]))
    return starts and _section_kind(rest) == "heading"


def _is_furniture(line: str) -> bool:
    """Tell whether a line is page furniture: a link list heading, sharing, a footer..."""
    if len(line) > 120:
        return False
    norm = normalise(line).strip()
    return (len(norm) <= 100 and (bool(_FURNITURE.match(norm)) or norm.count(" | ") >= 2)
            or bool(_SOCIAL.match(norm)))


def _section_kind(text: str) -> str | None:
    """Return "heading" or "lead" when `text` opens a list of recommendations, else None."""
    if len(text) > MAX_LEAD_CHARS or _is_furniture(text):
        return None
    norm = normalise(text).strip()
    if not _SECTION.search(norm):
        return None
    if norm.endswith((":", "：")):
        return "lead"
    if len(text) <= MAX_HEADING_CHARS and not norm.endswith((".", "!", "?", ";", ",")):
        return "heading"
    return None


# -- Lists and paragraphs ---------------------------------------------------------------


class _Grouper:
    """Group lines into lists (items with their continuation lines) and paragraphs."""

    def __init__(self, tokens: list[_Token]) -> None:
        self.tokens = tokens
        self.width = _wrap_width(tokens)
        self.result: list[_List | _Paragraph] = []
        self.current: _List | None = None  # the list being read
        self.paragraph: _Paragraph | None = None
        self.previous = "blank"  # the kind of the previous line
        self.previous_text = ""

    def units(self) -> list[_List | _Paragraph]:
        """Return the lists and paragraphs of the text, in order."""
        for token in self.tokens:
            if token.kind == "blank":
                self._close_paragraph()
                self.previous = "blank"
            elif token.kind == "item" and self._item(token):
                self.previous, self.previous_text = "item", token.text
            else:
                self._text(token)
        self._close_paragraph()
        return self.result

    def _close_paragraph(self) -> None:
        if self.paragraph is not None:
            self.result.append(self.paragraph)
            self.paragraph = None

    def _item(self, token: _Token) -> bool:
        """Add a list item; return False when the line is text after all ("M. Ferrari")."""
        if self.current is None:
            self.current = self._resumed(token)
        current = self.current
        if current is not None and _continues(current, token):
            current.last += 1
            current.items.append(_Item([token.text]))
            return True
        if current is not None and _add_subitem(current, token):
            return True
        start = _start(token.markers)
        if start is None:
            return False
        self._close_paragraph()
        self.current = _List(start[0], token.indent, start[1], [_Item([token.text])])
        self.result.append(self.current)
        return True

    def _resumed(self, token: _Token) -> _List | None:
        """Return the list `token` resumes after a paragraph or two of its last item."""
        recent = [*self.result, *([self.paragraph] if self.paragraph else [])]
        trailing = []
        for unit in reversed(recent[-MAX_INTRO_PARAGRAPHS - 1:]):
            if isinstance(unit, _List):
                last = unit
                break
            trailing.append(unit)
        else:
            return None
        if (not trailing or last.family == "bullet"
                or (last.family, last.last + 1) not in token.markers):
            return None
        if any(_is_furniture(p.lines[0]) or _section_kind(p.text) for p in trailing):
            return None
        self._close_paragraph()
        del self.result[len(self.result) - len(trailing):]
        for paragraph in reversed(trailing):
            last.items[-1].lines.append("\n" + paragraph.text)
        return last

    def _text(self, token: _Token) -> None:
        current = self.current
        if current is not None and self.previous == "item":
            wrapped_end = _ends_paragraph(self.previous_text, token.line, self.width)
            if not wrapped_end and not _is_furniture(token.line):
                item = current.items[-1]
                if item.subitems:
                    item.subitems[-1] += " " + token.line
                else:
                    item.lines.append(token.line)
                self.previous_text = token.line
                return
        elif current is not None and self.previous == "blank" and token.indent > current.indent:
            current.items[-1].lines.append("\n" + token.line)
            self.previous, self.previous_text = "item", token.line
            return
        self.current = None
        if self.previous != "text" or self.paragraph is None:
            self._close_paragraph()
            self.paragraph = _Paragraph([token.line])
        else:
            self.paragraph.lines.append(token.line)
        self.previous, self.previous_text = "text", token.line


def _start(markers: list[tuple[str, int]]) -> tuple[str, int] | None:
    for family, value in markers:
        if family == "bullet" or value == 1:
            return family, value
    return None


def _continues(current: _List, token: _Token) -> bool:
    if current.family == "bullet":
        return any(f == "bullet" for f, _ in token.markers) and token.indent <= current.indent + 1
    return (current.family, current.last + 1) in token.markers


def _add_subitem(current: _List, token: _Token) -> bool:
    """Add `token` to the last item of `current` if it is one of its sub-items."""
    item = current.items[-1]
    deeper = token.indent > current.indent + 1
    if not deeper and (current.family == "bullet"
                       or any(f == current.family for f, _ in token.markers)):
        return False
    for family, value in token.markers:
        if family == "bullet" or value == 1 or (family == item.sub_family
                                                and value == item.sub_last + 1):
            item.sub_family, item.sub_last = family, value
            item.subitems.append(token.text)
            return True
    return False


def _wrap_width(tokens: list[_Token]) -> int | None:
    """Return the line width of a hard-wrapped text (a PDF), None when lines are paragraphs."""
    lengths = sorted(len(t.line) + t.indent for t in tokens if t.kind != "blank")
    if len(lengths) < 5:
        return None
    width = lengths[int(len(lengths) * 0.9)]
    return width if width <= 130 else None


def _ends_paragraph(previous: str, line: str, width: int | None) -> bool:
    """Tell whether, in a hard-wrapped text, `previous` ends its paragraph before `line`.

    It does when it ends a sentence and stops short of the width, or when the next line
    starts a new sentence: a sentence cut there is read back when the list resumes.
    """
    if width is None or not previous.endswith((".", "!", "?", ":", ";")):
        return False
    return len(previous) < width * 0.75 or line[:1].isupper()


# -- Sections ---------------------------------------------------------------------------


def _items_in_sections(units: list[_List | _Paragraph]) -> list[str]:
    items: list[str] = []
    index = 0
    in_furniture = False  # after "Read also" and the like, until the article goes on
    while index < len(units):
        unit = units[index]
        if isinstance(unit, _Paragraph):
            if _END_OF_ARTICLE.match(normalise(unit.lines[0][:200]).strip()):
                in_furniture = True
            elif len(unit.text) > 200 and not _LOREM.search(normalise(unit.text)):
                in_furniture = False
            start = None if in_furniture else _section_start(unit)
            if start is not None:
                kind, inline = start
                if inline:
                    items.extend(inline)
                    index += 1
                    continue
                found, index = _read_section(units, index, kind)
                items.extend(found)
                continue
        index += 1
    return items


def _section_start(paragraph: _Paragraph) -> tuple[str, list[str]] | None:
    """Return how `paragraph` opens a section ("heading"/"lead") and any inline items."""
    if _is_menu(paragraph):
        return None
    inline = _inline_items(paragraph.text)
    if inline:
        return "lead", inline
    kind = _section_kind(paragraph.text)
    if kind is not None:
        return kind, []
    last = paragraph.lines[-1]
    if len(paragraph.lines) > 1 and _section_kind(last) is not None:
        return _section_kind(last), []
    for position, line in enumerate(paragraph.lines):
        if _section_kind(line) == "heading":
            # A heading whose paragraph goes on: the rest of it is the section's intro.
            rest = paragraph.lines[position + 1:]
            return ("lead" if rest and len(" ".join(rest)) <= MAX_LEAD_CHARS else "heading"), []
    return None


def _is_menu(paragraph: _Paragraph) -> bool:
    short = sum(len(line) < 30 for line in paragraph.lines)
    return len(paragraph.lines) >= 3 and short * 3 >= len(paragraph.lines) * 2


def _read_section(units: list[_List | _Paragraph], index: int,
                  kind: str) -> tuple[list[str], int]:
    """Return the items of the section whose heading is units[index], and where it ends."""
    heading = units[index]
    end = index + 1
    before: list[_Paragraph] = []  # paragraphs between the heading and a list
    while (end < len(units) and isinstance(units[end], _Paragraph)
           and len(before) < MAX_SECTION_PARAGRAPHS):
        paragraph = units[end]
        if _is_furniture(paragraph.lines[0]) or _section_start(paragraph) is not None:
            break
        before.append(paragraph)
        end += 1
    if (end < len(units) and isinstance(units[end], _List)
            and len(before) <= MAX_INTRO_PARAGRAPHS
            and all(len(p.text) <= MAX_LEAD_CHARS for p in before)):
        lists = [units[end]]
        end += 1
        # Lists go on under short sub-headings ("Axe 2 : les données").
        while end < len(units):
            unit = units[end]
            if isinstance(unit, _List):
                lists.append(unit)
                end += 1
            elif (_is_subheading(unit) and end + 1 < len(units)
                  and isinstance(units[end + 1], _List)):
                end += 1
            else:
                break
        return [text for lst in lists for text in _list_items(lst)], end
    if (kind == "heading" and len(heading.lines) == 1 and len(heading.text) <= 60
            and _STRONG_SECTION.search(normalise(heading.text))):
        items = []
        for paragraph in before:
            if len(paragraph.text) > MAX_PARAGRAPH_ITEM_CHARS:
                break
            text = _clean_item(paragraph.text)
            parts = _enumerated(text)
            items.extend(part for part in parts if _keep(part))
        return items, index + 1 + len(before)
    return [], index + 1


def _is_subheading(unit: _List | _Paragraph) -> bool:
    return (isinstance(unit, _Paragraph) and len(unit.lines) == 1 and len(unit.text) <= 100
            and not unit.text.endswith((".", "!", "?")) and not _is_furniture(unit.text))


def _items_of_a_bare_list(units: list[_List | _Paragraph]) -> list[str]:
    """Return the items of a text that is mostly one list, pasted without its heading."""
    lists = [u for u in units if isinstance(u, _List) and len(u.items) >= 2]
    paragraphs = [u for u in units if isinstance(u, _Paragraph)]
    if not lists or any(_is_furniture(p.lines[0]) for p in paragraphs):
        return []
    firsts = [item.lines[0] for lst in lists for item in lst.items]
    if sum(len(line) >= 40 for line in firsts) * 2 < len(firsts):
        return []  # a menu: short entries, whatever text follows the last one
    list_chars = sum(lst.chars for lst in lists)
    if list_chars < 0.6 * (list_chars + sum(len(p.text) for p in paragraphs)):
        return []
    return [text for lst in lists for text in _list_items(lst)]


# -- Items ------------------------------------------------------------------------------


def _list_items(lst: _List) -> list[str]:
    """Return the kept texts of a list's items; a list of links or contacts gives none."""
    texts = []
    for item in lst.items:
        text = _join(item.lines)
        subitems = [_clean_item(s) for s in item.subitems]
        subitems = [s for s in subitems if _keep(s)]
        if subitems:
            text = text.rstrip() + "".join(f"\n- {s}" for s in subitems)
        texts.append(_clean_item(text))
    if len(texts) == 1:
        inline = _split_inline(texts[0], first_value=2)
        if inline:
            texts = inline
    kept = [t for t in texts if _keep(t)]
    junk = sum(1 for t in texts if len(t) >= MIN_ITEM_CHARS and not _keep(t))
    return kept if junk <= 2 * len(kept) else []


def _join(lines: list[str]) -> str:
    text = ""
    for line in lines:
        if line.startswith("\n"):
            text = text.rstrip() + "\n" + line.strip()
        elif re.search(r"\w-$", text) and line[:1].islower():
            # A word cut at the line end: "main-d'œuvre" must keep its hyphen, so all do.
            text += line.strip()
        else:
            text = f"{text} {line.strip()}" if text else line.strip()
    return text


def _clean_item(text: str) -> str:
    lines = [" ".join(line.split()) for line in text.split("\n")]
    text = "\n".join(line for line in lines if line)
    return _TRAILING.sub("", text)


def _keep(text: str) -> bool:
    """Tell whether an item may be a recommendation: not too short, not page furniture."""
    if len(text) < MIN_ITEM_CHARS:
        return False
    norm = normalise(text)
    first = text.split("\n", 1)[0]
    if _is_furniture(first) or _LOREM.search(norm) or _EMAIL.search(text) or _PHONE.search(norm):
        return False
    if _ADDRESS.match(norm) or len(_URL.sub("", text).strip()) < MIN_ITEM_CHARS:
        return False
    if first.rstrip().endswith(("?", "؟")):  # a question asked, not an answer
        return False
    if re.search(r"\d", norm) and len(_DATE_WORDS.sub("", norm)) <= 12:  # a date, a place
        return False
    return True


def _inline_items(text: str) -> list[str]:
    """Return the items of a lead-in that carries its own list ("recommandé : 1) ... 2) ...")."""
    if len(text) > 4000:
        return []
    colons = [i for i, c in enumerate(text) if c == ":"]
    colon = next((i for i in colons if _SECTION.search(normalise(_last_sentence(text[:i])))),
                 None)
    if colon is None:
        return []
    items = _split_inline(text[colon + 1:], first_value=1)
    return items if len(items) >= 2 else []


def _enumerated(text: str) -> list[str]:
    """Return the parts of "Elles sont les suivantes : A ; B ; C.", else [text]."""
    colon = text.find(":")
    parts = [p.strip() for p in re.split(r"\s*[;؛]\s*", text[colon + 1:].rstrip(" ."))
             if p.strip()] if colon >= 0 else []
    return parts if len(parts) >= 3 else [text]


def _last_sentence(text: str) -> str:
    """Return the sentence `text` ends with: a lead-in's section word must be in it."""
    return re.split(r"(?<=[.!?])\s+|\n", text)[-1]


def _split_inline(text: str, first_value: int) -> list[str]:
    """Split "1) a ; 2) b ; 3) c" (or what follows an item's "1.") into its items."""
    expected = first_value
    cuts: list[tuple[int, int]] = []
    for match in _INLINE_MARKER.finditer(text):
        label = match[1][:-1]
        value = int(label) if label.isdigit() else ord(label) - ord("a") + 1
        if value == expected:
            cuts.append((match.start(), match.end()))
            expected += 1
    if len(cuts) < (2 if first_value == 1 else 1):
        return []
    parts = [] if first_value == 1 else [text[: cuts[0][0]]]
    for position, (_start_at, end) in enumerate(cuts):
        stop = cuts[position + 1][0] if position + 1 < len(cuts) else len(text)
        parts.append(text[end:stop])
    return [_clean_item(p) for p in parts if _clean_item(p)]
