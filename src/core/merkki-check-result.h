/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>
#include <jansson.h>

#include "merkki-label-ref.h"
#include "merkki-record.h"
#include "merkki-recognition.h"
#include "merkki-verdict.h"

G_BEGIN_DECLS

/* What one registry contributed to a check. */
typedef struct {
  char          *registry_id;
  char          *registry_name;  /* translated, "CSA registry" */
  gboolean       is_issuer;      /* asked by reference (TRUE) or by brand and model */
  MerkkiOutcome  outcome;
  MerkkiSource   source;
  GDateTime     *fetched_at;     /* when the record was fetched (may be long ago for cache/snapshot) */
  MerkkiRecord  *record;         /* FOUND: the (first) matching record */
  char          *error;          /* ERROR: translated message */
  gboolean       demo;           /* the record comes from the bundled demo data */
  int            offline_age_days; /* SNAPSHOT and FOUND: the copy's age in whole days, else -1 */
  gboolean       stale;          /* that copy is older than the checker's limit */
} MerkkiRegistryAnswer;

MerkkiRegistryAnswer *merkki_registry_answer_new  (const char *registry_id);
void                  merkki_registry_answer_free (MerkkiRegistryAnswer *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MerkkiRegistryAnswer, merkki_registry_answer_free)

/* One translated line telling where the answer came from and how old it
 * is, as the result page and merkki-cli show it: "CSA registry, just now",
 * "CSA registry: offline copy from 3 Nov 2026", "Traficom registry
 * unreachable: …". @now may be NULL (the current time). */
char                 *merkki_registry_answer_describe (const MerkkiRegistryAnswer *self,
                                                       GDateTime                  *now);
/* A date as the user's language writes it, e.g. "3 Nov 2026". */
char                 *merkki_format_date              (GDateTime                  *date_time);
/* The same for a calendar date (an expiry, a rule's start): "31 Dec 2027",
 * "31.12.2027", "2027年12月31日". Machine output keeps ISO 8601. */
char                 *merkki_format_gdate             (const GDate                *date);

#define MERKKI_TYPE_CHECK_RESULT (merkki_check_result_get_type ())
G_DECLARE_FINAL_TYPE (MerkkiCheckResult, merkki_check_result, MERKKI, CHECK_RESULT, GObject)

MerkkiCheckResult *merkki_check_result_new (MerkkiLabelRef *ref);

MerkkiLabelRef    *merkki_check_result_get_reference   (MerkkiCheckResult *self);
MerkkiVerdict      merkki_check_result_get_verdict     (MerkkiCheckResult *self);
void               merkki_check_result_set_verdict     (MerkkiCheckResult *self,
                                                        MerkkiVerdict      verdict);
/* The issuer's record, if any registry, cache or snapshot had it. */
const MerkkiRecord *merkki_check_result_get_record     (MerkkiCheckResult *self);
/* MerkkiRegistryAnswer*, issuer first. */
GPtrArray         *merkki_check_result_get_answers     (MerkkiCheckResult *self);
void               merkki_check_result_add_answer      (MerkkiCheckResult    *self,
                                                        MerkkiRegistryAnswer *answer);
/* MerkkiCountryRecognition*. */
GPtrArray         *merkki_check_result_get_recognition (MerkkiCheckResult *self);
void               merkki_check_result_set_recognition (MerkkiCheckResult *self,
                                                        GPtrArray         *recognition);
const char        *merkki_check_result_get_explanation (MerkkiCheckResult *self);
void               merkki_check_result_set_explanation (MerkkiCheckResult *self,
                                                        const char        *explanation);
GDateTime         *merkki_check_result_get_checked_at  (MerkkiCheckResult *self);
/* TRUE when any record shown comes from the bundled demo data. */
gboolean           merkki_check_result_is_demo         (MerkkiCheckResult *self);

/* TRUE when the issuer's answer comes from an offline copy older than the
 * checker's limit: the verdict must then say so. @age_days (optional)
 * receives the copy's age. */
gboolean           merkki_check_result_is_stale_offline_copy (MerkkiCheckResult *self,
                                                              int               *age_days);
/* "From an offline copy 45 days old: check again online", or NULL when the
 * answer is not from a stale copy. Translated. */
char              *merkki_check_result_describe_staleness    (MerkkiCheckResult *self);

/* DESIGN.md's --json object: input, reference, verdict, registries,
 * recognition, explanation (plus checked_at, demo, and stale_offline_copy
 * with offline_copy_age_days, also per registry). New reference. */
json_t            *merkki_check_result_to_json         (MerkkiCheckResult *self);

G_END_DECLS
