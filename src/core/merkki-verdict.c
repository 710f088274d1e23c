/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "merkki-verdict.h"

/* Indexed by MerkkiVerdict; the strings are the JSON interface. */
static const char * const verdict_names[] = {
  [MERKKI_VERDICT_VALID] = "valid",
  [MERKKI_VERDICT_EXPIRED] = "expired",
  [MERKKI_VERDICT_REVOKED] = "revoked",
  [MERKKI_VERDICT_NOT_FOUND] = "not-found",
  [MERKKI_VERDICT_MISMATCH] = "mismatch",
  [MERKKI_VERDICT_SUSPICIOUS] = "suspicious",
  [MERKKI_VERDICT_NOT_A_LABEL] = "not-a-label",
  [MERKKI_VERDICT_UNVERIFIED] = "unverified",
};

static const char * const verdict_titles[] = {
  /* Translators: the verdict of a check, shown as a heading. */
  [MERKKI_VERDICT_VALID] = N_("Valid label"),
  /* Translators: the verdict of a check, shown as a heading. */
  [MERKKI_VERDICT_EXPIRED] = N_("Label expired"),
  /* Translators: the verdict of a check: the authority withdrew or suspended the label. */
  [MERKKI_VERDICT_REVOKED] = N_("Label withdrawn"),
  /* Translators: the verdict of a check: the registry answered and has no such label. */
  [MERKKI_VERDICT_NOT_FOUND] = N_("Possible counterfeit"),
  /* Translators: the verdict of a check: the label and the registry disagree. */
  [MERKKI_VERDICT_MISMATCH] = N_("Label does not match the registry"),
  /* Translators: the verdict of a check: a link imitating an authority's site. */
  [MERKKI_VERDICT_SUSPICIOUS] = N_("Suspicious link"),
  /* Translators: the verdict of a check: the code is something else, e.g. a shop's link. */
  [MERKKI_VERDICT_NOT_A_LABEL] = N_("Not a label"),
  /* Translators: the verdict of a check: no registry could be reached and nothing was saved. */
  [MERKKI_VERDICT_UNVERIFIED] = N_("Could not be checked"),
};

static const char * const outcome_names[] = {
  [MERKKI_OUTCOME_FOUND] = "found",
  [MERKKI_OUTCOME_NOT_FOUND] = "not-found",
  [MERKKI_OUTCOME_ERROR] = "error",
  [MERKKI_OUTCOME_SKIPPED] = "skipped",
};

static const char * const source_names[] = {
  [MERKKI_SOURCE_ONLINE] = "online",
  [MERKKI_SOURCE_CACHE] = "cache",
  [MERKKI_SOURCE_SNAPSHOT] = "snapshot",
};

const char *
merkki_verdict_to_string (MerkkiVerdict verdict)
{
  g_return_val_if_fail ((guint) verdict < G_N_ELEMENTS (verdict_names), NULL);
  return verdict_names[verdict];
}

gboolean
merkki_verdict_from_string (const char    *str,
                            MerkkiVerdict *out)
{
  g_return_val_if_fail (out != NULL, FALSE);

  if (str == NULL)
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (verdict_names); i++)
    {
      if (strcmp (str, verdict_names[i]) == 0)
        {
          *out = (MerkkiVerdict) i;
          return TRUE;
        }
    }
  return FALSE;
}

const char *
merkki_verdict_get_title (MerkkiVerdict verdict)
{
  g_return_val_if_fail ((guint) verdict < G_N_ELEMENTS (verdict_titles), NULL);
  return _(verdict_titles[verdict]);
}

int
merkki_verdict_exit_status (MerkkiVerdict verdict)
{
  switch (verdict)
    {
    case MERKKI_VERDICT_VALID:
      return 0;
    case MERKKI_VERDICT_EXPIRED:
    case MERKKI_VERDICT_REVOKED:
    case MERKKI_VERDICT_NOT_FOUND:
    case MERKKI_VERDICT_MISMATCH:
    case MERKKI_VERDICT_SUSPICIOUS:
    case MERKKI_VERDICT_NOT_A_LABEL:
      return 1;
    case MERKKI_VERDICT_UNVERIFIED:
      return 3;
    default:
      g_return_val_if_reached (3);
    }
}

gboolean
merkki_verdict_needs_action (MerkkiVerdict verdict)
{
  switch (verdict)
    {
    case MERKKI_VERDICT_NOT_FOUND:
    case MERKKI_VERDICT_EXPIRED:
    case MERKKI_VERDICT_REVOKED:
    case MERKKI_VERDICT_SUSPICIOUS:
    case MERKKI_VERDICT_MISMATCH:
      return TRUE;
    case MERKKI_VERDICT_VALID:
    case MERKKI_VERDICT_NOT_A_LABEL:
    case MERKKI_VERDICT_UNVERIFIED:
      return FALSE;
    default:
      g_return_val_if_reached (FALSE);
    }
}

const char *
merkki_outcome_to_string (MerkkiOutcome outcome)
{
  g_return_val_if_fail ((guint) outcome < G_N_ELEMENTS (outcome_names), NULL);
  return outcome_names[outcome];
}

const char *
merkki_source_to_string (MerkkiSource source)
{
  g_return_val_if_fail ((guint) source < G_N_ELEMENTS (source_names), NULL);
  return source_names[source];
}

/* The label is valid through its expiry date: expired only from the day
 * after. */
static gboolean
is_past (const GDate *expires,
         const GDate *today)
{
  return expires != NULL && g_date_valid (expires) && g_date_compare (expires, today) < 0;
}

MerkkiVerdict
merkki_verdict_compute (MerkkiLabelRef     *ref,
                        MerkkiOutcome       issuer_outcome,
                        const MerkkiRecord *issuer_record,
                        const GDate        *today)
{
  const GDate *id_expires;
  gboolean id_expired;
  gboolean revoked;
  gboolean expired;
  gboolean mismatch;

  g_return_val_if_fail (ref != NULL, MERKKI_VERDICT_UNVERIFIED);
  g_return_val_if_fail (today != NULL && g_date_valid (today), MERKKI_VERDICT_UNVERIFIED);

  switch (merkki_label_ref_get_kind (ref))
    {
    case MERKKI_LABEL_KIND_SUSPICIOUS:
      return MERKKI_VERDICT_SUSPICIOUS;
    case MERKKI_LABEL_KIND_NOT_A_LABEL:
      return MERKKI_VERDICT_NOT_A_LABEL;
    case MERKKI_LABEL_KIND_REFERENCE:
      break;
    default:
      g_return_val_if_reached (MERKKI_VERDICT_UNVERIFIED);
    }

  /* A sg-cls ID carries its own expiry date: past it, the label is expired
   * whatever a registry says, or whether one answered at all. A registry
   * may well drop expired labels, so "not found" adds nothing then. */
  id_expires = merkki_label_ref_get_expires_from_id (ref);
  id_expired = is_past (id_expires, today);
  if (id_expired && (issuer_outcome != MERKKI_OUTCOME_FOUND || issuer_record == NULL))
    return MERKKI_VERDICT_EXPIRED;

  switch (issuer_outcome)
    {
    case MERKKI_OUTCOME_NOT_FOUND:
      return MERKKI_VERDICT_NOT_FOUND;
    case MERKKI_OUTCOME_ERROR:
    case MERKKI_OUTCOME_SKIPPED:
      return MERKKI_VERDICT_UNVERIFIED;
    case MERKKI_OUTCOME_FOUND:
      break;
    default:
      g_return_val_if_reached (MERKKI_VERDICT_UNVERIFIED);
    }

  /* Fail safe: never valid without a record. */
  if (issuer_record == NULL)
    return MERKKI_VERDICT_UNVERIFIED;

  revoked = issuer_record->status == MERKKI_RECORD_STATUS_REVOKED ||
            issuer_record->status == MERKKI_RECORD_STATUS_SUSPENDED;
  expired = id_expired || is_past (issuer_record->expires, today);

  /* The record must be the label's: same scheme and ID, and for sg-cls
   * the expiry date the ID carries. */
  mismatch = g_strcmp0 (issuer_record->scheme, merkki_label_ref_get_scheme (ref)) != 0 ||
             g_strcmp0 (issuer_record->id, merkki_label_ref_get_id (ref)) != 0 ||
             (id_expires != NULL && issuer_record->expires != NULL &&
              g_date_compare (id_expires, issuer_record->expires) != 0);

  if (revoked)
    return MERKKI_VERDICT_REVOKED;
  if (expired)
    return MERKKI_VERDICT_EXPIRED;
  if (mismatch)
    return MERKKI_VERDICT_MISMATCH;
  return MERKKI_VERDICT_VALID;
}
