"""Multiple selects as searchable pickers: chosen with the keyboard alone, in the page's
language, mirrored in Arabic, and nothing serious for axe."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.conftest import axe_violations, login, screenshot
from tests.conftest import PASSWORD
from tracker.extensions import db
from tracker.models import GcmObjective, Recommendation, Role


@pytest.fixture
def coordinator_and_recommendation(make_user, make_recommendation):
    coordinator = make_user(Role.COORDINATOR, name="Karim Ben Salah", email="karim@onm.example")
    recommendation = make_recommendation(title="Renforcer le système d'information")
    return coordinator, recommendation


def saved_objectives(recommendation_id: int) -> list[int]:
    db.session.expire_all()
    recommendation = db.session.get(Recommendation, recommendation_id)
    return sorted(o.number for o in recommendation.gcm_objectives)


def test_two_gcm_objectives_are_found_and_chosen_with_the_keyboard_only(
        new_page, coordinator_and_recommendation):
    coordinator, recommendation = coordinator_and_recommendation
    page = new_page(locale="fr-FR")
    login(page, coordinator.email, PASSWORD)
    page.goto(f"/recommendations/{recommendation.id}/edit")
    page.locator("#theme").focus()
    page.keyboard.press("Tab")  # from the field before it into the picker
    picker = page.get_by_role("combobox", name="Objectifs du PMM")
    assert picker.evaluate("node => node === document.activeElement")

    page.keyboard.type("frontières")
    expect(page.locator(".ts-dropdown").get_by_role("option")).to_have_text(
        ["11. Gérer les frontières"])
    page.keyboard.press("Enter")
    page.keyboard.type("donn")
    expect(page.locator(".ts-dropdown").get_by_role("option")).to_have_text(["1. Données"])
    page.keyboard.press("Enter")
    page.keyboard.type("zzz")
    expect(page.locator(".ts-dropdown .no-results")).to_have_text("Aucun résultat")
    for _ in range(3):
        page.keyboard.press("Backspace")
    # What is chosen shows in the field, and the plain select posts it.
    chosen = page.locator(".ts-control .item")
    assert chosen.evaluate_all("items => items.map(i => i.firstChild.textContent)") == [
        "11. Gérer les frontières", "1. Données"]
    assert chosen.get_by_role("button", name="Supprimer").count() == 2
    screenshot(page, "picker-fr")
    page.keyboard.press("Escape")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent.trim()")
    assert focused == "Enregistrer"
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/recommendations/{recommendation.id}")
    assert saved_objectives(recommendation.id) == [1, 11]

    # Back on the form, the saved ones show as chosen; Backspace takes the last one off.
    page.goto(f"/recommendations/{recommendation.id}/edit")
    assert page.locator(".ts-control .item").count() == 2
    page.locator("#theme").focus()
    page.keyboard.press("Tab")
    page.keyboard.press("Backspace")
    page.keyboard.press("Escape")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/recommendations/{recommendation.id}")
    assert len(saved_objectives(recommendation.id)) == 1


def test_without_javascript_the_plain_select_still_saves(
        browser, live_server, coordinator_and_recommendation):
    coordinator, recommendation = coordinator_and_recommendation
    context = browser.new_context(base_url=live_server, java_script_enabled=False, locale="fr-FR")
    try:
        page = context.new_page()
        login(page, coordinator.email, PASSWORD)
        page.goto(f"/recommendations/{recommendation.id}/edit")
        assert page.locator(".ts-wrapper").count() == 0
        page.select_option("#gcm_objectives", ["3", "17"])
        page.get_by_role("button", name="Enregistrer").click()
        page.wait_for_url(f"**/recommendations/{recommendation.id}")
    finally:
        context.close()
    assert saved_objectives(recommendation.id) == [3, 17]


@pytest.mark.parametrize("locale", ["fr", "en", "ar"])
def test_a_page_with_pickers_has_no_serious_axe_violation_open_or_closed(
        new_page, coordinator_and_recommendation, locale):
    coordinator, recommendation = coordinator_and_recommendation
    coordinator.locale = locale
    recommendation.gcm_objectives = list(db.session.scalars(
        select(GcmObjective).where(GcmObjective.number.in_([2, 8]))))
    db.session.commit()
    page = new_page(locale=locale, bypass_csp=True)  # lets axe-core be injected
    login(page, coordinator.email, PASSWORD)
    page.goto(f"/recommendations/{recommendation.id}/edit")
    assert page.locator(".ts-wrapper").count() == 1
    assert axe_violations(page) == []
    page.locator("#theme").focus()
    page.keyboard.press("Tab")
    page.keyboard.type("1")
    assert page.locator(".ts-dropdown").get_by_role("option").count() > 1
    assert axe_violations(page) == []
    if locale == "ar":
        wrapper = page.locator(".ts-wrapper")
        assert "rtl" in wrapper.get_attribute("class")
        # Chosen items start from the right edge of a right-to-left field.
        box = page.locator(".ts-control").bounding_box()
        first = page.locator(".ts-control .item").first.bounding_box()
        assert first["x"] + first["width"] > box["x"] + box["width"] * 0.6
        screenshot(page, "picker-ar")


def test_the_csp_lets_the_picker_run(new_page, coordinator_and_recommendation):
    coordinator, recommendation = coordinator_and_recommendation
    page = new_page(locale="en-GB")
    refused = []
    page.on("console", lambda message: refused.append(message.text)
            if "Content Security Policy" in message.text else None)
    login(page, coordinator.email, PASSWORD)
    page.goto(f"/recommendations/{recommendation.id}/edit")
    page.locator(".ts-wrapper").wait_for()
    page.locator("#theme").focus()
    page.keyboard.press("Tab")
    page.keyboard.type("data")
    expect(page.locator(".ts-dropdown").get_by_role("option")).to_have_text(["1. Data"])
    assert refused == []
