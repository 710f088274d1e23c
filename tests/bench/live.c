/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bench-live: the camera's LIVE path on a recorded 1280×720 video.
 *
 * 1. Per frame: merkki_decoder_decode_gray8 (LIVE) on every frame of the
 *    video as GStreamer decodes it (VP8 artefacts included), against plain
 *    zbar, one pass with its default configuration, on the same frames.
 * 2. Latency: the video played through MerkkiCamera in real time, as the app
 *    shows a camera; from the running time of the first frame that shows the
 *    code to the "code-found" signal in the main loop.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <glib/gstdio.h>
#include <gst/app/gstappsink.h>
#include <gst/gst.h>
#include <gst/video/video.h>
#include <zbar.h>

#include "merkki-camera-private.h"
#include "merkki-decoder.h"
#include "merkki-test-media.h"

#define WIDTH 1280
#define HEIGHT 720
#define FPS 30
#define BLANK_FRAMES 46   /* the code appears at 1.533 s, between two scanned frames */
#define CODE_FRAMES 45
#define LATENCY_RUNS 5

static const char payload[] = "https://www.csa.gov.sg/cls/CSA/311228/1001";

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

/* Nearest-rank percentile. */
static double
percentile (GArray *values,
            double  p)
{
  g_autoptr(GArray) sorted = NULL;
  guint rank;

  if (values->len == 0)
    return 0;

  sorted = g_array_copy (values);
  g_array_sort (sorted, compare_doubles);
  rank = (guint) (p / 100.0 * sorted->len + 0.999999);
  rank = CLAMP (rank, 1, sorted->len);
  return g_array_index (sorted, double, rank - 1);
}

static double
ms_since (gint64 start)
{
  return (g_get_monotonic_time () - start) / 1000.0;
}

/* CPU time of this thread: what a decode costs on one core, whatever else
 * the machine is doing (other programs only stretch the wall-clock time). */
static double
thread_cpu_ms (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

/* Plain zbar: one pass over the frame, default configuration. */
static gboolean
zbar_reads (zbar_image_scanner_t *scanner,
            const guint8         *pixels,
            int                   width,
            int                   height,
            int                   stride)
{
  g_autofree guint8 *packed = NULL;
  zbar_image_t *image = zbar_image_create ();
  gboolean read = FALSE;

  /* zbar wants packed rows; the copy is part of its cost. */
  packed = g_malloc ((gsize) width * height);
  for (int y = 0; y < height; y++)
    memcpy (packed + (gsize) y * width, pixels + (gsize) y * stride, width);

  zbar_image_set_format (image, zbar_fourcc ('Y', '8', '0', '0'));
  zbar_image_set_size (image, width, height);
  zbar_image_set_data (image, packed, (unsigned long) width * height, NULL);

  if (zbar_scan_image (scanner, image) > 0)
    {
      for (const zbar_symbol_t *symbol = zbar_image_first_symbol (image);
           symbol != NULL; symbol = zbar_symbol_next (symbol))
        read |= g_str_equal (zbar_symbol_get_data (symbol), payload);
    }

  zbar_image_destroy (image);
  return read;
}

typedef struct {
  GArray *code_ms;    /* CPU time, frames that show the code */
  GArray *blank_ms;   /* CPU time, frames that do not */
  GArray *wall_ms;    /* wall-clock time, all frames */
  guint   read;
} DecodeFigures;

static void
decode_figures_init (DecodeFigures *figures)
{
  figures->code_ms = g_array_new (FALSE, FALSE, sizeof (double));
  figures->blank_ms = g_array_new (FALSE, FALSE, sizeof (double));
  figures->wall_ms = g_array_new (FALSE, FALSE, sizeof (double));
  figures->read = 0;
}

static void
decode_figures_clear (DecodeFigures *figures)
{
  g_array_unref (figures->code_ms);
  g_array_unref (figures->blank_ms);
  g_array_unref (figures->wall_ms);
}

static void
decode_figures_add (DecodeFigures *figures,
                    gboolean       shows_code,
                    gboolean       read,
                    double         cpu_ms,
                    double         wall_ms)
{
  g_array_append_val (shows_code ? figures->code_ms : figures->blank_ms, cpu_ms);
  g_array_append_val (figures->wall_ms, wall_ms);
  figures->read += shows_code && read;
}

static void
print_decode_figures (const char    *label,
                      DecodeFigures *figures)
{
  printf ("%-24s %5u/%-3u %8.1f %6.1f %9.1f %6.1f %9.1f %6.1f\n", label,
          figures->read, figures->code_ms->len,
          percentile (figures->code_ms, 50), percentile (figures->code_ms, 95),
          percentile (figures->blank_ms, 50), percentile (figures->blank_ms, 95),
          percentile (figures->wall_ms, 50), percentile (figures->wall_ms, 95));
}

/* Every frame of @video, decoded by GStreamer to GRAY8, through both
 * decoders. */
/* The median wall-clock time of a LIVE decode, for the latency's expected
 * value. */
static double median_live_ms;

static gboolean
run_per_frame (const char *video)
{
  g_autofree char *description = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GstElement) pipeline = NULL;
  g_autoptr(GstElement) sink = NULL;
  g_autoptr(MerkkiDecoder) decoder = merkki_decoder_new ();
  zbar_image_scanner_t *scanner = zbar_image_scanner_create ();
  DecodeFigures merkki, zbar;
  guint index = 0;

  decode_figures_init (&merkki);
  decode_figures_init (&zbar);
  zbar_image_scanner_set_config (scanner, 0, ZBAR_CFG_ENABLE, 1);

  description = g_strdup_printf ("filesrc location=\"%s\" ! decodebin ! videoconvert "
                                 "! video/x-raw,format=GRAY8 ! appsink name=sink sync=false",
                                 video);
  pipeline = gst_parse_launch (description, &error);
  if (pipeline == NULL)
    {
      g_printerr ("%s\n", error->message);
      return FALSE;
    }
  sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  gst_element_set_state (pipeline, GST_STATE_PLAYING);

  for (;;)
    {
      g_autoptr(GstSample) sample = gst_app_sink_pull_sample (GST_APP_SINK (sink));
      gboolean shows_code = index++ >= BLANK_FRAMES;
      GstVideoInfo info;
      GstVideoFrame frame;
      const guint8 *pixels;
      int stride;
      gint64 start;
      double cpu;
      gboolean read = FALSE;

      if (sample == NULL)
        break;
      if (!gst_video_info_from_caps (&info, gst_sample_get_caps (sample))
          || !gst_video_frame_map (&frame, &info, gst_sample_get_buffer (sample), GST_MAP_READ))
        continue;
      pixels = GST_VIDEO_FRAME_PLANE_DATA (&frame, 0);
      stride = GST_VIDEO_FRAME_PLANE_STRIDE (&frame, 0);

      start = g_get_monotonic_time ();
      cpu = thread_cpu_ms ();
      {
        g_autoptr(GPtrArray) codes =
          merkki_decoder_decode_gray8 (decoder, pixels, WIDTH, HEIGHT, stride, MERKKI_DECODE_LIVE);

        cpu = thread_cpu_ms () - cpu;
        for (guint i = 0; i < codes->len; i++)
          read |= g_str_equal (((MerkkiDecodedCode *) g_ptr_array_index (codes, i))->text, payload);
      }
      decode_figures_add (&merkki, shows_code, read, cpu, ms_since (start));

      start = g_get_monotonic_time ();
      cpu = thread_cpu_ms ();
      read = zbar_reads (scanner, pixels, WIDTH, HEIGHT, stride);
      cpu = thread_cpu_ms () - cpu;
      decode_figures_add (&zbar, shows_code, read, cpu, ms_since (start));

      gst_video_frame_unmap (&frame);
    }

  gst_element_set_state (pipeline, GST_STATE_NULL);
  zbar_image_scanner_destroy (scanner);

  printf ("\nPer frame, %d×%d VP8 frames decoded to GRAY8 (budget: 20 ms on one core)\n",
          WIDTH, HEIGHT);
  printf ("%-24s %9s %15s %16s %16s\n", "", "", "CPU, code", "CPU, no code", "wall, all");
  printf ("%-24s %9s %8s %6s %9s %6s %9s %6s\n", "decoder", "read",
          "median", "p95", "median", "p95", "median", "p95");
  print_decode_figures ("Merkki LIVE", &merkki);
  median_live_ms = percentile (merkki.wall_ms, 50);
  print_decode_figures ("baseline: zbar one pass", &zbar);
  printf ("(milliseconds; CPU is the decoding thread's own time, i.e. on one core;\n"
          " \"read\" counts frames that show the code and gave its exact text)\n");

  decode_figures_clear (&merkki);
  decode_figures_clear (&zbar);
  return TRUE;
}

/* Latency through MerkkiCamera */

typedef struct {
  GMainLoop    *loop;
  MerkkiCamera *camera;
  double        found_at_ms;   /* running time of the pipeline at code-found */
  guint         codes;
} LatencyRun;

static void
on_code_found_cb (MerkkiCamera *camera,
                  GBytes       *bytes,
                  const char   *text,
                  LatencyRun   *run)
{
  GstElement *pipeline = _merkki_camera_get_pipeline (camera);
  g_autoptr(GstClock) clock = gst_element_get_clock (pipeline);

  if (run->codes++ == 0 && clock != NULL && g_str_equal (text, payload))
    run->found_at_ms = (gst_clock_get_time (clock) - gst_element_get_base_time (pipeline)) / 1e6;
}

static void
on_state_cb (MerkkiCamera *camera,
             GParamSpec   *pspec,
             LatencyRun   *run)
{
  MerkkiCameraState state = merkki_camera_get_state (camera);

  if (state != MERKKI_CAMERA_STATE_STARTING && state != MERKKI_CAMERA_STATE_PLAYING)
    g_main_loop_quit (run->loop);
}

static gboolean
on_timeout_cb (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_REMOVE;
}

static void
run_latency (const char *video)
{
  g_autofree char *description = g_strdup_printf ("filesrc location=\"%s\" ! decodebin", video);
  g_autoptr(GArray) latencies = g_array_new (FALSE, FALSE, sizeof (double));
  double appears_ms = BLANK_FRAMES * 1000.0 / FPS;
  double wait_ms;
  guint missed = 0;

  printf ("\nLatency, the video played in real time through MerkkiCamera (%d scan frames/s)\n",
          10);
  printf ("from the first frame that shows the code (%.0f ms into the video) to \"code-found\"\n",
          appears_ms);

  for (guint i = 0; i < LATENCY_RUNS; i++)
    {
      g_autoptr(MerkkiCamera) camera = merkki_camera_new ();
      g_autoptr(GError) error = NULL;
      LatencyRun run = { .found_at_ms = -1 };
      guint timeout;

      run.loop = g_main_loop_new (NULL, FALSE);
      merkki_camera_set_pipeline_description (camera, description);
      g_signal_connect (camera, "code-found", G_CALLBACK (on_code_found_cb), &run);
      g_signal_connect (camera, "notify::state", G_CALLBACK (on_state_cb), &run);
      timeout = g_timeout_add_seconds (30, on_timeout_cb, run.loop);

      if (merkki_camera_start (camera, &error))
        g_main_loop_run (run.loop);
      else
        g_printerr ("%s\n", error->message);

      g_source_remove (timeout);
      g_signal_handlers_disconnect_by_data (camera, &run);
      merkki_camera_stop (camera);
      g_main_loop_unref (run.loop);

      if (run.found_at_ms < 0)
        {
          missed++;
          printf ("  run %u: code not found\n", i + 1);
          continue;
        }
      run.found_at_ms -= appears_ms;
      printf ("  run %u: %.1f ms\n", i + 1, run.found_at_ms);
      g_array_append_val (latencies, run.found_at_ms);
    }

  printf ("%-26s %9s %8s %8s\n", "", "median ms", "p95 ms", "missed");
  printf ("%-26s %9.1f %8.1f %5u/%u\n", "Merkki camera path",
          percentile (latencies, 50), percentile (latencies, 95), missed, LATENCY_RUNS);
  /* The scan branch looks at frames on a 100 ms grid of running time. */
  wait_ms = ceil (appears_ms / 100.0) * 100.0 - appears_ms;
  printf ("%-26s %9.1f %8s %8s\n", "expected: wait + decode", wait_ms + median_live_ms, "", "");
  printf ("(expected: %.0f ms until the next scanned frame + the median wall time of a LIVE decode;\n"
          " the rest is GStreamer's and the main loop's)\n", wait_ms);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *video = NULL;
  g_autofree char *loadavg = NULL;
  gint64 start;
  int status = 0;

  gst_init (&argc, &argv);

  dir = g_dir_make_tmp ("merkki-bench-live-XXXXXX", &error);
  if (dir == NULL)
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }
  video = g_build_filename (dir, "label.webm", NULL);

  start = g_get_monotonic_time ();
  if (!merkki_test_write_qr_video (video, (const guint8 *) payload, strlen (payload),
                                   WIDTH, HEIGHT, FPS, BLANK_FRAMES, CODE_FRAMES, 0, &error))
    {
      g_printerr ("Could not record the video: %s\n", error->message);
      return 1;
    }
  if (g_file_get_contents ("/proc/loadavg", &loadavg, NULL, NULL))
    printf ("Load average (figures grow with it): %s", loadavg);
  printf ("Recorded %d×%d, %d fps, %d frames without then %d with the code (%.0f ms to encode)\n",
          WIDTH, HEIGHT, FPS, BLANK_FRAMES, CODE_FRAMES, ms_since (start));

  if (!run_per_frame (video))
    status = 1;
  run_latency (video);

  g_unlink (video);
  g_rmdir (dir);
  return status;
}
