"""Recommendations written in prose, and PDF text cleaned before reading: short texts
written for these tests, one per layout seen in real reports."""

from __future__ import annotations

from tracker.importing.cleanup import clean
from tracker.importing.parser import find_drafts


def test_a_reporting_verb_gives_a_draft_whose_title_drops_the_frame():
    drafts = find_drafts(
        "L'atelier s'est tenu à Tunis le 4 mars 2024 en présence de 60 participants.\n\n"
        "Les participants ont recommandé la création d'indicateurs propres à la Tunisie "
        "pour suivre la migration de main-d'œuvre.\n")
    assert len(drafts) == 1
    assert drafts[0]["title"] == ("Création d'indicateurs propres à la Tunisie pour suivre "
                                  "la migration de main-d'œuvre")
    assert drafts[0]["text"].startswith("Les participants ont recommandé la création")
    assert drafts[0]["cues"] == ["ont recommandé la"] or "recommandé" in drafts[0]["cues"][0]
    assert drafts[0]["confidence"] == "high"


def test_several_asks_in_one_paragraph_give_a_draft_each():
    drafts = find_drafts(
        "The panel also recommended that ministries share their data on returns. "
        "Speakers described the situation in the region. "
        "They also stressed the need to train labour inspectors in every governorate.\n")
    assert [d["title"] for d in drafts] == [
        "Ministries share their data on returns",
        "Train labour inspectors in every governorate"]


def test_an_inline_list_after_a_lead_in_gives_its_items():
    drafts = find_drafts(
        "Recommandations de la table ronde\n\n"
        "Elles sont les suivantes : renforcer le système d'information ; créer un "
        "observatoire régional ; former les journalistes ; signer les accords de "
        "sécurité sociale ; évaluer le plan d'action.\n")
    assert [d["title"] for d in drafts] == [
        "Renforcer le système d'information", "Créer un observatoire régional",
        "Former les journalistes", "Signer les accords de sécurité sociale",
        "Évaluer le plan d'action"]


def test_paragraphs_after_a_lead_in_are_items_until_the_last_ends_with_a_full_stop():
    drafts = find_drafts(
        "Les participants ont formulé une série de recommandations concrètes, dont :\n\n"
        "renforcer la coordination entre les ministères concernés par la migration ;\n\n"
        "mettre en place un guichet unique pour les migrants de retour ;\n\n"
        "publier chaque année les statistiques de la migration de travail.\n\n"
        "La séance a été levée à 17 heures.\n")
    assert [d["text"] for d in drafts][-3:] == [
        "renforcer la coordination entre les ministères concernés par la migration ;",
        "mettre en place un guichet unique pour les migrants de retour ;",
        "publier chaque année les statistiques de la migration de travail."]


def test_arabic_reporting_verbs_give_drafts():
    drafts = find_drafts(
        "انعقدت الورشة بتونس يوم 5 ماي 2023 بحضور ممثلي الوزارات.\n\n"
        "وأوصى المشاركون بضرورة إحداث مرصد جهوي للهجرة في كل ولاية. "
        "كما دعوا إلى تعزيز التنسيق بين الهياكل المعنية بالهجرة.\n")
    assert [d["title"] for d in drafts] == [
        "إحداث مرصد جهوي للهجرة في كل ولاية",
        "تعزيز التنسيق بين الهياكل المعنية بالهجرة"]
    assert all(d["confidence"] == "high" for d in drafts)


def test_a_report_that_recommends_nothing_gives_no_draft():
    text = ("La réunion s'est tenue à Sfax le 12 juin 2024.\n\nElle a réuni les membres du "
            "comité régional et les représentants de la société civile.\n")
    assert find_drafts(text) == []


def test_questions_are_not_recommendations():
    drafts = find_drafts("The conference discussed the following points:\n\n"
                         "  • What are the most effective migration strategies for the future?\n"
                         "  • How should states respond to irregular migrants?\n")
    assert drafts == []


def test_pdf_page_numbers_headers_and_hyphens_are_taken_out():
    page = "Rapport de l'atelier national - ONM 2024\n"
    text = (page + "Recommandations\n\n"
            "- Renforcer le système d'information sur la migration et les partici-\n"
            "pants au dispositif\n"
            "- Développer des indicateurs propres au contexte tunisien et les publier\n"
            "\n3\n\f" + page + "\n"
            "  chaque année avec l'INS\n"
            "- Former les journalistes au traitement de la migration\n"
            "\n4\n\f" + page + "Annexe : liste des participants\n")
    cleaned = clean(text)
    assert cleaned.count(page.strip()) == 1
    assert "participants au dispositif" in cleaned
    drafts = find_drafts(text)
    assert [d["text"] for d in drafts] == [
        "Renforcer le système d'information sur la migration et les participants au dispositif",
        "Développer des indicateurs propres au contexte tunisien et les publier chaque année "
        "avec l'INS",
        "Former les journalistes au traitement de la migration"]


def test_a_connective_opening_the_sentence_is_no_part_of_the_title():
    drafts = find_drafts(
        "A cet égard, il est nécessaire de renforcer la coordination entre les ministères.\n")
    assert [d["title"] for d in drafts] == [
        "Il est nécessaire de renforcer la coordination entre les ministères"]
