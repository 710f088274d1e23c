/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The translations of po/@language.po in the source tree
 * ($MERKKI_SOURCE_ROOT), which tests compare with what the programs show:
 * msgid (with "CONTEXT\004" before it for a msgctxt) -> msgstr, for the
 * translated, non-fuzzy entries (the first form of a plural). */
GHashTable *merkki_test_po_read            (const char *language);

/* The translation of @msgid; the test fails when there is none. */
const char *merkki_test_po_lookup          (GHashTable *po,
                                            const char *msgid) G_GNUC_FORMAT (2);

/* Two sentences joined as merkki-explanation.c joins them in @po's
 * language (with a space, or none in Chinese). */
char       *merkki_test_po_join_sentences  (GHashTable *po,
                                            const char *first,
                                            const char *second);

G_END_DECLS
