/* SPDX-License-Identifier: GPL-3.0-or-later */
/* QR decoding benchmark: Merkki's STILL path against zbarimg and
 * ZXingReader on the real photographs of ZXing's black-box test set, and
 * the time of Merkki's LIVE path on 1280×720 camera-like frames.
 *
 *   bench-decode [--merkki-only] [--misses] [MANIFEST.tsv | DIRECTORY]
 *
 * Without an argument the set is taken from $MERKKI_QR_BENCH, else from
 * ../shared/qr-bench next to the source tree. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "merkki-decoder.h"
#include "merkki-test-qr.h"

typedef struct {
  char   *image;      /* absolute path */
  char   *name;       /* as in the manifest */
  GBytes *expected;   /* the exact text, from expected_text_path */
  GBytes *alt;        /* expected_alt_utf8, or NULL */
} Sample;

static void
sample_free (Sample *sample)
{
  g_free (sample->image);
  g_free (sample->name);
  g_clear_pointer (&sample->expected, g_bytes_unref);
  g_clear_pointer (&sample->alt, g_bytes_unref);
  g_free (sample);
}

typedef struct {
  const char *label;
  gboolean    subprocess;
  guint       read;
  guint       total;
  GArray     *ms;          /* wall-clock, double per image */
  GArray     *cpu_ms;      /* CPU, double per image */
  GString    *misses;
} Result;

static gboolean opt_merkki_only;
static gboolean opt_misses;

/* The manifest ----------------------------------------------------------- */

/* Undoes the escaping of the manifest's text columns: \\, \n, \r, \t and
 * \xHH. */
static GBytes *
unescape (const char *text)
{
  GByteArray *out = g_byte_array_new ();

  for (const char *p = text; *p != '\0'; p++)
    {
      guint8 c = (guint8) *p;

      if (*p == '\\' && p[1] != '\0')
        {
          p++;
          switch (*p)
            {
            case 'n': c = '\n'; break;
            case 'r': c = '\r'; break;
            case 't': c = '\t'; break;
            case 'x':
              if (g_ascii_isxdigit (p[1]) && g_ascii_isxdigit (p[2]))
                {
                  c = (guint8) (g_ascii_xdigit_value (p[1]) * 16 + g_ascii_xdigit_value (p[2]));
                  p += 2;
                }
              break;
            default: c = (guint8) *p; break;
            }
        }
      g_byte_array_append (out, &c, 1);
    }
  return g_byte_array_free_to_bytes (out);
}

static char *
find_manifest (const char *given)
{
  g_autofree char *fallback = g_build_filename (MERKKI_SOURCE_ROOT, "..", "shared", "qr-bench", NULL);
  const char *path = given;

  if (path == NULL)
    path = g_getenv ("MERKKI_QR_BENCH");
  if (path == NULL)
    path = fallback;

  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      const char *inside[] = { "MANIFEST.tsv", "zxing-blackbox/MANIFEST.tsv" };

      for (guint i = 0; i < G_N_ELEMENTS (inside); i++)
        {
          char *candidate = g_build_filename (path, inside[i], NULL);

          if (g_file_test (candidate, G_FILE_TEST_IS_REGULAR))
            return candidate;
          g_free (candidate);
        }
      return NULL;
    }
  return g_file_test (path, G_FILE_TEST_IS_REGULAR) ? g_strdup (path) : NULL;
}

static int
column_index (char       **header,
              const char  *name)
{
  for (int i = 0; header[i] != NULL; i++)
    if (g_str_equal (g_strstrip (header[i]), name))
      return i;
  return -1;
}

static GPtrArray *
load_manifest (const char  *manifest,
               GError     **error)
{
  g_autofree char *contents = NULL;
  g_autofree char *dir = g_path_get_dirname (manifest);
  g_auto(GStrv) lines = NULL;
  g_auto(GStrv) header = NULL;
  g_autoptr(GPtrArray) samples = g_ptr_array_new_with_free_func ((GDestroyNotify) sample_free);
  int image_col, text_col, alt_col;

  if (!g_file_get_contents (manifest, &contents, NULL, error))
    return NULL;
  lines = g_strsplit (contents, "\n", -1);
  if (lines[0] == NULL)
    goto bad;
  header = g_strsplit (lines[0], "\t", -1);
  image_col = column_index (header, "image_path");
  text_col = column_index (header, "expected_text_path");
  alt_col = column_index (header, "expected_alt_utf8_escaped");
  if (image_col < 0 || text_col < 0)
    goto bad;

  for (guint i = 1; lines[i] != NULL; i++)
    {
      g_auto(GStrv) fields = NULL;
      g_autofree char *text_path = NULL;
      g_autofree char *text = NULL;
      gsize text_len = 0;
      Sample *sample;

      if (*lines[i] == '\0')
        continue;
      fields = g_strsplit (lines[i], "\t", -1);
      if (g_strv_length (fields) <= (guint) MAX (image_col, text_col))
        goto bad;
      text_path = g_build_filename (dir, fields[text_col], NULL);
      if (!g_file_get_contents (text_path, &text, &text_len, error))
        return NULL;

      sample = g_new0 (Sample, 1);
      sample->name = g_strdup (fields[image_col]);
      sample->image = g_build_filename (dir, fields[image_col], NULL);
      sample->expected = g_bytes_new (text, text_len);
      if (alt_col >= 0 && (guint) alt_col < g_strv_length (fields) && *g_strchomp (fields[alt_col]) != '\0')
        sample->alt = unescape (fields[alt_col]);
      g_ptr_array_add (samples, sample);
    }
  return g_steal_pointer (&samples);

bad:
  g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s: not a benchmark manifest", manifest);
  return NULL;
}

/* Matching ---------------------------------------------------------------- */

static gboolean
bytes_match (GBytes     *expected,
             const char *text,
             gsize       len)
{
  return expected != NULL && g_bytes_get_size (expected) == len &&
         memcmp (g_bytes_get_data (expected, NULL), text, len) == 0;
}

static gboolean
sample_matches (const Sample *sample,
                const char   *text,
                gsize         len)
{
  return bytes_match (sample->expected, text, len) || bytes_match (sample->alt, text, len);
}

/* Whether zbarimg's --raw output (each symbol's text and a newline) has
 * one symbol with exactly the expected text. */
static gboolean
zbarimg_output_matches (const Sample *sample,
                        const char   *output)
{
  GBytes *candidates[] = { sample->expected, sample->alt };

  for (guint i = 0; i < G_N_ELEMENTS (candidates); i++)
    {
      g_autofree char *needle = NULL;
      gsize len;

      if (candidates[i] == NULL)
        continue;
      len = g_bytes_get_size (candidates[i]);
      needle = g_malloc (len + 1);
      memcpy (needle, g_bytes_get_data (candidates[i], NULL), len);
      needle[len] = '\n';
      for (const char *p = output; p != NULL && *p != '\0'; )
        {
          if (strncmp (p, needle, len + 1) == 0)
            return TRUE;
          p = strchr (p, '\n');
          if (p != NULL)
            p++;
        }
    }
  return FALSE;
}

/* Whether one of the Text: "…" fields of ZXingReader's output is exactly
 * the expected text (the field runs to the quote before "Bytes:"). */
static gboolean
zxing_output_matches (const Sample *sample,
                      const char   *output)
{
  const char *start = "Text:       \"";

  for (const char *p = strstr (output, start); p != NULL; p = strstr (p, start))
    {
      const char *end;

      p += strlen (start);
      end = strstr (p, "\"\nBytes:");
      if (end == NULL)
        break;
      if (sample_matches (sample, p, (gsize) (end - p)))
        return TRUE;
      p = end;
    }
  return FALSE;
}

/* Running ----------------------------------------------------------------- */

/* The time one image took: wall-clock, and CPU (the decoding thread's, or
 * the child process's user + system time), which other programs sharing
 * the machine do not inflate. */
typedef struct {
  double wall;
  double cpu;
} Timing;

static double
elapsed_ms (gint64 start)
{
  return (g_get_monotonic_time () - start) / 1000.0;
}

/* Thread CPU time in ms: the budget is for one core, and other programs
 * may share it while the benchmark runs. */
static double
cpu_ms (void)
{
  struct timespec now;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &now);
  return now.tv_sec * 1000.0 + now.tv_nsec / 1e6;
}

static double
children_cpu_ms (void)
{
  struct rusage usage;

  getrusage (RUSAGE_CHILDREN, &usage);
  return (usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1000.0
         + (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1000.0;
}

static gboolean
read_with_merkki (MerkkiDecoder *decoder,
                  const Sample  *sample,
                  Timing        *timing)
{
  g_autoptr(GPtrArray) codes = NULL;
  g_autoptr(GError) error = NULL;
  gint64 start = g_get_monotonic_time ();
  double cpu_start = cpu_ms ();

  codes = merkki_decoder_decode_file (decoder, sample->image, &error);
  timing->cpu = cpu_ms () - cpu_start;
  timing->wall = elapsed_ms (start);
  if (codes == NULL)
    {
      g_printerr ("%s\n", error->message);
      return FALSE;
    }
  for (guint i = 0; i < codes->len; i++)
    {
      MerkkiDecodedCode *code = g_ptr_array_index (codes, i);

      if (sample_matches (sample, code->text, strlen (code->text)))
        return TRUE;
    }
  return FALSE;
}

static char *
run (const char * const *argv,
     Timing             *timing)
{
  g_autoptr(GError) error = NULL;
  char *output = NULL;
  gint64 start = g_get_monotonic_time ();
  double cpu_start = children_cpu_ms ();

  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL,
                     NULL, NULL, &output, NULL, NULL, &error))
    {
      g_printerr ("%s: %s\n", argv[0], error->message);
      return g_strdup ("");
    }
  timing->wall = elapsed_ms (start);
  timing->cpu = children_cpu_ms () - cpu_start;
  return output;
}

static gboolean
read_with_zbarimg (const Sample *sample,
                   Timing       *timing)
{
  const char *argv[] = { "zbarimg", "--raw", "-q", sample->image, NULL };
  g_autofree char *output = run (argv, timing);

  return zbarimg_output_matches (sample, output);
}

static gboolean
read_with_zxing (const Sample *sample,
                 Timing       *timing)
{
  const char *argv[] = { "ZXingReader", sample->image, NULL };
  g_autofree char *output = run (argv, timing);

  return zxing_output_matches (sample, output);
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

/* The @p-th percentile (0–100) of @values, which it sorts. */
static double
percentile (GArray *values,
            double  p)
{
  guint index;

  if (values->len == 0)
    return 0;
  g_array_sort (values, compare_doubles);
  index = (guint) MIN ((double) values->len - 1, p / 100.0 * (values->len - 1) + 0.5);
  return g_array_index (values, double, index);
}

/* The start-up time of a program, which its figures include: the medians
 * of five runs on an image without a code. */
static Timing
startup_ms (const char *program,
            const char *blank)
{
  g_autoptr(GArray) walls = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) cpus = g_array_new (FALSE, FALSE, sizeof (double));
  Timing median;

  for (int i = 0; i < 5; i++)
    {
      const char *argv[] = { program, blank, NULL };
      Timing timing = { 0 };
      g_autofree char *output = run (argv, &timing);

      g_array_append_val (walls, timing.wall);
      g_array_append_val (cpus, timing.cpu);
    }
  median.wall = percentile (walls, 50);
  median.cpu = percentile (cpus, 50);
  return median;
}

static char *
write_blank_png (void)
{
  /* A 1×1 white PNG. */
  static const guint8 png[] = {
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x00, 0x00, 0x00, 0x00, 0x3A, 0x7E, 0x9B,
    0x55, 0x00, 0x00, 0x00, 0x0A, 0x49, 0x44, 0x41, 0x54, 0x08, 0xD7, 0x63, 0xF8, 0x0F, 0x00, 0x01,
    0x01, 0x01, 0x00, 0x1B, 0xB6, 0xEE, 0x56, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE,
    0x42, 0x60, 0x82,
  };
  g_autoptr(GError) error = NULL;
  char *path = NULL;
  int fd = g_file_open_tmp ("bench-decode-XXXXXX.png", &path, &error);

  if (fd < 0)
    return NULL;
  close (fd);
  if (!g_file_set_contents (path, (const char *) png, sizeof png, &error))
    g_clear_pointer (&path, g_free);
  return path;
}

static void
run_still_benchmark (GPtrArray *samples)
{
  g_autoptr(MerkkiDecoder) decoder = merkki_decoder_new ();
  Result results[] = {
    { "Merkki (STILL)", FALSE },
    { "zbarimg --raw -q", TRUE },
    { "ZXingReader", TRUE },
  };
  const char *programs[] = { NULL, "zbarimg", "ZXingReader" };
  gboolean available[G_N_ELEMENTS (results)];
  g_autofree char *blank = write_blank_png ();

  for (guint r = 0; r < G_N_ELEMENTS (results); r++)
    {
      g_autofree char *found = programs[r] != NULL ? g_find_program_in_path (programs[r]) : NULL;

      available[r] = programs[r] == NULL || (found != NULL && !opt_merkki_only);
      results[r].ms = g_array_new (FALSE, FALSE, sizeof (double));
      results[r].cpu_ms = g_array_new (FALSE, FALSE, sizeof (double));
      results[r].misses = g_string_new (NULL);
    }

  for (guint i = 0; i < samples->len; i++)
    {
      const Sample *sample = g_ptr_array_index (samples, i);

      for (guint r = 0; r < G_N_ELEMENTS (results); r++)
        {
          Timing timing = { 0 };
          gboolean read;

          if (!available[r])
            continue;
          switch (r)
            {
            case 0: read = read_with_merkki (decoder, sample, &timing); break;
            case 1: read = read_with_zbarimg (sample, &timing); break;
            default: read = read_with_zxing (sample, &timing); break;
            }
          results[r].total++;
          results[r].read += read;
          g_array_append_val (results[r].ms, timing.wall);
          g_array_append_val (results[r].cpu_ms, timing.cpu);
          if (!read)
            g_string_append_printf (results[r].misses, " %s", sample->name);
        }
    }

  printf ("%-20s %9s %12s %10s %14s\n", "decoder", "read", "median ms", "p95 ms", "median CPU ms");
  for (guint r = 0; r < G_N_ELEMENTS (results); r++)
    {
      if (!available[r])
        {
          printf ("%-20s %s\n", results[r].label, opt_merkki_only ? "(skipped)" : "(not installed)");
        }
      else
        {
          g_autofree char *fraction = g_strdup_printf ("%u/%u", results[r].read, results[r].total);
          double median = percentile (results[r].ms, 50);
          double p95 = percentile (results[r].ms, 95);
          double cpu_median = percentile (results[r].cpu_ms, 50);

          printf ("%-20s %9s %12.1f %10.1f %14.1f", results[r].label, fraction, median, p95,
                  cpu_median);
          if (results[r].subprocess && blank != NULL)
            {
              Timing startup = startup_ms (programs[r], blank);

              printf ("   (a process per image; start-up alone %.1f ms, %.1f ms CPU)",
                      startup.wall, startup.cpu);
            }
          printf ("\n");
        }
      if (opt_misses && results[r].misses->len > 0)
        printf ("  missed:%s\n", results[r].misses->str);
      g_array_unref (results[r].ms);
      g_array_unref (results[r].cpu_ms);
      g_string_free (results[r].misses, TRUE);
    }
  printf ("Reference (../shared/qr-bench/README.md): zbarimg 147/179, ZXingReader 162/179.\n");

  if (blank != NULL)
    g_unlink (blank);
}

/* The LIVE path on 1280×720 frames: codes of several sizes, angles and
 * places on a cluttered, noisy background, and frames without a code (the
 * usual case while the camera is moved). Each frame is given several
 * times, as a camera does while a code is held still; a code counts as
 * read when one of the first two calls reads it, since the LIVE path
 * looks at a big frame in turns. */
static void
run_live_benchmark (void)
{
  g_autoptr(MerkkiDecoder) decoder = merkki_decoder_new ();
  g_autoptr(GArray) times = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) empty_times = g_array_new (FALSE, FALSE, sizeof (double));
  const char *payload = "https://www.csa.gov.sg/cls/CSA/311228/1001";
  const guint n_frames = 24, repeats = 5;
  guint with_code = 0, read = 0;

  for (guint f = 0; f < n_frames; f++)
    {
      gboolean has_code = f % 4 != 3;
      MerkkiTestScene scene = {
        .module_px = 3 + f % 5,
        .angle = (f * 37) % 360,
        .tilt = (f % 3) * 0.15,
        .noise = 12,
        .clutter = TRUE,
        .width = 1280,
        .height = 720,
        .offset_x = has_code ? (int) (f * 97 % 500) - 250 : 100000,
        .offset_y = (int) (f * 53 % 300) - 150,
        .seed = f + 1,
      };
      g_autoptr(MerkkiTestFrame) frame =
        merkki_test_qr_render_bytes ((const guint8 *) payload, strlen (payload), &scene);

      gboolean seen = FALSE;

      with_code += has_code;
      for (guint r = 0; r < repeats; r++)
        {
          double start = cpu_ms ();
          g_autoptr(GPtrArray) codes =
            merkki_decoder_decode_gray8 (decoder, frame->pixels, frame->width, frame->height,
                                         frame->stride, MERKKI_DECODE_LIVE);
          double ms = cpu_ms () - start;

          g_array_append_val (has_code ? times : empty_times, ms);
          if (r < 2 && !seen && has_code && codes->len == 1 &&
              g_str_equal (((MerkkiDecodedCode *) g_ptr_array_index (codes, 0))->text, payload))
            {
              seen = TRUE;
              read++;
            }
        }
    }

  printf ("\nLIVE path, 1280×720 GRAY8 frames, CPU time of a call (budget: 20 ms on one core)\n");
  printf ("%-28s %8s %12s %10s\n", "frames", "read", "median ms", "p95 ms");
  printf ("%-28s %5u/%-2u %12.1f %10.1f\n", "with a code", read, with_code,
          percentile (times, 50), percentile (times, 95));
  printf ("%-28s %8s %12.1f %10.1f\n", "without a code", "-",
          percentile (empty_times, 50), percentile (empty_times, 95));
}

int
main (int   argc,
      char *argv[])
{
  const GOptionEntry entries[] = {
    { "merkki-only", 0, 0, G_OPTION_ARG_NONE, &opt_merkki_only, "Do not run zbarimg and ZXingReader", NULL },
    { "misses", 0, 0, G_OPTION_ARG_NONE, &opt_misses, "List the images each decoder missed", NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("[MANIFEST.tsv | DIRECTORY]");
  g_autoptr(GError) error = NULL;
  g_autofree char *manifest = NULL;
  g_autoptr(GPtrArray) samples = NULL;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }

  manifest = find_manifest (argc > 1 ? argv[1] : NULL);
  if (manifest == NULL)
    {
      printf ("QR benchmark set not found (give a MANIFEST.tsv, set MERKKI_QR_BENCH, or put it in "
              "../shared/qr-bench): skipping the still-image comparison.\n");
    }
  else
    {
      samples = load_manifest (manifest, &error);
      if (samples == NULL)
        {
          g_printerr ("%s\n", error->message);
          return 1;
        }
      printf ("QR decoding of %u photographs, exact text (%s)\n", samples->len, manifest);
      run_still_benchmark (samples);
    }

  run_live_benchmark ();
  return 0;
}
