/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <jansson.h>

G_BEGIN_DECLS

/* Exports of the history (or of one inspection session): the same
 * content for `merkki-cli history --export` and for the app, because both
 * call merkki_report_write().
 *
 * @entries is what merkki_store_list_history() returns: an array of
 * merkki_check_result_to_json() objects with "history_id" and "session",
 * and optionally "evidence" (a path relative to the store's folder) and
 * "note". */
typedef enum {
  MERKKI_REPORT_FORMAT_CSV,
  MERKKI_REPORT_FORMAT_JSON,
  MERKKI_REPORT_FORMAT_PDF,
} MerkkiReportFormat;

/* What the title page says about the session; every field may be NULL. */
typedef struct {
  const char *session;      /* NULL: the whole history */
  const char *place;
  const char *inspector;
  GDateTime  *started_at;   /* NULL: the first check's time */
  GDateTime  *ended_at;     /* NULL: the last check's time */
  const char *evidence_base; /* folder that entries' "evidence" paths are relative to */
} MerkkiReportInfo;

/* "csv", "json" or "pdf". */
gboolean merkki_report_format_from_string (const char         *str,
                                           MerkkiReportFormat *out);

/* Writes @entries in @format to @out (not closed). CSV and JSON: as
 * merkki_history_export() makes them. PDF: an
 * A4 inspection report: a title page with the session, the date range and
 * the counts by verdict, the findings that need action, then one row per
 * check with its evidence photo and verdict (icon and words), page numbers
 * on every page. Dates are formatted for the current locale. */
gboolean merkki_report_write              (json_t                 *entries,
                                           const MerkkiReportInfo *info,
                                           MerkkiReportFormat      format,
                                           GOutputStream          *out,
                                           GCancellable           *cancellable,
                                           GError                **error);

G_END_DECLS
