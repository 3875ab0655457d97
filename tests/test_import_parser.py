"""The report importer's parser, suggestions and file readers, without the web app.

The reports under tests/fixtures/reports are copies of the five published seeds
(000_... to 004_...) and reports written for these tests in French, English and Arabic,
each with menus, "read also" links, contacts and banners around its list.
"""

from __future__ import annotations

import io
from pathlib import Path

import docx
import pytest

from tracker.importing import readers
from tracker.importing.parser import find_drafts, find_items, guess_language, make_title
from tracker.importing.suggest import normalise, suggest

REPORTS = Path(__file__).parent / "fixtures" / "reports"
SEEDS = sorted(REPORTS.glob("0*.txt"))
# What page furniture around the seeds and the test reports says; no draft may hold it.
FURNITURE = ["Voir aussi", "THAMM Plus", "Programme FAIR", "Lorem", "lorem", "@", "+216",
             "Partagez", "Lire aussi", "lire aussi", "Read also", "PREV", "NEXT", "cookies",
             "Abonnez", "Accueil", "Home", "CONTACTS", "Contact", "اقرأ أيضا", "للاتصال",
             "Tous droits", "All rights", "Facebook"]


def report(name: str) -> str:
    return (REPORTS / name).read_text(encoding="utf-8")


def titles(text: str) -> list[str]:
    return [d["title"] for d in find_drafts(text)]


def assert_no_furniture(drafts: list[dict]) -> None:
    for draft in drafts:
        for word in FURNITURE:
            assert word not in draft["text"], (word, draft["text"])


# -- The seeds ----------------------------------------------------------------------------


def test_seed_000_gives_its_five_numbered_recommendations_with_their_titles():
    drafts = find_drafts(report("000_0349b9e6426674fc.txt"))
    assert [d["title"] for d in drafts] == [
        "Renforcement des capacités institutionnelles et du système d’information",
        "Création d’indicateurs spécifiques pour les migrations en Tunisie",
        "Harmonisation du discours sur la migration",
        "Encourager les partenariats entre chercheurs tunisiens et internationaux",
        "Améliorer le suivi des accords bilatéraux et multilatéraux",
    ]
    first = drafts[0]["text"]
    assert first.startswith("Renforcement des capacités institutionnelles et du système "
                            "d’information : Les participants ont souligné")
    assert first.endswith("sur les standards internationaux.")
    assert drafts[3]["text"].endswith("sur les flux migratoires.")  # the no-break space is gone
    assert set(drafts[0]) == {"title", "text", "theme", "gcm_objectives", "reasons",
                              "source_excerpt", "cues", "confidence"}


def test_seed_000_drafts_suggest_the_five_themes_and_matching_objectives():
    drafts = find_drafts(report("000_0349b9e6426674fc.txt"))
    assert [d["theme"] for d in drafts] == [
        "information_systems", "indicators", "journalists_public_discourse",
        "research_partnerships", "gcm_agreements_followup"]
    assert drafts[0]["gcm_objectives"] == [1]
    assert 1 in drafts[1]["gcm_objectives"]
    assert drafts[2]["gcm_objectives"] == [17]
    assert 23 in drafts[3]["gcm_objectives"]
    assert drafts[4]["gcm_objectives"] == [23]
    assert "système d’information" in drafts[0]["reasons"]
    assert "journalistes" in drafts[2]["reasons"]
    assert {"Pacte Mondial", "PMM"} <= set(drafts[4]["reasons"])


def test_seed_004_gives_exactly_its_three_bulleted_objectives():
    drafts = find_drafts(report("004_5c1b33d1fa813894.txt"))
    assert [d["text"] for d in drafts] == [
        "aligner la vision des différentes parties prenantes, et formaliser l’engagement et le "
        "mécanisme de coordination entre les acteurs",
        "parvenir à un accord entre les participants tunisiens représentant les différents "
        "acteurs impliqués dans le domaine de la migration et les représentants des organismes "
        "d’orientation et de financement internationaux et européens sur la méthode de travail",
        "mesurer la mise en œuvre des programmes visant à promouvoir et à évaluer la gouvernance "
        "des migrations dans la ville de Tunis et à en identifier les aspects positifs et "
        "négatifs.",
    ]
    # No colon: the title is the whole text, capitalised, without its final stop.
    assert [d["title"] for d in drafts] == [
        d["text"][0].upper() + d["text"][1:].rstrip(".") for d in drafts]
    # "méthode de travail" is how they work together, not labour migration.
    assert 6 not in drafts[1]["gcm_objectives"]


@pytest.mark.parametrize("name", ["001_e0e378ee47f9a593.txt", "003_9b538c3e7979676b.txt"])
def test_seeds_telling_results_and_groups_give_lower_confidence_drafts(name):
    # 001 tells what a project achieved; 003 names its five working groups: nothing is
    # recommended, so what they state is offered, marked lower-confidence.
    drafts = find_drafts(report(name))
    assert drafts
    assert {d["confidence"] for d in drafts} == {"low"}
    assert all(d["cues"] and d["source_excerpt"] in report(name) for d in drafts)


def test_seed_002_offers_what_its_speakers_stressed_at_lower_confidence():
    # Its README: it states plans, not recommendations; each cue is one speaker's emphasis.
    drafts = find_drafts(report("002_dd3eb7dceb9fbb7c.txt"))
    assert drafts and {d["confidence"] for d in drafts} == {"low"}
    need = [d for d in drafts if "collaborer étroitement" in d["text"]]
    assert len(need) == 1
    assert need[0]["title"].startswith("Collaborer étroitement avec tous les partenaires")
    assert "souligné la nécessité de" in need[0]["cues"]


@pytest.mark.parametrize("path", SEEDS, ids=lambda p: p.name[:3])
def test_no_seed_gives_a_draft_from_its_page_furniture(path):
    assert len(SEEDS) == 5
    assert_no_furniture(find_drafts(path.read_text(encoding="utf-8")))


# -- Reports written for the tests ----------------------------------------------------------


def test_french_report_with_roman_numerals_multi_line_items_and_sub_bullets():
    text = report("fr_principales_recommandations.txt")
    drafts = find_drafts(text)
    assert [d["title"] for d in drafts] == [
        "Réintégration des migrants de retour", "Recrutement équitable", "Protection sociale",
        "Lutte contre la traite des personnes"]
    assert drafts[0]["text"] == (
        "Réintégration des migrants de retour : mettre en place dans chaque gouvernorat un "
        "guichet unique d’accompagnement des migrants de retour, en lien avec les bureaux de "
        "l’emploi et les associations locales.")
    assert drafts[1]["text"] == (
        "Recrutement équitable : renforcer le contrôle des agences privées de recrutement, "
        "notamment :\n- en publiant la liste des agences agréées\n- en créant un mécanisme de "
        "plainte accessible aux travailleurs migrants.")
    assert 21 in drafts[0]["gcm_objectives"]
    assert 6 in drafts[1]["gcm_objectives"]
    assert 22 in drafts[2]["gcm_objectives"]
    assert 10 in drafts[3]["gcm_objectives"]
    assert_no_furniture(drafts)
    assert guess_language(text) == "fr"


def test_markdown_report_with_a_lead_in_sentence_and_dash_bullets():
    drafts = find_drafts(report("fr_participants_ont_recommande.md"))
    assert [d["text"] for d in drafts] == [
        "faciliter l’investissement de la diaspora dans les régions intérieures en simplifiant "
        "les procédures administratives",
        "réduire le coût des transferts de fonds en encourageant les services de paiement mobile",
        "créer une plateforme numérique recensant les compétences des Tunisiens résidant à "
        "l’étranger",
        "appuyer les associations de la diaspora engagées dans des projets de développement "
        "local.",
    ]
    assert drafts[0]["title"].startswith("Faciliter l’investissement")
    assert [19 in d["gcm_objectives"] for d in drafts] == [True, False, True, True]
    assert drafts[1]["gcm_objectives"] == [20]
    assert 18 in drafts[2]["gcm_objectives"]
    assert_no_furniture(drafts)


def test_english_report_with_lettered_items_and_a_wrapped_item():
    text = report("en_workshop_report.txt")
    drafts = find_drafts(text)
    assert [d["title"] for d in drafts] == ["Data collection", "Capacity building",
                                            "Public discourse"]
    assert drafts[1]["text"] == (
        "Capacity building: Train the staff of the regional employment offices on fair "
        "recruitment standards and on the rights of migrant workers, so that job offers abroad "
        "comply with ILO conventions.")
    assert drafts[0]["theme"] == "information_systems"
    assert drafts[2]["theme"] == "journalists_public_discourse"
    assert 6 in drafts[1]["gcm_objectives"]
    assert_no_furniture(drafts)
    assert guess_language(text) == "en"


def test_arabic_report_with_numbered_items_under_the_recommendations_heading():
    text = report("ar_workshop_report.txt")
    drafts = find_drafts(text)
    assert [d["title"] for d in drafts] == [
        "تعزيز منظومة المعلومات حول الهجرة", "تكوين الصحفيين", "إعادة الإدماج"]
    assert drafts[0]["text"].startswith("تعزيز منظومة المعلومات حول الهجرة: إرساء قاعدة بيانات")
    assert [d["theme"] for d in drafts] == [
        "information_systems", "journalists_public_discourse", None]
    assert drafts[0]["gcm_objectives"] == [1]
    assert 17 in drafts[1]["gcm_objectives"]
    assert drafts[2]["gcm_objectives"] == [21]
    assert "إعادة الإدماج" in drafts[2]["reasons"]
    assert_no_furniture(drafts)
    assert guess_language(text) == "ar"


# -- List and section shapes ------------------------------------------------------------------


@pytest.mark.parametrize("text", [
    "Recommandations\n\n1. Renforcer le système d'information.\n2. Créer des indicateurs "
    "adaptés.\n3. Former les journalistes aux migrations.",
    "Recommandations\n\n1) Renforcer le système d'information.\n2) Créer des indicateurs "
    "adaptés.\n3) Former les journalistes aux migrations.",
    "Recommandations\n\n1 - Renforcer le système d'information.\n2 - Créer des indicateurs "
    "adaptés.\n3 - Former les journalistes aux migrations.",
    "Recommandations\n\n1 – Renforcer le système d'information.\n2 – Créer des indicateurs "
    "adaptés.\n3 – Former les journalistes aux migrations.",
    "Recommandations\n\na) Renforcer le système d'information.\nb) Créer des indicateurs "
    "adaptés.\nc) Former les journalistes aux migrations.",
    "RECOMMANDATIONS\n\ni. Renforcer le système d'information.\nii. Créer des indicateurs "
    "adaptés.\niii. Former les journalistes aux migrations.",
    "Recommandations\n\nI) Renforcer le système d'information.\nII) Créer des indicateurs "
    "adaptés.\nIII) Former les journalistes aux migrations.",
    "Recommandations\n\n• Renforcer le système d'information.\n• Créer des indicateurs "
    "adaptés.\n• Former les journalistes aux migrations.",
    "Recommandations\n\n- Renforcer le système d'information.\n- Créer des indicateurs "
    "adaptés.\n- Former les journalistes aux migrations.",
    "Recommandations\n\n* Renforcer le système d'information.\n* Créer des indicateurs "
    "adaptés.\n* Former les journalistes aux migrations.",
    "Recommandations\n\n· Renforcer le système d'information.\n· Créer des indicateurs "
    "adaptés.\n· Former les journalistes aux migrations.",
    "Recommandations\n\n– Renforcer le système d'information.\n– Créer des indicateurs "
    "adaptés.\n– Former les journalistes aux migrations.",
], ids=["1.", "1)", "1 -", "1 –", "a)", "i.", "I)", "•", "-", "*", "·", "–"])
def test_each_list_marker_is_recognised(text):
    assert find_items(text) == ["Renforcer le système d'information.",
                                "Créer des indicateurs adaptés.",
                                "Former les journalistes aux migrations."]


@pytest.mark.parametrize("heading", [
    "Recommandations", "Recommendations", "التوصيات", "Objectifs", "Principales recommandations",
    "Les participants ont recommandé de :", "The participants recommended:",
    "Objectifs de l'atelier :", "Key recommendations", "أوصى المشاركون بما يلي:",
    "## Recommandations", "3. Recommandations",
])
def test_each_section_heading_opens_a_list(heading):
    page = ("Accueil\nActualités\n\nUn article de presse sur la migration qui raconte "
            "longuement les échanges de la journée entre les participants des ministères.\n\n"
            f"{heading}\n\n- Renforcer la coordination entre institutions.\n"
            "- Publier un rapport annuel sur la migration.\n")
    assert find_items(page) == ["Renforcer la coordination entre institutions.",
                                "Publier un rapport annuel sur la migration."]


def test_a_list_away_from_any_heading_in_page_furniture_is_ignored():
    page = ("Un long article sans liste qui parle de la migration en Tunisie et des travaux de "
            "l'observatoire, avec beaucoup de détails sur les sessions et les échanges.\n\n"
            "• Migration : un nouveau programme de l'OIM à Médenine pour les jeunes\n"
            "• Tunisie-Italie : accord sur 12 000 visas de travail saisonnier en 2024\n")
    assert find_items(page) == []


def test_a_menu_entry_naming_objectives_opens_no_section():
    page = ("Accueil\nNos objectifs\nActualités\nContact\n\n- Un lien vers un autre article "
            "de presse\n- Un second lien vers un autre article de presse\n\nUn long article "
            "sans liste qui parle de la migration en Tunisie et des travaux de l'observatoire.")
    assert find_items(page) == []


def test_a_list_in_a_read_also_block_is_ignored_even_under_a_keyword_headline():
    page = ("Recommandations\n\n1. Renforcer le système d'information de l'ONM.\n"
            "2. Former les journalistes.\n\nLire aussi\n\nLes recommandations de l'OIT sur le "
            "recrutement\n\n- Un autre article sur la migration de travail\n"
            "- Encore un article sur la mobilité des jeunes\n")
    assert find_items(page) == ["Renforcer le système d'information de l'ONM.",
                                "Former les journalistes."]


def test_items_that_are_furniture_are_dropped_inside_a_section():
    page = ("Recommandations :\n\n"
            "- Renforcer le système d'information de l'ONM.\n"
            "- Voir aussi\n"
            "- Contact : presse@onm.example.tn\n"
            "- Tél. : +216 71 000 000\n"
            "- Tunis, le 27 juillet 2022\n"
            "- Court\n"
            "- Lorem ipsum dolor sit amet, consectetur adipiscing elit.\n"
            "- Former les journalistes au traitement des questions migratoires.\n")
    assert find_items(page) == ["Renforcer le système d'information de l'ONM.",
                                "Former les journalistes au traitement des questions "
                                "migratoires."]


def test_a_list_mostly_of_contacts_and_links_is_dropped_whole():
    page = ("Recommandations :\n\n- Contact : a@example.org\n- Tél. : +216 71 000 000\n"
            "- Read also: https://example.org/an-article\n- Partager sur Facebook\n"
            "- Créer un observatoire régional des migrations à Sfax.\n")
    assert find_items(page) == []


def test_very_long_paragraphs_under_a_heading_are_not_items():
    prose = "La journée a permis des échanges nourris entre les participants. " * 15
    page = f"Recommandations\n\n{prose}\n\nRenforcer le système d'information de l'ONM."
    assert find_items(page) == []


def test_paragraphs_under_a_recommendations_heading_are_items():
    page = ("Rapport de l'atelier\n\nRecommandations\n\n"
            "Renforcer le système d'information de l'ONM et le relier à celui de l'INS.\n\n"
            "Créer un réseau de journalistes formés aux questions migratoires.\n\n"
            "Voir aussi\n\nLes objectifs du programme FAIR\n\nUn autre titre d'article")
    assert find_items(page) == [
        "Renforcer le système d'information de l'ONM et le relier à celui de l'INS.",
        "Créer un réseau de journalistes formés aux questions migratoires."]


def test_an_inline_list_in_the_lead_in_sentence_is_split():
    page = ("Au terme des débats, les participants ont recommandé : 1) de renforcer la collecte "
            "des données sur la migration de retour ; 2) de créer un comité de suivi des accords "
            "bilatéraux ; 3) d'associer les universités aux travaux de l'observatoire.")
    assert find_items(page) == [
        "de renforcer la collecte des données sur la migration de retour",
        "de créer un comité de suivi des accords bilatéraux",
        "d'associer les universités aux travaux de l'observatoire."]


def test_a_hard_wrapped_pdf_text_joins_lines_and_stops_at_the_next_paragraph():
    page = ("Atelier national sur la migration de travail\n"
            "Tunis, 12 mai 2024\n"
            "Le présent rapport rend compte des travaux de l'atelier national qui a réuni\n"
            "les représentants des ministères, des partenaires sociaux et de la société.\n"
            "Recommandations\n"
            "Les participants ont formulé les recommandations suivantes :\n"
            "1. Renforcer le système national d'information sur la migration de travail en\n"
            "harmonisant les sources administratives et les enquêtes auprès des ménages.\n"
            "2. Mettre en place un mécanisme de suivi des accords bilatéraux de main-\n"
            "d'œuvre signés par la Tunisie, avec des rapports annuels publiés.\n"
            "3. Associer les universités et les centres de recherche à l'évaluation.\n"
            "La séance de clôture a été présidée par le directeur général de l'observatoire.\n"
            "Page 2 sur 4\n")
    assert find_items(page) == [
        "Renforcer le système national d'information sur la migration de travail en "
        "harmonisant les sources administratives et les enquêtes auprès des ménages.",
        "Mettre en place un mécanisme de suivi des accords bilatéraux de main-d'œuvre signés "
        "par la Tunisie, avec des rapports annuels publiés.",
        "Associer les universités et les centres de recherche à l'évaluation."]


def test_a_list_resumes_after_a_paragraph_that_explains_an_item():
    page = ("Principales recommandations\n\n1. Renforcer le système d'information de l'ONM.\n\n"
            "Cette recommandation vise notamment l'interconnexion avec l'INS.\n\n"
            "2. Créer des indicateurs adaptés au contexte tunisien.\n")
    assert find_items(page) == [
        "Renforcer le système d'information de l'ONM.\n"
        "Cette recommandation vise notamment l'interconnexion avec l'INS.",
        "Créer des indicateurs adaptés au contexte tunisien."]


def test_nested_lettered_items_join_their_numbered_item():
    page = ("Recommandations :\n1. Axe données :\n   a) créer une base de données commune ;\n"
            "   b) publier un annuaire statistique annuel.\n"
            "2. Axe communication : former les journalistes des médias publics.\n")
    assert find_items(page) == [
        "Axe données :\n- créer une base de données commune\n"
        "- publier un annuaire statistique annuel.",
        "Axe communication : former les journalistes des médias publics."]


def test_a_numbered_section_heading_is_no_item_but_an_item_naming_objectives_is():
    assert find_items("Rapport\n\n3. Recommandations\n\n3.1 Former les journalistes aux "
                      "faits.\n3.2 Publier un annuaire statistique.\n") == [
        "Former les journalistes aux faits.", "Publier un annuaire statistique."]
    assert find_items("Recommandations\n\n- Atteindre les objectifs du PMM\n"
                      "- Former les journalistes aux faits\n") == [
        "Atteindre les objectifs du PMM", "Former les journalistes aux faits"]


def test_letters_run_past_i_without_turning_roman():
    lines = "\n".join(f"{chr(ord('a') + n)}) objectif numéro {n + 1} de l'atelier régional"
                      for n in range(10))
    assert len(find_items("Objectifs :\n" + lines)) == 10


def test_arabic_indic_digits_and_abjad_letters():
    indic = ("أوصى المشاركون بما يلي:\n\n١. إرساء نظام معلومات وطني حول الهجرة\n"
             "٢. تكوين الصحفيين في مجال الهجرة والخطاب الإعلامي\n")
    assert find_items(indic) == ["إرساء نظام معلومات وطني حول الهجرة",
                                 "تكوين الصحفيين في مجال الهجرة والخطاب الإعلامي"]
    abjad = ("الأهداف\n\nأ) تعزيز التعاون الدولي في مجال الهجرة النظامية\n"
             "ب) حماية حقوق العمال المهاجرين في بلدان الاستقبال\n")
    assert find_items(abjad) == ["تعزيز التعاون الدولي في مجال الهجرة النظامية",
                                 "حماية حقوق العمال المهاجرين في بلدان الاستقبال"]


def test_a_list_pasted_on_its_own_gives_its_items():
    assert find_items("1. Renforcer le système d'information de l'ONM.\n"
                      "2. Créer des indicateurs adaptés au contexte tunisien.\n") == [
        "Renforcer le système d'information de l'ONM.",
        "Créer des indicateurs adaptés au contexte tunisien."]


def test_the_same_item_twice_gives_one_draft():
    page = ("Recommandations\n\n- Former les journalistes aux migrations.\n\nObjectifs\n\n"
            "- Former les journalistes aux migrations.\n")
    assert titles(page) == ["Former les journalistes aux migrations"]


@pytest.mark.parametrize("text", ["", "   \n\n", "Bonjour", "Lorem ipsum dolor sit amet."])
def test_empty_or_trivial_texts_give_nothing(text):
    assert find_drafts(text) == []


# -- Titles -------------------------------------------------------------------------------


def test_title_is_the_text_before_a_colon_else_the_whole_text():
    assert make_title("Système d'information : relier les bases de l'ONM et de l'INS.") == \
        "Système d'information"
    assert make_title("créer un comité de suivi des accords.") == \
        "Créer un comité de suivi des accords"
    # A colon with nothing much after it, or in an address, does not cut the title.
    assert make_title("Voir le site https://onm.example.tn/rapport pour le détail") == \
        "Voir le site https://onm.example.tn/rapport pour le détail"


def test_long_titles_are_cut_on_a_word_boundary_to_300_characters():
    text = "Renforcer " + "la coordination interinstitutionnelle " * 12
    title = make_title(text)
    assert len(title) <= 300
    assert title.endswith("…")
    assert text.startswith(title[:-1])
    assert title[:-1].endswith("interinstitutionnelle") or title[:-1].endswith("coordination") \
        or title[:-1].endswith("la")
    head = "Renforcer " + "la coordination " * 30
    assert len(make_title(head + ": " + "x" * 40)) <= 300


# -- Suggestions ----------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "theme", "objective"), [
    ("Renforcer le SYSTEME D'INFORMATION de l'observatoire", "information_systems", 1),
    ("Publier des statistiques annuelles", "information_systems", 1),
    ("Créer des indicateurs adaptés", "indicators", 1),
    ("Former les journalistes et les médias", "journalists_public_discourse", 17),
    ("Un discours public fondé sur les faits", "journalists_public_discourse", 17),
    ("Des partenariats avec les universités", "research_partnerships", 23),
    ("Soutenir la recherche sur les migrations", "research_partnerships", 23),
    ("Suivre la mise en œuvre du Pacte mondial (PMM)", "gcm_agreements_followup", 23),
    ("Évaluer les accords bilatéraux de main-d'œuvre", "gcm_agreements_followup", 6),
    ("Train journalists on public discourse", "journalists_public_discourse", 17),
    ("Build a migration data platform", "information_systems", 1),
    ("تكوين الصحفيين في مجال الخطاب الإعلامي", "journalists_public_discourse", 17),
    ("إرساء قاعدة بيانات وطنية حول الهجرة", "information_systems", 1),
])
def test_themes_and_objectives_are_suggested_from_the_words(text, theme, objective):
    suggestion = suggest(text)
    assert suggestion.theme == theme
    assert objective in suggestion.gcm_objectives
    assert suggestion.reasons


@pytest.mark.parametrize(("text", "objective"), [
    ("Améliorer les conditions de travail des migrants", 6),
    ("Lutter contre le recrutement abusif", 6),
    ("Reconnaître les compétences acquises", 18),
    ("Mobiliser la diaspora", 19),
    ("Réduire le coût des transferts de fonds", 20),
    ("Étendre la protection sociale", 22),
    ("Faciliter le retour des migrants", 21),
    ("Accompagner la réintégration", 21),
    ("Lutter contre la traite des personnes", 10),
    ("Démanteler les réseaux de trafic de migrants", 9),
    ("Support the reintegration of returnees", 21),
    ("تخفيض كلفة التحويلات المالية", 20),
    ("دعم العودة الطوعية", 21),
])
def test_gcm_objectives_from_their_keywords(text, objective):
    assert objective in suggest(text).gcm_objectives


def test_suggestions_ignore_case_and_accents_and_give_the_words_found():
    suggestion = suggest("RÉINTÉGRATION et Reintegration des migrants de RETOUR")
    assert suggestion.gcm_objectives == [21]
    assert suggestion.reasons == ["RÉINTÉGRATION", "RETOUR"]  # one word, written twice
    assert normalise("Système d’Information") == "systeme d'information"


def test_work_meetings_are_not_labour_and_mediterranean_is_not_media():
    suggestion = suggest("Un groupe de travail sur la méthode de travail en Méditerranée")
    assert suggestion.gcm_objectives == []
    assert suggestion.theme is None
    assert suggest("Rien à voir").reasons == []


def test_at_most_three_objectives_are_suggested():
    text = ("données, emploi, diaspora, transferts de fonds, protection sociale, retour, traite "
            "des personnes, trafic, compétences, frontières")
    assert len(suggest(text).gcm_objectives) == 3


# -- Files ---------------------------------------------------------------------------------


def minimal_pdf(lines: list[str]) -> bytes:
    """Return a one-page PDF showing `lines` in Helvetica, written by hand."""

    def literal(line: str) -> bytes:
        data = line.encode("cp1252")
        return b"(" + data.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") \
            + b")"

    content = (b"BT /F1 11 Tf 14 TL 50 800 Td "
               + b" ".join(literal(line) + b" Tj T*" for line in lines) + b" ET")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref)
    return bytes(out)


def word_document(numbered: list[str]) -> bytes:
    """Return a .docx with a menu line, a heading and Word-numbered recommendations."""
    document = docx.Document()
    document.add_paragraph("Accueil")
    document.add_heading("Atelier national sur la migration de travail", 1)
    document.add_paragraph("Le présent rapport rend compte des échanges de la journée.")
    document.add_heading("Recommandations", 2)
    for text in numbered:
        document.add_paragraph(text, style="List Number")
    document.add_paragraph("Contact : presse@onm.example.tn")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_docx_paragraphs_and_word_numbering_are_read():
    data = word_document(["Système d'information : relier les bases de l'ONM et de l'INS.",
                          "Journalistes : former les journalistes au discours public."])
    text = readers.read_bytes("rapport.DOCX", data)
    assert "1. Système d'information" in text and "2. Journalistes" in text
    assert titles(text) == ["Système d'information", "Journalistes"]


def test_pdf_text_is_read():
    data = minimal_pdf(["Recommandations", "1. Renforcer le système d'information (données).",
                        "2. Créer des indicateurs adaptés au contexte tunisien."])
    text = readers.read_bytes("rapport.pdf", data)
    assert find_items(text) == ["Renforcer le système d'information (données).",
                                "Créer des indicateurs adaptés au contexte tunisien."]


@pytest.mark.parametrize(("encoding", "name"), [("utf-8", "r.txt"), ("utf-8-sig", "r.md"),
                                                ("utf-16", "r.txt"), ("cp1252", "r.txt")])
def test_text_files_are_decoded(encoding, name):
    assert readers.read_bytes(name, "Données élevées".encode(encoding)) == "Données élevées"


def test_a_file_on_disk_is_read(tmp_path):
    path = tmp_path / "report.md"
    path.write_text("# Recommandations\n\n- Former les journalistes.\n", encoding="utf-8")
    assert "Former les journalistes" in readers.read_path(path)


@pytest.mark.parametrize(("name", "data", "message"), [
    ("rapport.odt", b"PK\x03\x04", "not a type the importer reads"),
    ("rapport", b"text", "not a type the importer reads"),
    ("rapport.txt", b"", "is empty"),
    ("rapport.txt", b"\x00\x01\x02binary", "damaged"),
    ("rapport.docx", b"PK\x03\x04 not really a zip", "damaged"),
    ("rapport.docx", b"plain text", "damaged"),
    ("rapport.pdf", b"%PDF-1.4 nothing else", "damaged"),
    ("rapport.pdf", b"not a pdf", "damaged"),
    ("rapport.pdf", minimal_pdf([]), "No text could be read"),
])
def test_unreadable_files_are_refused_with_a_clear_message(name, data, message):
    with pytest.raises(readers.ReportUnreadable, match=message):
        readers.read_bytes(name, data)


def test_files_over_the_limit_are_refused(tmp_path):
    with pytest.raises(readers.ReportTooLarge, match="larger than the 10 MB allowed"):
        readers.read_bytes("big.txt", b"a" * (readers.MAX_BYTES + 1))
    path = tmp_path / "big.txt"
    path.write_bytes(b"a" * 2048)
    with pytest.raises(readers.ReportTooLarge):
        readers.read_path(path, max_bytes=1024)
    with pytest.raises(readers.ReportUnreadable, match="cannot be read"):
        readers.read_path(tmp_path / "missing.txt")
