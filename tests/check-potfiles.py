#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Checks po/POTFILES.in: sorted, every listed file exists, and every source
file with translatable strings (_(, N_(, C_(, NC_(, ngettext, translatable="yes")
is listed. Prints TAP."""
import os
import re
import sys

root = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("MERKKI_SOURCE_ROOT", ".")
potfiles_path = os.path.join(root, "po", "POTFILES.in")

listed = []
with open(potfiles_path, encoding="utf-8") as f:
    for line in f:
        line = line.strip()
        if line and not line.startswith("#"):
            listed.append(line)

marker = re.compile(r'(?<![A-Za-z0-9_])(_|N_|C_|NC_|g_dngettext|ngettext|Q_)\s*\(|translatable="yes"')
needed = []
for top in ("src", "data"):
    for dirpath, dirnames, filenames in os.walk(os.path.join(root, top)):
        dirnames.sort()
        for name in sorted(filenames):
            if not name.endswith((".c", ".ui", ".in", ".blp")):
                continue
            path = os.path.join(dirpath, name)
            with open(path, encoding="utf-8", errors="replace") as f:
                text = f.read()
            if name.endswith(".in") and "<_" not in text and "_Name" not in text and "translatable" not in text \
                    and not name.endswith((".desktop.in", ".metainfo.xml.in")):
                continue
            if marker.search(text) or name.endswith((".desktop.in", ".metainfo.xml.in")):
                needed.append(os.path.relpath(path, root))

checks = []
checks.append(("POTFILES.in is sorted", listed == sorted(listed), sorted(listed)))
missing_files = [p for p in listed if not os.path.exists(os.path.join(root, p))]
checks.append(("every listed file exists", not missing_files, missing_files))
unlisted = [p for p in needed if p not in listed]
checks.append(("every file with translatable strings is listed", not unlisted, unlisted))

print("1..%d" % len(checks))
failed = 0
for i, (name, ok, detail) in enumerate(checks, 1):
    print("%s %d - %s" % ("ok" if ok else "not ok", i, name))
    if not ok:
        failed += 1
        for d in detail:
            print("# %s" % d)
sys.exit(1 if failed else 0)
