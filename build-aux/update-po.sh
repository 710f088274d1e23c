#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Regenerates po/merkki.pot from the files in po/POTFILES.in and merges it
# into every po/LANG.po listed in po/LINGUAS, then says what is left to
# translate. Run it after adding or changing user-visible strings:
#   build-aux/update-po.sh [BUILDDIR]      (default: _build)
# New or changed strings come out untranslated or "fuzzy"; translate them
# (and remove the fuzzy flag) until the summary shows none, then run
# `meson test -C BUILDDIR --suite i18n`.
set -eu

srcdir=$(cd "$(dirname "$0")/.." && pwd)
builddir=${1:-"$srcdir/_build"}

if [ ! -f "$builddir/build.ninja" ]; then
  meson setup "$builddir" "$srcdir"
fi

meson compile -C "$builddir" merkki-pot
meson compile -C "$builddir" merkki-update-po

# Messages the sources no longer have would only pile up.
for lang in $(grep -v '^#' "$srcdir/po/LINGUAS"); do
  msgattrib --no-obsolete -o "$srcdir/po/$lang.po" "$srcdir/po/$lang.po"
done

status=0
for lang in $(grep -v '^#' "$srcdir/po/LINGUAS"); do
  po="$srcdir/po/$lang.po"
  # msgfmt prints e.g. "300 translated messages, 2 fuzzy translations, 3 untranslated messages."
  summary=$(msgfmt --check --statistics -o /dev/null "$po" 2>&1) || status=1
  echo "$lang: $summary"
  case "$summary" in
    *fuzzy*|*untranslated*) status=1 ;;
  esac
done
exit $status
