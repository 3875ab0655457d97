"""Fill the English catalog: the source strings are English, so each translates to itself.

    python scripts/fill_source_catalog.py tracker/translations/en/LC_MESSAGES/messages.po
"""

from __future__ import annotations

import sys

from babel.messages.pofile import read_po, write_po


def main(path: str) -> None:
    """Give every empty entry of the catalog at `path` its own msgid as translation."""
    with open(path, "rb") as handle:
        catalog = read_po(handle)
    for message in catalog:
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            singular, plural = message.id
            if not message.string or not all(message.string):
                message.string = (singular, plural)
        elif not message.string:
            message.string = message.id
        message.flags.discard("fuzzy")
    with open(path, "wb") as handle:
        write_po(handle, catalog, sort_output=True, ignore_obsolete=True)


if __name__ == "__main__":
    main(sys.argv[1])
