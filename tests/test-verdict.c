/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "merkki-core.h"
#include "merkki-test-utils.h"

#define ALL_VERDICTS 8

static MerkkiLabelRef *
parse (const char *payload)
{
  return merkki_label_ref_parse ((const guint8 *) payload, -1);
}

/* A record as the issuer's registry would return it for @ref. */
static MerkkiRecord *
record_for (MerkkiLabelRef     *ref,
            MerkkiRecordStatus  status,
            const char         *expires)
{
  const char *scheme = merkki_label_ref_get_scheme (ref);
  MerkkiRecord *record = merkki_test_record_new (scheme, merkki_label_ref_get_id (ref),
                                                 g_str_equal (scheme, "sg-cls") ? 3 : 0, status);

  record->expires = expires != NULL ? merkki_date_parse_iso (expires) : NULL;
  return record;
}

static MerkkiVerdict
compute (const char         *payload,
         MerkkiOutcome       outcome,
         MerkkiRecordStatus  status,
         const char         *record_expires,
         const char         *today_iso)
{
  g_autoptr(MerkkiLabelRef) ref = parse (payload);
  g_autoptr(MerkkiRecord) record = NULL;
  g_autoptr(GDate) today = merkki_test_date (today_iso);

  if (outcome == MERKKI_OUTCOME_FOUND)
    record = record_for (ref, status, record_expires);
  return merkki_verdict_compute (ref, outcome, record, today);
}

static void
test_strings (void)
{
  for (int v = 0; v < ALL_VERDICTS; v++)
    {
      const char *name = merkki_verdict_to_string (v);
      MerkkiVerdict back = -1;

      g_assert_nonnull (name);
      g_assert_true (merkki_verdict_from_string (name, &back));
      g_assert_cmpint (back, ==, v);
      g_assert_nonnull (merkki_verdict_get_title (v));
      g_assert_cmpstr (merkki_verdict_get_title (v), !=, "");
      for (int w = 0; w < v; w++)
        {
          g_assert_cmpstr (merkki_verdict_to_string (w), !=, name);
          g_assert_cmpstr (merkki_verdict_get_title (w), !=, merkki_verdict_get_title (v));
        }
    }

  g_assert_cmpstr (merkki_verdict_to_string (MERKKI_VERDICT_VALID), ==, "valid");
  g_assert_cmpstr (merkki_verdict_to_string (MERKKI_VERDICT_EXPIRED), ==, "expired");
  g_assert_cmpstr (merkki_verdict_to_string (MERKKI_VERDICT_REVOKED), ==, "revoked");
  g_assert_cmpstr (merkki_verdict_to_string (MERKKI_VERDICT_NOT_FOUND), ==, "not-found");
  g_assert_cmpstr (merkki_verdict_to_string (MERKKI_VERDICT_MISMATCH), ==, "mismatch");
  g_assert_cmpstr (merkki_verdict_to_string (MERKKI_VERDICT_SUSPICIOUS), ==, "suspicious");
  g_assert_cmpstr (merkki_verdict_to_string (MERKKI_VERDICT_NOT_A_LABEL), ==, "not-a-label");
  g_assert_cmpstr (merkki_verdict_to_string (MERKKI_VERDICT_UNVERIFIED), ==, "unverified");

  {
    MerkkiVerdict out = MERKKI_VERDICT_VALID;

    g_assert_false (merkki_verdict_from_string ("VALID", &out));
    g_assert_false (merkki_verdict_from_string ("", &out));
    g_assert_false (merkki_verdict_from_string (NULL, &out));
    g_assert_cmpint (out, ==, MERKKI_VERDICT_VALID);
  }

  g_assert_cmpstr (merkki_outcome_to_string (MERKKI_OUTCOME_FOUND), ==, "found");
  g_assert_cmpstr (merkki_outcome_to_string (MERKKI_OUTCOME_NOT_FOUND), ==, "not-found");
  g_assert_cmpstr (merkki_outcome_to_string (MERKKI_OUTCOME_ERROR), ==, "error");
  g_assert_cmpstr (merkki_outcome_to_string (MERKKI_OUTCOME_SKIPPED), ==, "skipped");
  g_assert_cmpstr (merkki_source_to_string (MERKKI_SOURCE_ONLINE), ==, "online");
  g_assert_cmpstr (merkki_source_to_string (MERKKI_SOURCE_CACHE), ==, "cache");
  g_assert_cmpstr (merkki_source_to_string (MERKKI_SOURCE_SNAPSHOT), ==, "snapshot");

  g_assert_cmpstr (merkki_verdict_get_title (MERKKI_VERDICT_VALID), ==, "Valid label");
  g_assert_cmpstr (merkki_verdict_get_title (MERKKI_VERDICT_NOT_FOUND), ==, "Possible counterfeit");
}

static void
test_exit_status_and_action (void)
{
  static const struct { MerkkiVerdict verdict; int status; gboolean action; } expected[] = {
    { MERKKI_VERDICT_VALID, 0, FALSE },
    { MERKKI_VERDICT_EXPIRED, 1, TRUE },
    { MERKKI_VERDICT_REVOKED, 1, TRUE },
    { MERKKI_VERDICT_NOT_FOUND, 1, TRUE },
    { MERKKI_VERDICT_MISMATCH, 1, TRUE },
    { MERKKI_VERDICT_SUSPICIOUS, 1, TRUE },
    { MERKKI_VERDICT_NOT_A_LABEL, 1, FALSE },
    { MERKKI_VERDICT_UNVERIFIED, 3, FALSE },
  };

  G_STATIC_ASSERT (G_N_ELEMENTS (expected) == ALL_VERDICTS);
  for (gsize i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      g_assert_cmpint (merkki_verdict_exit_status (expected[i].verdict), ==, expected[i].status);
      g_assert_cmpint (merkki_verdict_needs_action (expected[i].verdict), ==, expected[i].action);
    }
}

/* The sg-cls label "CSA/311228/1001" expires on 31 Dec 2028. */
#define SG "CSA/311228/1001"
#define FI "https://tietoturvamerkki.fi/en/products/demo-aurora-hub-2"
#define DE "https://www.bsi.bund.de/SharedDocs/IT-Sicherheitskennzeichen/EN/2025/sik-05165.html"
#define ACTIVE MERKKI_RECORD_STATUS_ACTIVE
#define SUSPENDED MERKKI_RECORD_STATUS_SUSPENDED
#define REVOKED MERKKI_RECORD_STATUS_REVOKED
#define FOUND MERKKI_OUTCOME_FOUND
#define NOT_FOUND MERKKI_OUTCOME_NOT_FOUND
#define ERROR MERKKI_OUTCOME_ERROR
#define SKIPPED MERKKI_OUTCOME_SKIPPED

static void
test_rules (void)
{
  static const struct {
    const char         *payload;
    MerkkiOutcome       outcome;
    MerkkiRecordStatus  status;
    const char         *record_expires;
    const char         *today;
    MerkkiVerdict       expected;
  } cases[] = {
    /* A record that agrees, before its expiry. */
    { SG, FOUND, ACTIVE, "2028-12-31", "2027-06-01", MERKKI_VERDICT_VALID },
    { FI, FOUND, ACTIVE, "2027-05-02", "2026-11-27", MERKKI_VERDICT_VALID },
    { FI, FOUND, ACTIVE, NULL, "2026-11-27", MERKKI_VERDICT_VALID },
    { DE, FOUND, ACTIVE, "2027-01-31", "2026-11-27", MERKKI_VERDICT_VALID },
    /* The ID's own date, day by day: valid through 31 Dec 2028. */
    { SG, FOUND, ACTIVE, "2028-12-31", "2028-12-30", MERKKI_VERDICT_VALID },
    { SG, FOUND, ACTIVE, "2028-12-31", "2028-12-31", MERKKI_VERDICT_VALID },
    { SG, FOUND, ACTIVE, "2028-12-31", "2029-01-01", MERKKI_VERDICT_EXPIRED },
    /* ... whatever the registry says, and with no registry at all. */
    { SG, FOUND, ACTIVE, "2029-12-31", "2029-01-01", MERKKI_VERDICT_EXPIRED },
    { SG, FOUND, ACTIVE, NULL, "2029-01-01", MERKKI_VERDICT_EXPIRED },
    { SG, ERROR, ACTIVE, NULL, "2029-01-01", MERKKI_VERDICT_EXPIRED },
    { SG, SKIPPED, ACTIVE, NULL, "2029-01-01", MERKKI_VERDICT_EXPIRED },
    { SG, NOT_FOUND, ACTIVE, NULL, "2029-01-01", MERKKI_VERDICT_EXPIRED },
    { SG, ERROR, ACTIVE, NULL, "2028-12-31", MERKKI_VERDICT_UNVERIFIED },
    /* The record's date, day by day, for a label without a date in its ID. */
    { FI, FOUND, ACTIVE, "2027-05-02", "2027-05-01", MERKKI_VERDICT_VALID },
    { FI, FOUND, ACTIVE, "2027-05-02", "2027-05-02", MERKKI_VERDICT_VALID },
    { FI, FOUND, ACTIVE, "2027-05-02", "2027-05-03", MERKKI_VERDICT_EXPIRED },
    { DE, FOUND, ACTIVE, "2027-01-31", "2027-02-01", MERKKI_VERDICT_EXPIRED },
    /* Revoked or suspended. */
    { SG, FOUND, REVOKED, "2028-12-31", "2027-06-01", MERKKI_VERDICT_REVOKED },
    { SG, FOUND, SUSPENDED, "2028-12-31", "2027-06-01", MERKKI_VERDICT_REVOKED },
    { FI, FOUND, REVOKED, "2027-05-02", "2026-11-27", MERKKI_VERDICT_REVOKED },
    { DE, FOUND, SUSPENDED, NULL, "2026-11-27", MERKKI_VERDICT_REVOKED },
    /* The registry's expiry is not the one printed on the label. */
    { SG, FOUND, ACTIVE, "2029-12-31", "2027-06-01", MERKKI_VERDICT_MISMATCH },
    { SG, FOUND, ACTIVE, "2028-12-30", "2027-06-01", MERKKI_VERDICT_MISMATCH },
    /* Precedence: revoked over expired over mismatch. */
    { SG, FOUND, REVOKED, "2028-12-31", "2029-01-01", MERKKI_VERDICT_REVOKED },
    { SG, FOUND, REVOKED, "2029-12-31", "2027-06-01", MERKKI_VERDICT_REVOKED },
    { SG, FOUND, ACTIVE, "2027-01-01", "2027-06-01", MERKKI_VERDICT_EXPIRED },   /* record expired + mismatch */
    { SG, FOUND, ACTIVE, "2029-12-31", "2029-01-01", MERKKI_VERDICT_EXPIRED },   /* ID expired + mismatch */
    { FI, FOUND, SUSPENDED, "2020-01-01", "2026-11-27", MERKKI_VERDICT_REVOKED },
    /* The issuer answered: no such label. */
    { SG, NOT_FOUND, ACTIVE, NULL, "2027-06-01", MERKKI_VERDICT_NOT_FOUND },
    { FI, NOT_FOUND, ACTIVE, NULL, "2026-11-27", MERKKI_VERDICT_NOT_FOUND },
    { DE, NOT_FOUND, ACTIVE, NULL, "2026-11-27", MERKKI_VERDICT_NOT_FOUND },
    /* Nobody answered. */
    { SG, ERROR, ACTIVE, NULL, "2027-06-01", MERKKI_VERDICT_UNVERIFIED },
    { SG, SKIPPED, ACTIVE, NULL, "2027-06-01", MERKKI_VERDICT_UNVERIFIED },
    { FI, ERROR, ACTIVE, NULL, "2026-11-27", MERKKI_VERDICT_UNVERIFIED },
    { DE, SKIPPED, ACTIVE, NULL, "2026-11-27", MERKKI_VERDICT_UNVERIFIED },
    /* Payloads that are no reference never reach a registry. */
    { "https://tietoturvamerkki-fi.com/en/products/x", ERROR, ACTIVE, NULL, "2026-11-27", MERKKI_VERDICT_SUSPICIOUS },
    { "https://tietoturvamerkki-fi.com/en/products/x", NOT_FOUND, ACTIVE, NULL, "2026-11-27", MERKKI_VERDICT_SUSPICIOUS },
    { "https://example.com/", ERROR, ACTIVE, NULL, "2026-11-27", MERKKI_VERDICT_NOT_A_LABEL },
    { "CSA/310228/1001", SKIPPED, ACTIVE, NULL, "2026-11-27", MERKKI_VERDICT_NOT_A_LABEL },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      MerkkiVerdict got = compute (cases[i].payload, cases[i].outcome, cases[i].status,
                                   cases[i].record_expires, cases[i].today);

      g_test_message ("case %" G_GSIZE_FORMAT ": %s on %s -> %s", i, cases[i].payload,
                      cases[i].today, merkki_verdict_to_string (got));
      g_assert_cmpstr (merkki_verdict_to_string (got), ==, merkki_verdict_to_string (cases[i].expected));
    }
}

/* Fail safe: a FOUND answer without a record never makes a label valid. */
static void
test_never_valid_without_record (void)
{
  g_autoptr(GDate) today = merkki_test_date ("2027-06-01");
  const char *payloads[] = { SG, FI, DE };

  for (gsize i = 0; i < G_N_ELEMENTS (payloads); i++)
    {
      g_autoptr(MerkkiLabelRef) ref = parse (payloads[i]);

      for (int outcome = MERKKI_OUTCOME_FOUND; outcome <= MERKKI_OUTCOME_SKIPPED; outcome++)
        g_assert_cmpint (merkki_verdict_compute (ref, outcome, NULL, today), !=, MERKKI_VERDICT_VALID);
      g_assert_cmpint (merkki_verdict_compute (ref, MERKKI_OUTCOME_FOUND, NULL, today), ==,
                       MERKKI_VERDICT_UNVERIFIED);
    }
}

/* A record for another label is no confirmation of this one. */
static void
test_record_of_another_label (void)
{
  g_autoptr(GDate) today = merkki_test_date ("2027-06-01");
  g_autoptr(MerkkiLabelRef) ref = parse (SG);
  g_autoptr(MerkkiLabelRef) fi = parse (FI);
  g_autoptr(MerkkiRecord) other_id = record_for (ref, ACTIVE, "2028-12-31");
  g_autoptr(MerkkiRecord) other_scheme = record_for (fi, ACTIVE, "2028-12-31");

  g_free (other_id->id);
  other_id->id = g_strdup ("CSA/311228/1002");
  g_assert_cmpint (merkki_verdict_compute (ref, MERKKI_OUTCOME_FOUND, other_id, today), ==,
                   MERKKI_VERDICT_MISMATCH);

  g_free (other_scheme->id);
  other_scheme->id = g_strdup (SG);
  g_assert_cmpint (merkki_verdict_compute (ref, MERKKI_OUTCOME_FOUND, other_scheme, today), ==,
                   MERKKI_VERDICT_MISMATCH);
}

/* Every verdict can come out of the rules. */
static void
test_every_verdict_reachable (void)
{
  gboolean seen[ALL_VERDICTS] = { FALSE, };
  const char *payloads[] = { SG, FI, "https://csa.gov.sg.example/", "hello" };
  const char *expiries[] = { NULL, "2028-12-31", "2029-12-31", "2026-01-01" };
  const char *days[] = { "2027-06-01", "2029-01-01" };

  for (gsize p = 0; p < G_N_ELEMENTS (payloads); p++)
    for (int o = MERKKI_OUTCOME_FOUND; o <= MERKKI_OUTCOME_SKIPPED; o++)
      for (int s = ACTIVE; s <= REVOKED; s++)
        for (gsize e = 0; e < G_N_ELEMENTS (expiries); e++)
          for (gsize d = 0; d < G_N_ELEMENTS (days); d++)
            {
              g_autoptr(MerkkiLabelRef) ref = parse (payloads[p]);
              g_autoptr(MerkkiRecord) record = NULL;
              g_autoptr(GDate) today = merkki_test_date (days[d]);
              MerkkiVerdict v;

              if (o == MERKKI_OUTCOME_FOUND && merkki_label_ref_get_id (ref) != NULL)
                record = record_for (ref, s, expiries[e]);
              v = merkki_verdict_compute (ref, o, record, today);
              seen[v] = TRUE;
              /* Valid only with an active record. */
              if (v == MERKKI_VERDICT_VALID)
                {
                  g_assert_nonnull (record);
                  g_assert_cmpint (record->status, ==, ACTIVE);
                }
            }

  for (int v = 0; v < ALL_VERDICTS; v++)
    g_assert_true (seen[v]);
}

int
main (int   argc,
      char *argv[])
{
  merkki_test_init (&argc, &argv);

  g_test_add_func ("/verdict/strings", test_strings);
  g_test_add_func ("/verdict/exit-status-and-action", test_exit_status_and_action);
  g_test_add_func ("/verdict/rules", test_rules);
  g_test_add_func ("/verdict/never-valid-without-record", test_never_valid_without_record);
  g_test_add_func ("/verdict/record-of-another-label", test_record_of_another_label);
  g_test_add_func ("/verdict/every-verdict-reachable", test_every_verdict_reachable);

  return g_test_run ();
}
