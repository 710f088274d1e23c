/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <jansson.h>

#include "merkki-camera.h"
#include "merkki-core.h"
#include "merkki-cli.h"
#include "merkki-cli-batch.h"

/* A video that delivers no frame for this long is given up on: a pipeline
 * that neither plays nor fails must not hang a script. */
#define VIDEO_STALL_SECONDS 20

/* One distinct code read from one file. */
typedef struct {
  GBytes *payload;
  char   *text;
  gint64  ms;      /* from the start of reading the file to this code */
} Hit;

static void
hit_free (Hit *hit)
{
  g_bytes_unref (hit->payload);
  g_free (hit->text);
  g_free (hit);
}

/* Adds the code unless the file already gave the same bytes. */
static void
add_hit (GPtrArray  *hits,
         GBytes     *payload,
         const char *text,
         gint64      started)
{
  Hit *hit;

  for (guint i = 0; i < hits->len; i++)
    {
      if (g_bytes_equal (((Hit *) g_ptr_array_index (hits, i))->payload, payload))
        return;
    }

  hit = g_new0 (Hit, 1);
  hit->payload = g_bytes_ref (payload);
  hit->text = g_strdup (text);
  hit->ms = (g_get_monotonic_time () - started) / 1000;
  g_ptr_array_add (hits, hit);
}

static gboolean
is_video (const char *path)
{
  static const char * const extensions[] = {
    ".webm", ".mkv", ".ogg", ".ogv", ".mp4", ".m4v", ".mov", ".avi", NULL,
  };
  g_autofree char *lower = g_ascii_strdown (path, -1);
  g_autofree char *content_type = NULL;

  for (guint i = 0; extensions[i] != NULL; i++)
    {
      if (g_str_has_suffix (lower, extensions[i]))
        return TRUE;
    }

  content_type = g_content_type_guess (path, NULL, 0, NULL);
  return g_str_has_prefix (content_type, "video/");
}

/* Images */

static GPtrArray *
scan_image (const char  *path,
            GError     **error)
{
  g_autoptr(MerkkiDecoder) decoder = merkki_decoder_new ();
  g_autoptr(GPtrArray) codes = NULL;
  g_autoptr(GPtrArray) hits = g_ptr_array_new_with_free_func ((GDestroyNotify) hit_free);
  gint64 started = g_get_monotonic_time ();

  codes = merkki_decoder_decode_file (decoder, path, error);
  if (codes == NULL)
    return NULL;

  for (guint i = 0; i < codes->len; i++)
    {
      MerkkiDecodedCode *code = g_ptr_array_index (codes, i);

      add_hit (hits, code->payload, code->text, started);
    }

  return g_steal_pointer (&hits);
}

/* Videos: the camera pipeline with the file as its source */

typedef struct {
  GMainLoop *loop;
  GPtrArray *hits;
  gint64     started;
  gint64     last_progress;
  gboolean   stalled;
} VideoScan;

static void
on_video_frame_cb (MerkkiCamera *camera,
                   GBytes       *bgra,
                   int           width,
                   int           height,
                   int           stride,
                   VideoScan    *scan)
{
  scan->last_progress = g_get_monotonic_time ();
}

static void
on_video_code_found_cb (MerkkiCamera *camera,
                        GBytes       *payload,
                        const char   *text,
                        VideoScan    *scan)
{
  scan->last_progress = g_get_monotonic_time ();
  add_hit (scan->hits, payload, text, scan->started);
}

static void
on_video_state_cb (MerkkiCamera *camera,
                   GParamSpec   *pspec,
                   VideoScan    *scan)
{
  MerkkiCameraState state = merkki_camera_get_state (camera);

  if (state != MERKKI_CAMERA_STATE_STARTING && state != MERKKI_CAMERA_STATE_PLAYING)
    g_main_loop_quit (scan->loop);
}

static gboolean
on_video_watchdog_cb (gpointer user_data)
{
  VideoScan *scan = user_data;

  if (g_get_monotonic_time () - scan->last_progress > VIDEO_STALL_SECONDS * G_USEC_PER_SEC)
    {
      scan->stalled = TRUE;
      g_main_loop_quit (scan->loop);
    }

  return G_SOURCE_CONTINUE;
}

static GPtrArray *
scan_video (const char  *path,
            GError     **error)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(MerkkiCamera) camera = NULL;
  g_autoptr(GPtrArray) hits = g_ptr_array_new_with_free_func ((GDestroyNotify) hit_free);
  g_autoptr(GSource) watchdog = NULL;
  g_autofree char *escaped = NULL;
  g_autofree char *description = NULL;
  VideoScan scan = { 0 };
  MerkkiCameraState state;
  g_autoptr(GError) camera_error = NULL;

  /* filesrc reports a missing file less clearly than this. */
  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
    {
      g_set_error (error, MERKKI_ERROR, MERKKI_ERROR_DECODE, _("Could not read the video “%s”: no such file"), path);
      return NULL;
    }

  g_main_context_push_thread_default (context);

  escaped = g_strescape (path, NULL);
  description = g_strdup_printf ("filesrc location=\"%s\" ! decodebin", escaped);

  camera = merkki_camera_new ();
  merkki_camera_set_pipeline_description (camera, description);
  merkki_camera_set_scan_every_frame (camera, TRUE);

  scan.loop = g_main_loop_new (context, FALSE);
  scan.hits = hits;
  scan.started = scan.last_progress = g_get_monotonic_time ();
  g_signal_connect (camera, "frame", G_CALLBACK (on_video_frame_cb), &scan);
  g_signal_connect (camera, "code-found", G_CALLBACK (on_video_code_found_cb), &scan);
  g_signal_connect (camera, "notify::state", G_CALLBACK (on_video_state_cb), &scan);

  watchdog = g_timeout_source_new_seconds (1);
  g_source_set_callback (watchdog, on_video_watchdog_cb, &scan, NULL);
  g_source_attach (watchdog, context);

  if (merkki_camera_start (camera, &camera_error))
    g_main_loop_run (scan.loop);

  g_source_destroy (watchdog);
  state = merkki_camera_get_state (camera);
  if (camera_error == NULL && merkki_camera_get_error (camera) != NULL)
    camera_error = g_error_copy (merkki_camera_get_error (camera));
  g_signal_handlers_disconnect_by_data (camera, &scan);
  merkki_camera_stop (camera);
  g_clear_object (&camera);
  g_main_loop_unref (scan.loop);
  g_main_context_pop_thread_default (context);

  if (scan.stalled)
    {
      g_set_error (error, MERKKI_ERROR, MERKKI_ERROR_DECODE,
                   _("Could not read the video “%s”: no frame for %d seconds"),
                   path, VIDEO_STALL_SECONDS);
      return NULL;
    }

  if (state != MERKKI_CAMERA_STATE_END_OF_STREAM)
    {
      /* Translators: the second %s is GStreamer's own explanation. */
      g_set_error (error, MERKKI_ERROR, MERKKI_ERROR_DECODE, _("Could not read the video “%s”: %s"),
                   path, camera_error != NULL ? camera_error->message : _("it did not play to the end"));
      return NULL;
    }

  return g_steal_pointer (&hits);
}

/* Output */

/* The text with control characters escaped, for one line on a terminal. */
static char *
printable (const char *text)
{
  GString *out = g_string_new (NULL);

  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0))
        g_string_append_printf (out, "\\u%04x", c);
      else if (c == '\\')
        g_string_append (out, "\\\\");
      else
        g_string_append_unichar (out, c);
    }

  return g_string_free (out, FALSE);
}

static char *
hex (GBytes *bytes)
{
  gsize len;
  const guint8 *data = g_bytes_get_data (bytes, &len);
  GString *out = g_string_sized_new (len * 2);

  for (gsize i = 0; i < len; i++)
    g_string_append_printf (out, "%02x", data[i]);
  return g_string_free (out, FALSE);
}

static void
print_json_line (json_t *object)
{
  g_autofree char *line = json_dumps (object, JSON_COMPACT | JSON_ENSURE_ASCII);

  printf ("%s\n", line);
  fflush (stdout);
}

static void
print_hit (const char *file,
           const Hit  *hit,
           gboolean    json)
{
  if (json)
    {
      json_t *object = json_object ();
      g_autofree char *payload_hex = hex (hit->payload);

      json_object_set_new (object, "file", json_string (file));
      json_object_set_new (object, "payload", json_string (hit->text));
      json_object_set_new (object, "payload_hex", json_string (payload_hex));
      json_object_set_new (object, "ms", json_integer (hit->ms));
      print_json_line (object);
      json_decref (object);
    }
  else
    {
      g_autofree char *text = printable (hit->text);

      printf ("%s: %s\n", file, text);
    }
}

static gboolean json_output;
static gboolean no_lookup;
static gboolean offline;
static char *session;
static char *place;
static char *inspector;
static char **registry_args;
static int max_offline_age;

static GOptionEntry entries[] = {
  { "json", 0, 0, G_OPTION_ARG_NONE, &json_output, N_("Print one JSON object per code"), NULL },
  { "no-lookup", 0, 0, G_OPTION_ARG_NONE, &no_lookup, N_("Only read the codes; ask no registry"), NULL },
  { "session", 0, 0, G_OPTION_ARG_STRING, &session,
    N_("Record the checks in inspection session NAME, with each file as evidence; "
       "files the session already has are skipped"), N_("NAME") },
  { "place", 0, 0, G_OPTION_ARG_STRING, &place, N_("Where the session takes place"), N_("PLACE") },
  { "inspector", 0, 0, G_OPTION_ARG_STRING, &inspector, N_("Who inspects"), N_("NAME") },
  { "offline", 0, 0, G_OPTION_ARG_NONE, &offline, N_("Ask no registry: use saved answers and the offline copy"), NULL },
  { "registry", 0, 0, G_OPTION_ARG_STRING_ARRAY, &registry_args,
    N_("Use URL as the address of registry ID"), N_("ID=URL") },
  { "max-offline-age", 0, 0, G_OPTION_ARG_INT, &max_offline_age,
    N_("Say so when the answer comes from an offline copy older than DAYS (default 30)"), N_("DAYS") },
  { NULL }
};

int
merkki_cli_scan (int    argc,
                 char **argv)
{
  g_autoptr(MerkkiCliBatch) batch = NULL;
  int status = 0;

  json_output = FALSE;
  no_lookup = FALSE;
  offline = FALSE;
  max_offline_age = MERKKI_CHECKER_DEFAULT_MAX_OFFLINE_AGE_DAYS;
  g_clear_pointer (&session, g_free);
  g_clear_pointer (&place, g_free);
  g_clear_pointer (&inspector, g_free);
  g_clear_pointer (&registry_args, g_strfreev);

  if (!merkki_cli_parse_options ("scan", _("FILE…"),
                                 /* Translators: the summary of “merkki-cli scan --help”. */
                                 _("Reads the QR codes in images (PNG, JPEG, WebP) and videos "
                                   "(WebM, Ogg, Matroska) and checks each distinct code. A file "
                                   "that cannot be read or shows no code is an input error "
                                   "(exit status 2); the other files are still scanned."),
                                 entries, &argc, &argv))
    return MERKKI_CLI_EXIT_USAGE;

  if (argc < 2)
    return merkki_cli_usage_error ("scan", "%s", _("No file given"));

  if (no_lookup && (session != NULL || place != NULL || inspector != NULL))
    return merkki_cli_usage_error ("scan", "%s", _("--session records checks; it cannot go with --no-lookup"));
  if (max_offline_age < 0)
    return merkki_cli_usage_error ("scan", "%s", _("--max-offline-age takes a number of days, 0 or more"));
  if (session == NULL && (place != NULL || inspector != NULL))
    return merkki_cli_usage_error ("scan", "%s", _("--place and --inspector describe a --session"));

  if (!no_lookup)
    {
      MerkkiCliBatchOptions options = {
        .session = session,
        .place = place,
        .inspector = inspector,
        .offline = offline,
        .json = json_output,
        .n_files = (guint) (argc - 1),
        .registry_args = registry_args,
        .max_offline_age_days = (guint) max_offline_age,
      };
      g_autoptr(GError) error = NULL;

      batch = merkki_cli_batch_new (&options, &error);
      if (batch == NULL)
        return merkki_cli_usage_error ("scan", "%s", error->message);
    }

  for (int i = 1; i < argc; i++)
    {
      const char *file = argv[i];
      g_autoptr(GError) error = NULL;
      g_autoptr(GPtrArray) hits = NULL;

      if (batch != NULL && !merkki_cli_batch_begin_file (batch, file, &error))
        {
          /* The file cannot be read, or its evidence copy cannot be saved. */
          if (error != NULL)
            {
              merkki_cli_usage_error ("scan", "%s", error->message);
              status = MERKKI_CLI_EXIT_USAGE;
            }
          merkki_cli_batch_end_file (batch);
          continue;
        }

      if (is_video (file))
        hits = scan_video (file, &error);
      else
        hits = scan_image (file, &error);

      if (hits == NULL)
        {
          merkki_cli_usage_error ("scan", "%s", error->message);
          status = MERKKI_CLI_EXIT_USAGE;
        }
      else if (hits->len == 0)
        {
          merkki_cli_usage_error ("scan", _("No QR code found in “%s”"), file);
          status = MERKKI_CLI_EXIT_USAGE;
        }
      else if (batch != NULL)
        {
          g_autoptr(GPtrArray) payloads = g_ptr_array_new ();

          for (guint j = 0; j < hits->len; j++)
            g_ptr_array_add (payloads, ((Hit *) g_ptr_array_index (hits, j))->payload);
          merkki_cli_batch_check (batch, file, payloads);
        }
      else
        {
          for (guint j = 0; j < hits->len; j++)
            print_hit (file, g_ptr_array_index (hits, j), json_output);
        }

      if (batch != NULL)
        merkki_cli_batch_end_file (batch);
    }

  if (batch != NULL)
    {
      int checks = merkki_cli_batch_finish (batch);

      /* An input error wins: a script must notice the files it lost. */
      return status != 0 ? status : checks;
    }
  return status;
}
