#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Checks that every language in po/LINGUAS is complete and current: each
po/LANG.po passes `msgfmt --check`, has the right Plural-Forms, no fuzzy or
untranslated entry, and holds exactly the messages xgettext extracts from
the files in po/POTFILES.in today (so a string added to the sources and not
translated, or a translation of a string that is gone, fails here).
Fix a failure with build-aux/update-po.sh and by translating. Prints TAP."""
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from merkkipo import parse_po  # noqa: E402

root = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("MERKKI_SOURCE_ROOT", ".")
po_dir = os.path.join(root, "po")

# The plural rule each language needs (CLDR / GNU gettext's table).
PLURAL_FORMS = {
    "fi": "nplurals=2; plural=(n != 1);",
    "sv": "nplurals=2; plural=(n != 1);",
    "ta": "nplurals=2; plural=(n != 1);",
    "zh_CN": "nplurals=1; plural=0;",
    "ms": "nplurals=1; plural=0;",
}

# Meson's 'glib' gettext preset (po/meson.build): the keywords decide which
# strings are messages.
XGETTEXT_KEYWORDS = ["_", "N_", "C_:1c,2", "NC_:1c,2", "g_dcgettext:2", "g_dngettext:2,3", "g_dpgettext2:2c,3"]


def key(e):
    return (e["ctxt"], e["id"], e["plural"])


def show(k):
    ctxt, msgid, plural = k
    return "%s%r" % ("[%s] " % ctxt if ctxt else "", msgid)


def extract(tmp):
    pot = os.path.join(tmp, "sources.pot")
    cmd = ["xgettext", "--from-code=UTF-8", "--add-comments", "-D", root,
           "-f", os.path.join(po_dir, "POTFILES.in"), "-o", pot]
    cmd += ["--keyword=" + k for k in XGETTEXT_KEYWORDS]
    subprocess.run(cmd, check=True)
    return {key(e) for e in parse_po(pot) if e["id"] and not e["obsolete"]}


with open(os.path.join(po_dir, "LINGUAS"), encoding="utf-8") as f:
    languages = [w for line in f if not line.startswith("#") for w in line.split()]

checks = []
checks.append(("LINGUAS lists fi, sv, zh_CN, ms and ta", sorted(languages) == sorted(PLURAL_FORMS), languages))

tmp = tempfile.mkdtemp()
try:
    expected = extract(tmp)
    checks.append(("xgettext finds the messages of POTFILES.in", len(expected) > 0, []))
    for lang in languages:
        path = os.path.join(po_dir, lang + ".po")
        if not os.path.exists(path):
            checks.append(("%s.po exists" % lang, False, [path]))
            continue
        result = subprocess.run(["msgfmt", "--check", "--statistics", "-o", os.devnull, path],
                                capture_output=True, text=True)
        checks.append(("%s.po passes msgfmt --check" % lang, result.returncode == 0,
                       result.stderr.splitlines()))

        entries = parse_po(path)
        header = next((e for e in entries if e["id"] == "" and not e["obsolete"]), None)
        header_text = header["strs"].get(0, "") if header else ""
        plural = re.search(r"^Plural-Forms:\s*(.*?)\s*$", header_text, re.M)
        want = PLURAL_FORMS.get(lang)
        checks.append(("%s.po has Plural-Forms: %s" % (lang, want),
                       plural is not None and plural.group(1) == want,
                       [plural.group(1) if plural else "no Plural-Forms"]))
        language = re.search(r"^Language:\s*(.*?)\s*$", header_text, re.M)
        checks.append(("%s.po says Language: %s" % (lang, lang),
                       language is not None and language.group(1) == lang, []))

        live = [e for e in entries if e["id"] and not e["obsolete"]]
        untranslated = [show(key(e)) for e in live
                        if e["fuzzy"] or not e["strs"] or any(v == "" for v in e["strs"].values())]
        checks.append(("%s.po is 100 %% translated with no fuzzy entries" % lang, not untranslated, untranslated))

        have = {key(e) for e in live}
        missing = sorted(show(k) for k in expected - have)
        stale = sorted(show(k) for k in have - expected)
        checks.append(("%s.po has every message of the sources (run build-aux/update-po.sh)" % lang,
                       not missing, missing))
        checks.append(("%s.po has no message the sources no longer have" % lang, not stale, stale))
finally:
    shutil.rmtree(tmp)

print("1..%d" % len(checks))
failed = 0
for i, (name, ok, detail) in enumerate(checks, 1):
    print("%s %d - %s" % ("ok" if ok else "not ok", i, name))
    if not ok:
        failed += 1
        for d in detail[:50]:
            print("# %s" % d)
sys.exit(1 if failed else 0)
