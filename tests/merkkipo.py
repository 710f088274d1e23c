# SPDX-License-Identifier: GPL-3.0-or-later
"""Reads gettext .po files for the tests (tests/check-translations.py, the
GUI's language test): no dependency beyond Python itself."""
import re


def unquote(s):
    s = s.strip()
    assert s.startswith('"') and s.endswith('"'), s
    return re.sub(r'\\(.)', lambda m: {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}[m.group(1)], s[1:-1])


def parse_po(path):
    """Entries as dicts: ctxt, id, plural, strs (list), fuzzy, obsolete."""
    entries = []
    with open(path, encoding="utf-8") as f:
        blocks = f.read().split("\n\n")
    for block in blocks:
        lines = [l for l in block.split("\n") if l.strip()]
        if not lines:
            continue
        e = {"ctxt": None, "id": None, "plural": None, "strs": {}, "fuzzy": False,
             "obsolete": all(l.startswith("#~") for l in lines)}
        field = None
        for l in lines:
            if e["obsolete"]:
                break
            if l.startswith("#,") and "fuzzy" in l:
                e["fuzzy"] = True
            if l.startswith("#"):
                continue
            m = re.match(r'(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(".*")$', l)
            if m:
                key, index, value = m.group(1), m.group(2), unquote(m.group(3))
                if key.startswith("msgstr"):
                    field = ("str", int(index or 0))
                    e["strs"][field[1]] = value
                else:
                    field = {"msgctxt": "ctxt", "msgid": "id", "msgid_plural": "plural"}[key]
                    e[field] = value
            elif l.startswith('"') and field is not None:
                if isinstance(field, tuple):
                    e["strs"][field[1]] += unquote(l)
                else:
                    e[field] += unquote(l)
        entries.append(e)
    return entries


def translations(path):
    """msgid -> msgstr of the translated, non-fuzzy singular messages
    without a context: what the app shows for each English text."""
    return {e["id"]: e["strs"][0] for e in parse_po(path)
            if e["id"] and not e["obsolete"] and not e["fuzzy"] and e["ctxt"] is None
            and e["plural"] is None and e["strs"].get(0)}
