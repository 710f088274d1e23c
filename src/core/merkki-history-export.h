/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>
#include <jansson.h>

G_BEGIN_DECLS

typedef enum {
  MERKKI_EXPORT_CSV,
  MERKKI_EXPORT_JSON,
} MerkkiExportFormat;

/* Parses "csv" or "json". */
gboolean merkki_export_format_from_string (const char         *str,
                                           MerkkiExportFormat *out);

/* The issuer's record in a history entry (an object of
 * merkki_store_list_history()), or NULL. Borrowed. */
json_t  *merkki_history_entry_get_record  (json_t             *entry);

/* Turns a history (the array of merkki_store_list_history()) into an
 * export file's contents, so the app and `merkki-cli history --export`
 * write the same thing.
 *
 * CSV (RFC 4180, UTF-8, CRLF, header row): history_id, checked_at,
 * session, input, input_hex, scheme, reference, verdict, brand, model,
 * level, status, expires, sources ("sg-csa found online; ..."), demo,
 * note, evidence (the photo's path relative to the store's folder).
 * Cells that a spreadsheet would run as a formula (=, +, -, @, tab, CR at
 * the start) get a leading apostrophe, since the input is whatever a QR
 * code held. JSON: the array itself, indented, with a final newline. */
char    *merkki_history_export            (json_t             *history,
                                           MerkkiExportFormat  format,
                                           gsize              *length);

G_END_DECLS
