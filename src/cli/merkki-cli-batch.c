/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <glib/gi18n.h>
#include <jansson.h>

#include "merkki-core.h"
#include "merkki-cli.h"
#include "merkki-cli-batch.h"

struct _MerkkiCliBatch {
  MerkkiCliBatchOptions  options;
  char                  *session;
  MerkkiStore           *store;
  MerkkiChecker         *checker;
  gboolean               progress;     /* stderr is a terminal */
  guint                  n_done;
  guint                  n_action;
  guint                  n_checks;
  guint                  n_skipped;
  gboolean               any_negative;
  gboolean               any_unverified;
  char                  *evidence;     /* of the file begun last */
  GHashTable            *recorded;     /* its codes already in the session: GBytes* → gint64* */
};

void
merkki_cli_batch_free (MerkkiCliBatch *self)
{
  if (self == NULL)
    return;
  g_clear_object (&self->checker);
  g_clear_object (&self->store);
  g_free (self->session);
  g_free (self->evidence);
  g_clear_pointer (&self->recorded, g_hash_table_unref);
  g_free (self);
}

MerkkiCliBatch *
merkki_cli_batch_new (const MerkkiCliBatchOptions  *options,
                      GError                      **error)
{
  g_autoptr(MerkkiCliBatch) self = g_new0 (MerkkiCliBatch, 1);
  g_autoptr(MerkkiRegistryConfig) config = NULL;
  g_autoptr(MerkkiRegistryClient) client = NULL;
  g_autofree char *store_path = NULL;

  self->options = *options;
  self->session = g_strdup (options->session);
  self->options.session = self->session;
  self->progress = isatty (STDERR_FILENO);

  config = merkki_cli_registry_config_new (options->registry_args, error);
  if (config == NULL)
    return NULL;

  store_path = merkki_store_get_default_path ();
  self->store = merkki_store_open (store_path, error);
  if (self->store == NULL)
    return NULL;

  if (self->session != NULL
      && !merkki_store_create_session (self->store, self->session, options->place, options->inspector, error))
    return NULL;

  client = merkki_registry_client_new ();
  self->checker = merkki_checker_new (config, client, self->store, NULL);
  merkki_checker_set_max_offline_age (self->checker, options->max_offline_age_days);
  return g_steal_pointer (&self);
}

static void
clear_progress (MerkkiCliBatch *self)
{
  if (self->progress && self->n_done > 0)
    fputs ("\r\033[K", stderr);
}

static void
show_progress (MerkkiCliBatch *self)
{
  if (!self->progress)
    return;
  fputs ("\r\033[K", stderr);
  /* Translators: the progress line of a batch scan on a terminal,
   * "12/50 photos, 3 need action". */
  fprintf (stderr, g_dngettext (GETTEXT_PACKAGE, "%u/%u photos, %u need action",
                                "%u/%u photos, %u need action", self->options.n_files),
           self->n_done, self->options.n_files, self->n_action);
  fflush (stderr);
}

/* The file's extension for its evidence copy: letters and digits only. */
static char *
evidence_extension (const char *file)
{
  g_autofree char *base = g_path_get_basename (file);
  const char *dot = strrchr (base, '.');
  g_autofree char *lower = NULL;

  if (dot == NULL || dot[1] == '\0' || strlen (dot + 1) > 8)
    return g_strdup ("bin");
  lower = g_ascii_strdown (dot + 1, -1);
  for (const char *p = lower; *p != '\0'; p++)
    {
      if (!g_ascii_isalnum (*p))
        return g_strdup ("bin");
    }
  return g_steal_pointer (&lower);
}

gboolean
merkki_cli_batch_begin_file (MerkkiCliBatch  *self,
                             const char      *file,
                             GError         **error)
{
  g_autofree char *contents = NULL;
  g_autofree char *extension = NULL;
  g_autofree char *sha256 = NULL;
  g_autoptr(GBytes) bytes = NULL;
  gsize length = 0;

  g_clear_pointer (&self->evidence, g_free);
  g_clear_pointer (&self->recorded, g_hash_table_unref);

  /* Photos are kept as evidence of an inspection session only. */
  if (self->session == NULL)
    return TRUE;

  if (!g_file_get_contents (file, &contents, &length, error))
    return FALSE;
  bytes = g_bytes_new_take (g_steal_pointer (&contents), length);

  /* Saved before any check of it is recorded, so that a recorded check
   * always has its photo. */
  extension = evidence_extension (file);
  self->evidence = merkki_store_save_evidence (self->store, bytes, extension, &sha256, error);
  if (self->evidence == NULL)
    return FALSE;

  /* A resumed session skips the codes of this photo it already has, one
   * by one: a batch killed between two codes of one photo checks the
   * others now. */
  self->recorded = merkki_store_find_evidence_checks (self->store, self->session, sha256, error);
  return self->recorded != NULL;
}

static void
print_skipped (MerkkiCliBatch *self,
               const char     *file,
               gint64          done)
{
  self->n_skipped++;
  clear_progress (self);
  if (self->options.json)
    {
      json_t *object = json_pack ("{s:s, s:s, s:I, s:s}", "file", file, "skipped", "already-recorded",
                                  "history_id", (json_int_t) done, "session", self->session);
      g_autofree char *line = json_dumps (object, JSON_COMPACT | JSON_ENSURE_ASCII);

      json_decref (object);
      printf ("%s\n", line);
    }
  else
    {
      /* Translators: a resumed batch scan skips a code it already
       * checked; %s are the file and the session, %d the check's number. */
      printf (_("%s: already in session “%s” (check %d)\n"), file, self->session, (int) done);
    }
  fflush (stdout);
}

static void
print_check (MerkkiCliBatch    *self,
             const char        *file,
             MerkkiCheckResult *result,
             gint64             history_id)
{
  MerkkiLabelRef *ref = merkki_check_result_get_reference (result);
  const MerkkiRecord *record = merkki_check_result_get_record (result);

  clear_progress (self);
  if (self->options.json)
    {
      json_t *object = merkki_check_result_to_json (result);
      g_autofree char *line = NULL;

      json_object_set_new (object, "file", json_string (file));
      json_object_set_new (object, "history_id", json_integer (history_id));
      json_object_set_new (object, "session", self->session != NULL ? json_string (self->session) : json_null ());
      json_object_set_new (object, "evidence", self->evidence != NULL ? json_string (self->evidence) : json_null ());
      line = json_dumps (object, JSON_COMPACT);
      json_decref (object);
      printf ("%s\n", line);
    }
  else
    {
      g_autofree char *staleness = merkki_check_result_describe_staleness (result);
      const char *what = merkki_label_ref_get_kind (ref) == MERKKI_LABEL_KIND_REFERENCE
                         ? merkki_label_ref_get_id (ref)
                         : merkki_label_ref_get_display_text (ref);

      printf ("%s: %s  %s", file, merkki_verdict_get_title (merkki_check_result_get_verdict (result)), what);
      if (record != NULL)
        printf ("  %s %s", record->brand, record->model);
      if (merkki_check_result_is_demo (result))
        printf ("  (%s)", _("demo data"));
      if (staleness != NULL)
        printf ("  — %s", staleness);
      printf ("\n");
    }
  fflush (stdout);
}

void
merkki_cli_batch_check (MerkkiCliBatch *self,
                        const char     *file,
                        GPtrArray      *payloads)
{
  for (guint i = 0; i < payloads->len; i++)
    {
      g_autoptr(MerkkiCheckResult) result = NULL;
      g_autoptr(GError) error = NULL;
      MerkkiCheckFlags flags = MERKKI_CHECK_FLAGS_NO_HISTORY;
      MerkkiVerdict verdict;
      const gint64 *done;
      gint64 id;

      done = self->recorded != NULL ? g_hash_table_lookup (self->recorded, g_ptr_array_index (payloads, i)) : NULL;
      if (done != NULL)
        {
          print_skipped (self, file, *done);
          continue;
        }

      if (self->options.offline)
        flags |= MERKKI_CHECK_FLAGS_OFFLINE;
      result = merkki_checker_check (self->checker, g_ptr_array_index (payloads, i), flags, NULL, &error);
      if (result == NULL)
        {
          clear_progress (self);
          merkki_cli_usage_error ("scan", "%s: %s", file, error->message);
          self->any_unverified = TRUE;
          continue;
        }

      /* The check and its photo together, committed before the next. */
      id = merkki_store_add_history_with_evidence (self->store, result, self->session,
                                                   self->evidence, NULL, &error);
      if (id == 0)
        {
          clear_progress (self);
          merkki_cli_usage_error ("scan", "%s", error->message);
        }

      verdict = merkki_check_result_get_verdict (result);
      self->n_checks++;
      if (merkki_verdict_needs_action (verdict))
        self->n_action++;
      if (verdict == MERKKI_VERDICT_UNVERIFIED)
        self->any_unverified = TRUE;
      else if (merkki_verdict_exit_status (verdict) == MERKKI_CLI_EXIT_NEGATIVE)
        self->any_negative = TRUE;

      print_check (self, file, result, id);
    }
}

void
merkki_cli_batch_end_file (MerkkiCliBatch *self)
{
  self->n_done++;
  show_progress (self);
}

int
merkki_cli_batch_finish (MerkkiCliBatch *self)
{
  if (self->progress && self->n_done > 0)
    fputc ('\n', stderr);

  if (self->any_negative)
    return MERKKI_CLI_EXIT_NEGATIVE;
  if (self->any_unverified)
    return MERKKI_CLI_EXIT_UNVERIFIED;
  return MERKKI_CLI_EXIT_VALID;
}
