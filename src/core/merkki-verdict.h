/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "merkki-label-ref.h"
#include "merkki-record.h"

G_BEGIN_DECLS

typedef enum {
  MERKKI_VERDICT_VALID,
  MERKKI_VERDICT_EXPIRED,
  MERKKI_VERDICT_REVOKED,      /* the registry says revoked or suspended */
  MERKKI_VERDICT_NOT_FOUND,    /* the issuer's registry answered: no such label */
  MERKKI_VERDICT_MISMATCH,     /* label and registry record disagree */
  MERKKI_VERDICT_SUSPICIOUS,
  MERKKI_VERDICT_NOT_A_LABEL,
  MERKKI_VERDICT_UNVERIFIED,   /* no registry reachable and nothing cached */
} MerkkiVerdict;

/* What one registry said about the question put to it. */
typedef enum {
  MERKKI_OUTCOME_FOUND,
  MERKKI_OUTCOME_NOT_FOUND,
  MERKKI_OUTCOME_ERROR,
  MERKKI_OUTCOME_SKIPPED,
} MerkkiOutcome;

/* Where a record came from. */
typedef enum {
  MERKKI_SOURCE_ONLINE,
  MERKKI_SOURCE_CACHE,
  MERKKI_SOURCE_SNAPSHOT,
} MerkkiSource;

/* "valid", "not-found", ... as in DESIGN.md's JSON. */
const char     *merkki_verdict_to_string    (MerkkiVerdict  verdict);
gboolean        merkki_verdict_from_string  (const char    *str,
                                             MerkkiVerdict *out);
/* A short translated title: "Valid label", "Possible counterfeit", ... */
const char     *merkki_verdict_get_title    (MerkkiVerdict  verdict);
/* Exit status of merkki-cli: 0 valid, 1 definite negative, 3 unverified. */
int             merkki_verdict_exit_status  (MerkkiVerdict  verdict);
/* TRUE for verdicts that need action by an inspector: not-found, expired,
 * revoked, suspicious, mismatch. */
gboolean        merkki_verdict_needs_action (MerkkiVerdict  verdict);

const char     *merkki_outcome_to_string    (MerkkiOutcome  outcome);
const char     *merkki_source_to_string     (MerkkiSource   source);

/* The rules of DESIGN.md step 4, in one place.
 *
 * @ref: the classified payload.
 * @issuer_outcome: what the issuer's registry said (online, or from the
 *   cache or snapshot when offline); ERROR/SKIPPED when nothing is known.
 * @issuer_record: the record when @issuer_outcome is FOUND, else NULL.
 * @today: the local date of the check.
 *
 * Never returns VALID without @issuer_record. A sg-cls ID whose expiry
 * date (DDMMYY) is before @today is EXPIRED whatever the registry says; the
 * label is valid through its expiry date. A record that disagrees with the
 * label (different expiry for sg-cls) is MISMATCH. Precedence when several
 * apply: revoked, expired, mismatch. */
MerkkiVerdict   merkki_verdict_compute      (MerkkiLabelRef     *ref,
                                             MerkkiOutcome       issuer_outcome,
                                             const MerkkiRecord *issuer_record,
                                             const GDate        *today);

G_END_DECLS
