"""Helpers the test modules share: reading pages and forms as a browser would, and running
the reminder commands on a chosen day."""

from __future__ import annotations

import html
import re
from datetime import date, datetime
from html.parser import HTMLParser

import time_machine


def page_text(response):
    """Return the page's HTML with its character references decoded."""
    return html.unescape(response.get_data(as_text=True))


def field_errors(response, field_id):
    """Return the error messages shown under the form field `field_id`."""
    match = re.search(rf'<ul class="errors" id="{field_id}-errors">(.*?)</ul>',
                      response.get_data(as_text=True), re.S)
    if match is None:
        return []
    return [html.unescape(m) for m in re.findall(r"<li>(.*?)</li>", match.group(1), re.S)]


class _PageForm(HTMLParser):
    """Collect what a browser would submit from the page's main form (the one with no action),
    or from the form posting to `action`."""

    def __init__(self, action=None):
        super().__init__(convert_charrefs=True)
        self.action = action
        self.values = {}
        self.in_form = False
        self.select = None
        self.textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("action") == self.action:
            self.in_form = True
        if not self.in_form:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    self.values[name] = attrs.get("value", "on")
            elif kind != "submit":
                self.values[name] = attrs.get("value", "")
        elif tag == "select" and name:
            self.select = {"name": name, "multiple": "multiple" in attrs, "options": [],
                           "selected": []}
        elif tag == "option" and self.select is not None:
            self.select["options"].append(attrs.get("value", ""))
            if "selected" in attrs:
                self.select["selected"].append(attrs.get("value", ""))
        elif tag == "textarea" and name:
            self.textarea = name
            self.values[name] = ""

    def handle_endtag(self, tag):
        if tag == "form":
            self.in_form = False
        elif tag == "select" and self.select is not None:
            select, self.select = self.select, None
            if select["multiple"]:
                self.values[select["name"]] = select["selected"]
            else:  # a single select submits its selected option, else its first one
                chosen = select["selected"][-1:] or select["options"][:1]
                if chosen:
                    self.values[select["name"]] = chosen[0]
        elif tag == "textarea" and self.textarea:
            # Browsers drop the newline that starts a textarea's content.
            value = self.values[self.textarea]
            if value.startswith("\r\n"):
                value = value[2:]
            elif value.startswith("\n"):
                value = value[1:]
            self.values[self.textarea] = value
            self.textarea = None

    def handle_data(self, data):
        if self.textarea:
            self.values[self.textarea] += data


def form_on_page(response, action=None):
    """Return the values the page's main form (or its form posting to the URL `action`)
    would submit as it stands."""
    assert response.status_code == 200
    parser = _PageForm(action)
    parser.feed(response.get_data(as_text=True))
    return parser.values


def kpi(page: str, name: str) -> str:
    """Return the figure the dashboard shows in its `kpi-<name>` tile."""
    match = re.search(rf'id="kpi-{name}">([^<]+)<', page)
    assert match, f"no {name} figure on the page"
    return match.group(1).strip()


def at(day: date, tick: bool = True):
    """Travel to 07:00 in Tunis on `day` (the clock ticks on from there unless `tick` is
    False)."""
    return time_machine.travel(datetime.fromisoformat(day.isoformat() + "T07:00:00+01:00"),
                               tick=tick)


def plan(runner, day: date, *extra: str):
    """Run `flask reminders plan` for `day`, at 07:00 in Tunis on that day (clock still)."""
    with at(day, tick=False):
        result = runner.invoke(args=["reminders", "plan", "--date", day.isoformat(), *extra])
    assert result.exit_code == 0, result.output
    return result


def deliver(runner, day: date):
    """Run `flask reminders deliver` at 07:00 in Tunis on `day`.

    The clock stands still while delivering, so the one-click links, made when an email
    is sent, are signed at 07:00 sharp: a test that then follows them `at(day)` is never
    before their signing, however long delivery took.
    """
    with at(day, tick=False):
        result = runner.invoke(args=["reminders", "deliver"])
    assert result.exit_code == 0, result.output
    return result


def each_email_at_once(app) -> None:
    """Send every reminder as an email of its own, on every day of the week and of the
    year (no weekend, no public holiday).

    For the tests of each reminder's rules and wording; the daily email that gathers them
    and the working days have tests of their own (test_reminders_daily.py).
    """
    app.config.update(MAIL_DAILY_KINDS=(), WEEKEND_DAYS=(), HOLIDAY_COUNTRY="")
