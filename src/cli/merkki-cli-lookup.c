/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <glib/gi18n.h>

#include "merkki-core.h"
#include "merkki-cli.h"

/* Payloads are capped like the parser caps them; reading more from stdin
 * would only waste memory. */
#define MAX_STDIN_PAYLOAD (64 * 1024)

static GBytes *
read_stdin_payload (GError **error)
{
  g_autoptr(GByteArray) data = g_byte_array_new ();
  guint8 buffer[4096];
  ssize_t n;

  while ((n = read (STDIN_FILENO, buffer, sizeof buffer)) != 0)
    {
      if (n < 0)
        {
          int saved_errno = errno;

          if (saved_errno == EINTR)
            continue;
          g_set_error (error, MERKKI_ERROR, MERKKI_ERROR_INVALID_INPUT,
                       _("Could not read the payload from standard input: %s"), g_strerror (saved_errno));
          return NULL;
        }
      g_byte_array_append (data, buffer, (guint) n);
      if (data->len > MAX_STDIN_PAYLOAD)
        {
          g_set_error (error, MERKKI_ERROR, MERKKI_ERROR_INVALID_INPUT,
                       _("The payload on standard input is larger than %d KiB"), MAX_STDIN_PAYLOAD / 1024);
          return NULL;
        }
    }

  return g_byte_array_free_to_bytes (g_steal_pointer (&data));
}

static void
print_recognition (MerkkiCheckResult *result)
{
  GPtrArray *recognition = merkki_check_result_get_recognition (result);

  for (guint i = 0; i < recognition->len; i++)
    {
      const MerkkiCountryRecognition *entry = g_ptr_array_index (recognition, i);
      const char *country = merkki_country_get_name (entry->country);
      g_autofree char *status = NULL;

      if (!entry->recognised)
        /* Translators: whether a label counts in a country. */
        status = g_strdup (_("not recognised"));
      else if (entry->level > 0 && entry->simplified)
        status = g_strdup_printf (_("simplified route, Level %d"), entry->level);
      else if (entry->level > 0)
        status = g_strdup_printf (_("recognised, Level %d"), entry->level);
      else if (entry->simplified)
        status = g_strdup (_("simplified route"));
      else
        status = g_strdup (_("recognised"));

      /* Translators: "  Finland: recognised — Mutual recognition since …" */
      printf (_("  %s: %s — %s\n"), country != NULL ? country : entry->country, status,
              entry->basis != NULL ? entry->basis : "");
    }
}

static void
print_human (MerkkiCheckResult *result)
{
  MerkkiLabelRef *ref = merkki_check_result_get_reference (result);
  MerkkiVerdict verdict = merkki_check_result_get_verdict (result);
  const MerkkiRecord *record = merkki_check_result_get_record (result);
  GPtrArray *answers = merkki_check_result_get_answers (result);
  const char *explanation = merkki_check_result_get_explanation (result);

  g_autofree char *staleness = merkki_check_result_describe_staleness (result);

  printf ("%s\n", merkki_verdict_get_title (verdict));
  if (staleness != NULL)
    printf ("  %s\n", staleness);

  if (merkki_label_ref_get_kind (ref) != MERKKI_LABEL_KIND_REFERENCE)
    {
      const char *reason = merkki_label_ref_get_reason (ref);

      if (reason != NULL)
        printf ("  %s\n", reason);
      /* Translators: the payload, shown escaped, never opened. */
      printf (_("  Text: %s\n"), merkki_label_ref_get_display_text (ref));
    }
  else
    {
      const char *scheme_name = merkki_scheme_get_name (merkki_label_ref_get_scheme (ref));

      printf (_("  Reference: %s (%s)\n"), merkki_label_ref_get_id (ref),
              scheme_name != NULL ? scheme_name : merkki_label_ref_get_scheme (ref));
    }

  if (record != NULL)
    {
      printf (_("  Product: %s %s\n"), record->brand, record->model);
      if (record->manufacturer != NULL)
        printf (_("  Manufacturer: %s\n"), record->manufacturer);
      if (record->level > 0)
        /* Translators: a CLS level, 1 to 4. */
        printf (_("  Level: %d of 4\n"), record->level);
      if (record->expires != NULL)
        {
          g_autofree char *date = merkki_format_gdate (record->expires);

          printf (_("  Expires: %s\n"), date);
        }
    }

  print_recognition (result);

  if (explanation != NULL)
    printf ("\n%s\n", explanation);

  if (answers->len > 0)
    printf ("\n");
  for (guint i = 0; i < answers->len; i++)
    {
      const MerkkiRegistryAnswer *answer = g_ptr_array_index (answers, i);
      g_autofree char *line = merkki_registry_answer_describe (answer, NULL);
      g_auto(GStrv) lines = g_strsplit (line, "\n", -1);

      for (guint j = 0; lines[j] != NULL; j++)
        printf ("%s\n", lines[j]);

      /* The partner's own label for the same product. */
      if (!answer->is_issuer && answer->record != NULL)
        {
          const char *scheme_name = merkki_scheme_get_name (answer->record->scheme);

          /* Translators: the other authority's label of the same product,
           * e.g. "  Also labelled: Cybersecurity Label (Finland), test-hub-2". */
          printf (_("  Also labelled: %s, %s\n"),
                  scheme_name != NULL ? scheme_name : answer->record->scheme, answer->record->id);
        }
    }

  if (merkki_check_result_is_demo (result))
    printf ("%s\n", _("Demo data: not a real registry"));
}

int
merkki_cli_lookup (int    argc,
                   char **argv)
{
  gboolean json = FALSE;
  gboolean offline = FALSE;
  int max_offline_age = MERKKI_CHECKER_DEFAULT_MAX_OFFLINE_AGE_DAYS;
  g_auto(GStrv) registry_args = NULL;
  GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print the result as one JSON object"), NULL },
    { "offline", 0, 0, G_OPTION_ARG_NONE, &offline, N_("Ask no registry: use saved answers and the offline copy"), NULL },
    { "registry", 0, 0, G_OPTION_ARG_STRING_ARRAY, &registry_args,
      N_("Use URL as the address of registry ID"), N_("ID=URL") },
    { "max-offline-age", 0, 0, G_OPTION_ARG_INT, &max_offline_age,
      N_("Say so when the answer comes from an offline copy older than DAYS (default 30)"), N_("DAYS") },
    { NULL }
  };
  g_autoptr(MerkkiRegistryConfig) config = NULL;
  g_autoptr(MerkkiRegistryClient) client = NULL;
  g_autoptr(MerkkiStore) store = NULL;
  g_autoptr(MerkkiChecker) checker = NULL;
  g_autoptr(MerkkiCheckResult) result = NULL;
  g_autoptr(GBytes) payload = NULL;
  g_autoptr(GError) error = NULL;

  if (!merkki_cli_parse_options ("lookup", _("REFERENCE-OR-PAYLOAD"),
                                 _("Check a label reference against the issuer’s registry and its "
                                   "partner’s.\n\nExit status: 0 valid, 1 expired, revoked, not found, "
                                   "mismatch, suspicious or not a label, 3 unverified (no registry "
                                   "answered and nothing saved), 2 usage or input error."),
                                 entries, &argc, &argv))
    return MERKKI_CLI_EXIT_USAGE;

  if (argc != 2)
    return merkki_cli_usage_error ("lookup", "%s",
                                   argc < 2 ? _("Give one reference or payload (“-” reads it from standard input)")
                                            : _("Give only one reference or payload"));

  if (max_offline_age < 0)
    return merkki_cli_usage_error ("lookup", "%s", _("--max-offline-age takes a number of days, 0 or more"));

  config = merkki_cli_load_registry_config ("lookup", registry_args);
  if (config == NULL)
    return MERKKI_CLI_EXIT_USAGE;

  if (g_str_equal (argv[1], "-"))
    {
      payload = read_stdin_payload (&error);
      if (payload == NULL)
        return merkki_cli_usage_error ("lookup", "%s", error->message);
    }
  else
    {
      payload = g_bytes_new (argv[1], strlen (argv[1]));
    }

  store = merkki_cli_open_store ("lookup");
  if (store == NULL)
    return MERKKI_CLI_EXIT_USAGE;

  client = merkki_registry_client_new ();
  checker = merkki_checker_new (config, client, store, NULL);
  merkki_checker_set_max_offline_age (checker, (guint) max_offline_age);
  result = merkki_checker_check (checker, payload,
                                 offline ? MERKKI_CHECK_FLAGS_OFFLINE : MERKKI_CHECK_FLAGS_NONE,
                                 NULL, &error);
  if (result == NULL)
    return merkki_cli_usage_error ("lookup", "%s", error->message);

  if (json)
    {
      json_t *object = merkki_check_result_to_json (result);
      g_autofree char *text = json_dumps (object, JSON_COMPACT);

      json_decref (object);
      printf ("%s\n", text);
    }
  else
    {
      print_human (result);
    }

  fflush (stdout);
  return merkki_verdict_exit_status (merkki_check_result_get_verdict (result));
}
