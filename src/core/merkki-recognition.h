/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

#include "merkki-record.h"
#include "merkki-verdict.h"

G_BEGIN_DECLS

/* One country's view of a label: the answer to "does it count here, and as
 * what?". */
typedef struct {
  char     *country;       /* ISO 3166 alpha-2: "SG", "FI", "DE", "KR", "GB", "JP" */
  char     *scheme;        /* the country's own label scheme: "sg-cls", "fi-ttm", "de-bsi", ... */
  int       level;         /* the level it counts as in that scheme, 0 if levelless */
  gboolean  recognised;
  gboolean  simplified;    /* a simplified route rather than full recognition (UK, Japan) */
  char     *basis;         /* translated: "Issued by CSA", "Mutual recognition since 6 Oct 2021", ... */
  char     *source;        /* the public source of the rule, from recognition.json */
  GDate    *in_force_from; /* NULL for the issuing country itself */
} MerkkiCountryRecognition;

void merkki_country_recognition_free (MerkkiCountryRecognition *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MerkkiCountryRecognition, merkki_country_recognition_free)

#define MERKKI_TYPE_RECOGNITION_TABLE (merkki_recognition_table_get_type ())
G_DECLARE_FINAL_TYPE (MerkkiRecognitionTable, merkki_recognition_table, MERKKI, RECOGNITION_TABLE, GObject)

/* The table bundled in the core library (data/recognition.json). */
MerkkiRecognitionTable *merkki_recognition_table_get_default (void);
MerkkiRecognitionTable *merkki_recognition_table_new_from_data (const char *json,
                                                                gsize       len,
                                                                GError    **error);

/* Per-country recognition of @record under @verdict on @today: one entry
 * for the issuing country and one for every partner of that scheme in the
 * table, in the table's order. A verdict other than VALID is recognised
 * nowhere (entries are still returned, with recognised FALSE). Returns a
 * GPtrArray of MerkkiCountryRecognition, owning them; empty when @record
 * is NULL or its scheme is not in the table. */
GPtrArray *merkki_recognition_table_evaluate (MerkkiRecognitionTable *self,
                                              const MerkkiRecord     *record,
                                              MerkkiVerdict           verdict,
                                              const GDate            *today);

/* Translated country name for an alpha-2 code, e.g. "Finland"; @country
 * itself for a code without a name yet. */
const char *merkki_country_get_name (const char *country);
/* Translated scheme name, e.g. "Cybersecurity Labelling Scheme (CLS)";
 * NULL for an unknown scheme. */
const char *merkki_scheme_get_name  (const char *scheme);

G_END_DECLS
