"""Email bodies: a plain-text and an HTML template per kind, in the recipient's language.

An outbox row is rendered when it is sent (`render_row`): its JSON context names rows by
id (`encode_context` at planning, `decode_context` at sending), so the email says what
holds at that moment, in the recipient's language of that moment, and its links are made
then, on the TRACKER_BASE_URL of that moment. A preview renders the same email with
"[link]" for every link, and creates none.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import Enum
from typing import Any

from babel.support import Translations
from flask import current_app
from flask_babel import force_locale
from jinja2 import Environment, Template
from markupsafe import Markup
from sqlalchemy import select
from werkzeug.local import LocalProxy

from tracker.extensions import db
from tracker.models import (
    Action,
    ActionUpdate,
    Event,
    ExtensionRequest,
    OutboxMessage,
    Status,
    User,
)
from tracker.permissions import can_update_action
from tracker.reminders import links, messages
from tracker.replies import reference
from tracker.urls import external_url

# The templates whose emails carry one-click links (start, complete, extend).
ACTION_LINK_TEMPLATES = frozenset({"deadline_approaching", "overdue", "awaiting_news"})
# The statuses in which each one-click operation makes sense.
OPERATION_STATUSES = {
    "start": frozenset({Status.NOT_STARTED, Status.BLOCKED}),
    "complete": frozenset({Status.NOT_STARTED, Status.IN_PROGRESS, Status.BLOCKED}),
    "extend": frozenset({Status.NOT_STARTED, Status.IN_PROGRESS, Status.BLOCKED}),
}
# The rows a context may name; anything else in a context is a plain value.
REFERENCED = {model.__name__: model
              for model in (Action, ActionUpdate, Event, ExtensionRequest, User)}
PLACEHOLDER = "[link]"
# str.splitlines()'s line boundaries.
LINE_BREAKS_RE = re.compile(r"[ \t]*(?:[\n\r\v\f\x1c-\x1e\x85\u2028\u2029][ \t]*)+")
URL_RE = re.compile(r"""https?://[^\s"'<>]+""")


@dataclass
class RenderedEmail:
    """Subject and bodies of one email, and the headers that go with them."""

    subject: str
    text: str
    html: str
    locale: str
    headers: dict[str, str] = field(default_factory=dict)


def recipient_locale(user: User) -> str:
    """Return the language a user reads their email in."""
    return user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]


def email_environment(locale: str) -> Environment:
    """Return a template environment whose gettext reads the catalog of `locale` directly.

    Delivery renders thousands of emails; resolving the locale through the request
    machinery on every message string costs more than the rest of the rendering.
    """
    cache = current_app.extensions.setdefault("tracker.email_environments", {})
    environment = cache.get(locale)
    if environment is None:
        # A separate environment, not an overlay: an overlay shares the i18n installer of
        # the app's environment and would switch the language of the web pages.
        app_environment = current_app.jinja_env
        environment = Environment(
            loader=app_environment.loader, autoescape=current_app.select_jinja_autoescape,
            extensions=["jinja2.ext.i18n"], auto_reload=app_environment.auto_reload)
        environment.filters.update(app_environment.filters)
        environment.globals.update(app_environment.globals)
        environment.globals.update(event_subject=messages.event_subject,
                                   event_sentence=messages.event_sentence,
                                   status_label=status_label, list_url=list_url)
        translations = Translations.load(current_app.config["BABEL_TRANSLATION_DIRECTORIES"],
                                         [locale])
        environment.install_gettext_translations(translations, newstyle=True)
        cache[locale] = environment
    return environment


def status_label(value: str | None) -> str:
    """Return the label of a status kept in a context by its value ("" for none)."""
    return Status(value).label if value else ""


def list_url(**filters: str | int) -> str:
    """Return the absolute link to the action list with `filters` (an email's "and N more")."""
    return external_url("actions.index", **filters)


def one_line(text: str) -> str:
    """Return `text` on one line: each line break, with the blanks around it, as one space.

    Other spaces stay as they are (French puts a no-break space before a colon).
    """
    return LINE_BREAKS_RE.sub(" ", text).strip()


def _subject(template: Template, context: dict[str, Any]) -> str:
    # The subject block of the text template, rendered alone: a line break in a title
    # then cannot end the subject early (or start a header of its own).
    return "".join(template.blocks["subject"](template.new_context(context)))


def render_subject(name: str, user: User, **context: Any) -> str:
    """Return the subject of templates/email/<name>.txt for `user`, on one line."""
    locale = recipient_locale(user)
    template = email_environment(locale).get_template(f"email/{name}.txt")
    with force_locale(locale):
        return one_line(_subject(template, {"user": user, **context}))


def render_email(name: str, user: User, **context: Any) -> RenderedEmail:
    """Render templates/email/<name>.txt and .html for `user`, in their language.

    The subject is the text template's first line ("Subject: {% block subject %}...").
    """
    locale = recipient_locale(user)
    environment = email_environment(locale)
    template = environment.get_template(f"email/{name}.txt")
    with force_locale(locale):  # dates and numbers follow the recipient's locale too
        text = template.render(user=user, **context)
        subject = _subject(template, {"user": user, **context})
        html = environment.get_template(f"email/{name}.html").render(
            user=user, locale=locale, **context)
    body = text.removeprefix(f"Subject: {subject}")
    return RenderedEmail(subject=one_line(subject), text=body.lstrip("\n"), html=html,
                         locale=locale)


def encode_context(value: Any) -> Any:
    """Return `value` as JSON: rows as references ({"$ref": "Action", "id": 3}), dates and
    times as ISO strings in {"$date": ...} or {"$datetime": ...}, enums as their values."""
    if isinstance(value, LocalProxy):  # current_user, passed on as the actor of a change
        value = value._get_current_object()
    if isinstance(value, db.Model):
        return {"$ref": type(value).__name__, "id": value.id}
    if isinstance(value, datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {str(k): encode_context(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [encode_context(v) for v in value]
    return value


def _references(value: Any, found: dict[str, set[int]]) -> None:
    if isinstance(value, dict):
        if "$ref" in value:
            found.setdefault(value["$ref"], set()).add(value["id"])
        else:
            for item in value.values():
                _references(item, found)
    elif isinstance(value, list):
        for item in value:
            _references(item, found)


def decode_context(data: dict[str, Any]) -> dict[str, Any]:
    """Return the context `encode_context` wrote, with its rows loaded (one query per model).

    A row deleted since planning reads as None, and is left out of lists.
    """
    found: dict[str, set[int]] = {}
    _references(data, found)
    loaded: dict[tuple[str, int], Any] = {}
    for name, ids in found.items():
        model = REFERENCED[name]  # a KeyError for a name that is not ours: never load it
        ordered = sorted(ids)
        for start in range(0, len(ordered), 900):
            for row in db.session.scalars(
                    select(model).where(model.id.in_(ordered[start:start + 900]))):
                loaded[name, row.id] = row

    def decode(value: Any) -> Any:
        if isinstance(value, dict):
            if "$ref" in value:
                return loaded.get((value["$ref"], value["id"]))
            if "$date" in value:
                return date.fromisoformat(value["$date"])
            if "$datetime" in value:
                return datetime.fromisoformat(value["$datetime"])
            return {k: decode(v) for k, v in value.items()}
        if isinstance(value, list):
            return [item for item in (decode(v) for v in value) if item is not None]
        return value

    return decode(data)


def operations(action: Action | None) -> list[str]:
    """Return the one-click operations that make sense for `action` as it stands now."""
    if action is None:
        return []
    return [op for op in links.ACTION_OPERATIONS if action.status in OPERATION_STATUSES[op]]


def action_links(row: OutboxMessage, user: User, *, preview: bool) -> dict[str, str]:
    """Return the links of the action an item row is about, for `user`, made now.

    A one-click link carries the action's version of this moment: confirmed after the
    action changed, it shows the change and does nothing. Buttons are offered only where
    `user` may update the action (a delegate's copy: only where the delegate may).
    """
    if preview:
        urls = {"action_url": PLACEHOLDER, "update_url": PLACEHOLDER}
    else:
        urls = {"action_url": external_url("actions.show", action_id=row.action_id)}
        urls["update_url"] = urls["action_url"] + "#update-heading"
    if row.template in ACTION_LINK_TEMPLATES and row.action is not None and (
            can_update_action(user, row.action)):
        for operation in operations(row.action):
            urls[f"{operation}_url"] = PLACEHOLDER if preview else links.action_link(
                user.id, row.action_id, operation, row.link_id, row.action.version)
    return urls


def without_shown(value: Any, shown: set[int]) -> Any:
    """Return a weekly digest's or summary's decoded context without the actions `shown`
    above it in the same daily email, so that no action is listed twice.

    Lists lose the actions (or entries about an action) already shown, and a section's
    "count" goes down with them; the summary's news ("events") stays whole, since it says
    what no reminder says.
    """
    def about(item: Any) -> int | None:
        if isinstance(item, Action):
            return item.id
        if isinstance(item, dict) and isinstance(item.get("action"), Action):
            return item["action"].id
        return None

    if isinstance(value, list):
        return [item for item in value if about(item) not in shown]
    if isinstance(value, dict):
        result = {key: item if key == "events" else without_shown(item, shown)
                  for key, item in value.items()}
        if isinstance(value.get("items"), list) and isinstance(value.get("count"), int):
            result["count"] = value["count"] - (len(value["items"]) - len(result["items"]))
        return result
    return value


def _weekly_part(item: OutboxMessage, user: User, urls: dict[str, str],
                 shown: set[int]) -> dict[str, Any] | None:
    """Return a weekly digest or summary as a part of a daily email: its text and HTML
    without their greeting and footer, and without the actions `shown` above it (None
    for a digest left with nothing to list)."""
    context = without_shown(decode_context(item.context or {}), shown)
    if item.template == "weekly_digest" and not any(
            context.get(name) for name in ("overdue", "due_soon", "later", "pending")):
        return None
    context = {"user": user, **context, **urls}
    locale = recipient_locale(user)
    environment = email_environment(locale)
    with force_locale(locale):
        text = environment.get_template(f"email/{item.template}.txt").render(context)
        html_template = environment.get_template(f"email/{item.template}.html")
        html = "".join(html_template.blocks["body"](html_template.new_context(context)))
    text = text.split("\n", 2)[2] if text.count("\n") >= 2 else text  # subject, greeting
    text = text.rsplit("\n--\n", 1)[0].strip("\n")
    html = html.split("</p>", 1)[1] if "</p>" in html else html  # the greeting
    return {"template": item.template, "text": text, "html": Markup(html)}


def _addressed_to(item: OutboxMessage, user: User) -> bool:
    """Tell whether an item is `user`'s: their own, or one of someone they stand in for."""
    return item.recipient_id == user.id or (
        item.recipient is not None and item.recipient.delegate_id == user.id)


def daily_items(row: OutboxMessage, user: User, *, preview: bool,
                urls: dict[str, str] | None = None) -> dict[str, list[dict]]:
    """Return the items of a daily email by section, each with its context and links.

    The weekly digest or summary comes last and leaves out the actions the reminders
    above it show (see `without_shown`): on Mondays no action is listed twice.
    """
    from tracker.reminders.daily import SECTIONS

    ids = list((row.context or {}).get("items", []))
    items = {item.id: item for item in db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.id.in_(ids)))}
    sections: dict[str, list[dict]] = {name: [] for name, _ in SECTIONS}
    weekly: list[OutboxMessage] = []
    shown: set[int] = set()
    for item_id in ids:
        item = items.get(item_id)
        if item is None or not _addressed_to(item, user):
            continue
        for name, templates in SECTIONS:
            if item.template in templates and name == "weekly":
                weekly.append(item)
                break
            if item.template in templates:
                context = decode_context(item.context or {})
                buttons = (action_links(item, user, preview=preview)
                           if item.action_id is not None else {})
                sections[name].append({
                    "action": item.action, "template": item.template, **context, **buttons,
                    "delegated_from": item.recipient if item.recipient_id != user.id else None})
                if item.action_id is not None:
                    shown.add(item.action_id)
                break
    for item in weekly:
        part = _weekly_part(item, user, urls or {}, shown)
        if part is not None:
            sections["weekly"].append(part)
    return {name: entries for name, entries in sections.items() if entries}


def row_links(row: OutboxMessage, user: User, *, preview: bool) -> dict[str, str]:
    """Return the URLs the email of `row` shows, made now (or "[link]" for a preview)."""
    if preview:
        names = ["action_url", "update_url", "my_actions_url", "stale_url", "review_url",
                 "unsubscribe_url", "preferences_url", "start_url", "complete_url",
                 "extend_url", "reset_url", "invitation_url"]
        return dict.fromkeys(names, PLACEHOLDER)
    urls = {"my_actions_url": external_url("actions.mine"),
            "stale_url": external_url("actions.index", stale="1"),
            "review_url": external_url("review.queue"),
            "unsubscribe_url": links.unsubscribe_link(user.id, row.kind.value),
            "preferences_url": external_url("reminders.preferences")}
    if row.action_id is not None:
        urls.update(action_links(row, user, preview=False))
    if row.template == "password_reset":
        # Imported here: the reset service queues its email through this package.
        from tracker.auth.reset import issue_link

        urls["reset_url"] = issue_link(user)
    if row.template == "invitation":
        from tracker.auth import invitation

        urls["invitation_url"] = invitation.issue_link(user)
    return urls


def render_row(row: OutboxMessage, *, preview: bool = False) -> RenderedEmail:
    """Render the email of an outbox row now, for its recipient as they are now.

    Sending creates its links (a reset link's digest is flushed); a preview creates none.
    Raises LookupError when the recipient is gone.
    """
    user = row.recipient
    if user is None:
        raise LookupError("the recipient no longer exists")
    urls = row_links(row, user, preview=preview)
    context = decode_context(row.context or {})
    if row.template == "daily":
        context["sections"] = daily_items(row, user, preview=preview, urls=urls)
    email = render_email(row.template, user, action=row.action, **context, **urls)
    email.headers = {"List-Unsubscribe": f"<{urls['unsubscribe_url']}>",
                     "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
    if not preview:  # the signed reference a reply brings back (tracker/replies)
        email.headers.update(reference.headers(row.message_uuid,
                                               current_app.config["MAIL_DEFAULT_SENDER"]))
    return email


def without_links(text: str) -> str:
    """Return `text` with every URL replaced by "[link]" (what the outbox keeps)."""
    return URL_RE.sub(PLACEHOLDER, text)
