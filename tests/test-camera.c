/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include <gst/gst.h>

#include "merkki-camera.h"
#include "merkki-camera-private.h"
#include "merkki-decoder.h"
#include "merkki-test-media.h"
#include "merkki-test-utils.h"

#define WIDTH 320
#define HEIGHT 240
#define FPS 15

/* Generous: a few seconds of real-time video on a shared, loaded machine. */
#define WATCHDOG_SECONDS 60

static const char code_payload[] = "https://tietoturvamerkki.fi/en/products/ttm-1234 Ä";

/* Made once: encoding video is the slow part. */
static char *code_video;
static char *brief_video;
static char *blank_video;

typedef struct {
  MerkkiCamera      *camera;
  GMainLoop         *loop;
  GPtrArray         *payloads;    /* GBytes, as reported */
  GPtrArray         *texts;
  GArray            *states;      /* MerkkiCameraState, as notified */
  guint              frames;
  int                width;
  int                height;
  int                stride;
  gboolean           bgra_ok;     /* every frame checked had opaque pixels */
  gboolean           stop_on_frame;
  guint              watchdog;
} Fixture;

static gboolean
state_is_final (MerkkiCameraState state)
{
  return state != MERKKI_CAMERA_STATE_STARTING && state != MERKKI_CAMERA_STATE_PLAYING;
}

static void
on_state_cb (MerkkiCamera *camera,
             GParamSpec   *pspec,
             Fixture      *fixture)
{
  MerkkiCameraState state = merkki_camera_get_state (camera);

  g_array_append_val (fixture->states, state);
  if (state_is_final (state))
    g_main_loop_quit (fixture->loop);
}

static void
on_frame_cb (MerkkiCamera *camera,
             GBytes       *bgra,
             int           width,
             int           height,
             int           stride,
             Fixture      *fixture)
{
  const guint8 *data;
  gsize size;

  fixture->frames++;
  fixture->width = width;
  fixture->height = height;
  fixture->stride = stride;

  /* BGRA from a grey picture: opaque, and blue, green and red alike. */
  data = g_bytes_get_data (bgra, &size);
  if (size < (gsize) stride * height || stride < width * 4)
    fixture->bgra_ok = FALSE;
  else
    {
      for (int y = 0; y < height; y += 7)
        for (int x = 0; x < width; x += 5)
          {
            const guint8 *p = data + y * stride + x * 4;

            if (p[3] != 255 || ABS (p[0] - p[1]) > 24 || ABS (p[1] - p[2]) > 24)
              fixture->bgra_ok = FALSE;
          }
    }

  if (fixture->stop_on_frame)
    {
      merkki_camera_stop (camera);
      g_main_loop_quit (fixture->loop);
    }
}

static void
on_code_found_cb (MerkkiCamera *camera,
                  GBytes       *payload,
                  const char   *text,
                  Fixture      *fixture)
{
  g_ptr_array_add (fixture->payloads, g_bytes_ref (payload));
  g_ptr_array_add (fixture->texts, g_strdup (text));
}

static gboolean
on_watchdog_cb (gpointer user_data)
{
  g_error ("The camera did not reach a final state within %d s", WATCHDOG_SECONDS);
  return G_SOURCE_REMOVE;
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_unsetenv ("MERKKI_CAMERA_PIPELINE");
  fixture->loop = g_main_loop_new (NULL, FALSE);
  fixture->payloads = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  fixture->texts = g_ptr_array_new_with_free_func (g_free);
  fixture->states = g_array_new (FALSE, FALSE, sizeof (MerkkiCameraState));
  fixture->bgra_ok = TRUE;
  fixture->watchdog = g_timeout_add_seconds (WATCHDOG_SECONDS, on_watchdog_cb, NULL);
}

static void
fixture_connect (Fixture *fixture)
{
  g_signal_connect (fixture->camera, "notify::state", G_CALLBACK (on_state_cb), fixture);
  g_signal_connect (fixture->camera, "frame", G_CALLBACK (on_frame_cb), fixture);
  g_signal_connect (fixture->camera, "code-found", G_CALLBACK (on_code_found_cb), fixture);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_source_remove (fixture->watchdog);
  if (fixture->camera != NULL)
    {
      merkki_camera_stop (fixture->camera);
      g_assert_finalize_object (fixture->camera);
    }
  g_ptr_array_unref (fixture->payloads);
  g_ptr_array_unref (fixture->texts);
  g_array_unref (fixture->states);
  g_main_loop_unref (fixture->loop);
  g_unsetenv ("MERKKI_CAMERA_PIPELINE");
}

static char *
file_description (const char *path)
{
  g_autofree char *quoted = g_strescape (path, NULL);

  return g_strdup_printf ("filesrc location=\"%s\" ! decodebin", quoted);
}

/* Runs the camera until it reaches a final state. */
static void
run (Fixture *fixture)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (merkki_camera_start (fixture->camera, &error));
  g_assert_no_error (error);
  g_main_loop_run (fixture->loop);
}

static void
assert_code_once (Fixture *fixture)
{
  GBytes *payload;

  g_assert_cmpuint (fixture->payloads->len, ==, 1);
  payload = g_ptr_array_index (fixture->payloads, 0);
  g_assert_cmpmem (g_bytes_get_data (payload, NULL), g_bytes_get_size (payload),
                   code_payload, strlen (code_payload));
  g_assert_cmpstr (g_ptr_array_index (fixture->texts, 0), ==, code_payload);
}

/* A recorded video through MERKKI_CAMERA_PIPELINE, played in real time as
 * the app would show it: the code is read once although it stays in view
 * longer than the pause after a hit, the viewfinder gets BGRA frames of the
 * video's size, and the end of the video is reported. */
static void
test_recorded_video_from_environment (Fixture       *fixture,
                                      gconstpointer  data)
{
  g_autofree char *description = file_description (code_video);
  MerkkiCameraState last;

  g_setenv ("MERKKI_CAMERA_PIPELINE", description, TRUE);
  fixture->camera = merkki_camera_new ();
  fixture_connect (fixture);
  run (fixture);

  last = g_array_index (fixture->states, MerkkiCameraState, fixture->states->len - 1);
  g_assert_cmpint (last, ==, MERKKI_CAMERA_STATE_END_OF_STREAM);
  g_assert_cmpint (merkki_camera_get_state (fixture->camera), ==, MERKKI_CAMERA_STATE_END_OF_STREAM);
  g_assert_cmpint (g_array_index (fixture->states, MerkkiCameraState, 0), ==, MERKKI_CAMERA_STATE_STARTING);
  g_assert_null (merkki_camera_get_error (fixture->camera));
  g_assert_null (merkki_camera_get_device_id (fixture->camera));

  assert_code_once (fixture);

  g_assert_cmpuint (fixture->frames, >, 0);
  g_assert_cmpint (fixture->width, ==, WIDTH);
  g_assert_cmpint (fixture->height, ==, HEIGHT);
  g_assert_cmpint (fixture->stride, >=, WIDTH * 4);
  g_assert_true (fixture->bgra_ok);
}

/* A code in view for half a second of a video played in real time is read:
 * the file is paced by the clock, so the scan branch sees frames all along
 * rather than the few a file racing ahead of the clock would leave. */
static void
test_recorded_video_brief_code (Fixture       *fixture,
                                gconstpointer  data)
{
  g_autofree char *description = file_description (brief_video);

  fixture->camera = merkki_camera_new ();
  merkki_camera_set_pipeline_description (fixture->camera, description);
  fixture_connect (fixture);
  run (fixture);

  g_assert_cmpint (merkki_camera_get_state (fixture->camera), ==, MERKKI_CAMERA_STATE_END_OF_STREAM);
  assert_code_once (fixture);
}

/* The same video read as merkki-cli scan reads it: as fast as the decoder
 * goes, set through the API rather than the environment. */
static void
test_recorded_video_every_frame (Fixture       *fixture,
                                 gconstpointer  data)
{
  g_autofree char *description = file_description (code_video);

  fixture->camera = merkki_camera_new ();
  merkki_camera_set_pipeline_description (fixture->camera, description);
  merkki_camera_set_scan_every_frame (fixture->camera, TRUE);
  fixture_connect (fixture);
  run (fixture);

  g_assert_cmpint (merkki_camera_get_state (fixture->camera), ==, MERKKI_CAMERA_STATE_END_OF_STREAM);
  assert_code_once (fixture);
}

/* While a result is shown the camera keeps running but reports nothing. */
static void
test_not_scanning (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autofree char *description = file_description (code_video);

  fixture->camera = merkki_camera_new ();
  merkki_camera_set_pipeline_description (fixture->camera, description);
  merkki_camera_set_scan_every_frame (fixture->camera, TRUE);
  merkki_camera_set_scanning (fixture->camera, FALSE);
  fixture_connect (fixture);
  run (fixture);

  g_assert_cmpint (merkki_camera_get_state (fixture->camera), ==, MERKKI_CAMERA_STATE_END_OF_STREAM);
  g_assert_cmpuint (fixture->frames, >, 0);
  g_assert_cmpuint (fixture->payloads->len, ==, 0);
}

/* A video without a code, and a test pattern: frames, no code. */
static void
test_no_code (Fixture       *fixture,
              gconstpointer  data)
{
  const char *which = data;
  g_autofree char *description = NULL;

  if (g_str_equal (which, "blank"))
    description = file_description (blank_video);
  else
    description = g_strdup ("videotestsrc num-buffers=45 ! video/x-raw,width=640,height=480,framerate=30/1");

  fixture->camera = merkki_camera_new ();
  merkki_camera_set_pipeline_description (fixture->camera, description);
  fixture_connect (fixture);
  run (fixture);

  g_assert_cmpint (merkki_camera_get_state (fixture->camera), ==, MERKKI_CAMERA_STATE_END_OF_STREAM);
  g_assert_cmpuint (fixture->frames, >, 0);
  g_assert_cmpuint (fixture->payloads->len, ==, 0);
}

typedef struct {
  GBytes *gray;
  int     width;
  int     height;
} CodeFrame;

static void
on_code_found_keep_frame_cb (MerkkiCamera *camera,
                             GBytes       *payload,
                             const char   *text,
                             CodeFrame    *kept)
{
  g_clear_pointer (&kept->gray, g_bytes_unref);
  kept->gray = merkki_camera_get_code_frame (camera, &kept->width, &kept->height);
}

/* The frame a code was read from, for an inspection session's evidence:
 * given while "code-found" is emitted, of the video's size, and it holds
 * the code that was reported; at any other time there is none. */
static void
test_code_frame (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autofree char *description = file_description (code_video);
  g_autoptr(MerkkiDecoder) decoder = merkki_decoder_new ();
  g_autoptr(GPtrArray) codes = NULL;
  CodeFrame kept = { NULL, 0, 0 };
  MerkkiDecodedCode *code;

  fixture->camera = merkki_camera_new ();
  merkki_camera_set_pipeline_description (fixture->camera, description);
  fixture_connect (fixture);
  g_signal_connect (fixture->camera, "code-found", G_CALLBACK (on_code_found_keep_frame_cb), &kept);
  g_assert_null (merkki_camera_get_code_frame (fixture->camera, NULL, NULL));
  run (fixture);

  assert_code_once (fixture);
  g_assert_nonnull (kept.gray);
  g_assert_cmpint (kept.width, ==, WIDTH);
  g_assert_cmpint (kept.height, ==, HEIGHT);
  g_assert_cmpuint (g_bytes_get_size (kept.gray), ==, (gsize) WIDTH * HEIGHT);
  codes = merkki_decoder_decode_gray8 (decoder, g_bytes_get_data (kept.gray, NULL), kept.width, kept.height,
                                       kept.width, MERKKI_DECODE_STILL);
  g_assert_cmpuint (codes->len, ==, 1);
  code = g_ptr_array_index (codes, 0);
  g_assert_cmpmem (g_bytes_get_data (code->payload, NULL), g_bytes_get_size (code->payload),
                   code_payload, strlen (code_payload));
  g_assert_null (merkki_camera_get_code_frame (fixture->camera, NULL, NULL));
  g_bytes_unref (kept.gray);
}

static void
on_colour_frame_cb (MerkkiCamera *camera,
                    GBytes       *bgra,
                    int           width,
                    int           height,
                    int           stride,
                    guint8       *centre)
{
  const guint8 *data = g_bytes_get_data (bgra, NULL);

  memcpy (centre, data + (height / 2) * stride + (width / 2) * 4, 4);
}

/* The viewfinder shows colour: a red picture arrives as red BGRA pixels,
 * not as the grey the scan branch works on. */
static void
test_colour_frames (Fixture       *fixture,
                    gconstpointer  data)
{
  guint8 centre[4] = { 0 };

  fixture->camera = merkki_camera_new ();
  merkki_camera_set_pipeline_description (fixture->camera,
                                          "videotestsrc num-buffers=10 pattern=solid-color "
                                          "foreground-color=0xffff0000 ! video/x-raw,width=64,height=48");
  fixture_connect (fixture);
  g_signal_connect (fixture->camera, "frame", G_CALLBACK (on_colour_frame_cb), centre);
  run (fixture);

  g_assert_cmpint (merkki_camera_get_state (fixture->camera), ==, MERKKI_CAMERA_STATE_END_OF_STREAM);
  g_assert_cmpuint (fixture->frames, >, 0);
  g_assert_cmpuint (centre[0], <, 40);   /* blue */
  g_assert_cmpuint (centre[1], <, 40);   /* green */
  g_assert_cmpuint (centre[2], >, 215);  /* red */
  g_assert_cmpuint (centre[3], ==, 255); /* opaque */
}

static void
on_rate_frame_cb (MerkkiCamera *camera,
                  GBytes       *bgra,
                  int           width,
                  int           height,
                  int           stride,
                  int          *rate)
{
  GstElement *pipeline = _merkki_camera_get_pipeline (camera);
  g_autoptr(GstElement) display = NULL;
  g_autoptr(GstPad) pad = NULL;
  g_autoptr(GstCaps) caps = NULL;
  int num = 0, den = 1;

  if (pipeline == NULL)
    return;

  display = gst_bin_get_by_name (GST_BIN (pipeline), "merkki_display");
  pad = gst_element_get_static_pad (display, "sink");
  caps = gst_pad_get_current_caps (pad);
  if (caps != NULL &&
      gst_structure_get_fraction (gst_caps_get_structure (caps, 0), "framerate", &num, &den) &&
      den != 0)
    *rate = num / den;
}

/* A camera that offers several frame rates runs at its best one: the scan
 * branch's throttle must not pull the viewfinder down to the decoder's
 * 10 frames a second. */
static void
test_viewfinder_frame_rate (Fixture       *fixture,
                            gconstpointer  data)
{
  int rate = 0;

  fixture->camera = merkki_camera_new ();
  merkki_camera_set_pipeline_description (fixture->camera,
                                          "videotestsrc num-buffers=10 "
                                          "! video/x-raw,width=64,height=48,framerate={30/1,10/1,5/1}");
  fixture_connect (fixture);
  g_signal_connect (fixture->camera, "frame", G_CALLBACK (on_rate_frame_cb), &rate);
  run (fixture);

  g_assert_cmpint (merkki_camera_get_state (fixture->camera), ==, MERKKI_CAMERA_STATE_END_OF_STREAM);
  g_assert_cmpuint (fixture->frames, >, 0);
  g_assert_cmpint (rate, ==, 30);
}

/* A description that does not parse fails in start(), with a message. */
static void
test_bad_description (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture->camera = merkki_camera_new ();
  merkki_camera_set_pipeline_description (fixture->camera, "merkkinosuchelement ! identity");
  fixture_connect (fixture);

  g_assert_false (merkki_camera_start (fixture->camera, &error));
  g_assert_error (error, MERKKI_CAMERA_ERROR, MERKKI_CAMERA_ERROR_PIPELINE);
  g_assert_nonnull (strstr (error->message, "merkkinosuchelement"));
  g_assert_cmpint (merkki_camera_get_state (fixture->camera), ==, MERKKI_CAMERA_STATE_ERROR);
  g_assert_error (merkki_camera_get_error (fixture->camera), MERKKI_CAMERA_ERROR,
                  MERKKI_CAMERA_ERROR_PIPELINE);
}

/* A description that parses but fails while starting or playing: a missing
 * file fails at once, a file that is no video once decodebin looks at it.
 * Either way the camera ends in the error state, never hangs. */
static void
test_failing_pipeline (Fixture       *fixture,
                       gconstpointer  data)
{
  const char *which = data;
  g_autofree char *path = g_build_filename (merkki_test_get_tmpdir (), which, NULL);
  g_autofree char *description = file_description (path);
  g_autoptr(GError) error = NULL;

  if (g_str_equal (which, "not-a-video.webm"))
    g_assert_true (g_file_set_contents (path, "This is not a video, only some text.\n", -1, NULL));

  fixture->camera = merkki_camera_new ();
  merkki_camera_set_pipeline_description (fixture->camera, description);
  fixture_connect (fixture);

  if (merkki_camera_start (fixture->camera, &error))
    g_main_loop_run (fixture->loop);
  else
    g_assert_error (error, MERKKI_CAMERA_ERROR, MERKKI_CAMERA_ERROR_FAILED);

  g_assert_cmpint (merkki_camera_get_state (fixture->camera), ==, MERKKI_CAMERA_STATE_ERROR);
  g_assert_error (merkki_camera_get_error (fixture->camera), MERKKI_CAMERA_ERROR,
                  MERKKI_CAMERA_ERROR_FAILED);
  g_assert_cmpuint (fixture->payloads->len, ==, 0);
}

/* Stopping from a "frame" handler, in the middle of a file read at full
 * speed: no hang, nothing delivered afterwards, and the camera can start
 * again. */
static void
test_stop_and_restart (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autofree char *description = file_description (code_video);
  guint frames;

  fixture->camera = merkki_camera_new ();
  merkki_camera_set_pipeline_description (fixture->camera, description);
  merkki_camera_set_scan_every_frame (fixture->camera, TRUE);
  fixture_connect (fixture);

  fixture->stop_on_frame = TRUE;
  run (fixture);
  g_assert_cmpint (merkki_camera_get_state (fixture->camera), ==, MERKKI_CAMERA_STATE_IDLE);
  frames = fixture->frames;
  g_assert_cmpuint (frames, ==, 1);

  /* Nothing more arrives from the stopped run. */
  for (int i = 0; i < 20; i++)
    {
      g_usleep (10 * 1000);
      while (g_main_context_iteration (NULL, FALSE))
        ;
    }
  g_assert_cmpuint (fixture->frames, ==, frames);

  fixture->stop_on_frame = FALSE;
  run (fixture);
  g_assert_cmpint (merkki_camera_get_state (fixture->camera), ==, MERKKI_CAMERA_STATE_END_OF_STREAM);
  assert_code_once (fixture);
}

/* Without a description the camera looks for devices. On a machine with no
 * usable camera (CI) that is the "no camera" state with a message; where a
 * camera is present the device list has it. */
static void
test_devices (Fixture       *fixture,
              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  GListModel *devices;

  fixture->camera = merkki_camera_new ();
  fixture_connect (fixture);
  devices = merkki_camera_get_devices (fixture->camera);
  g_assert_true (g_type_is_a (g_list_model_get_item_type (devices), MERKKI_TYPE_CAMERA_DEVICE));

  if (g_list_model_get_n_items (devices) > 0)
    {
      g_test_skip ("A camera is connected; the no-camera state cannot be checked here");
      return;
    }

  g_assert_false (merkki_camera_start (fixture->camera, &error));
  g_assert_error (error, MERKKI_CAMERA_ERROR, MERKKI_CAMERA_ERROR_NO_CAMERA);
  g_assert_cmpint (merkki_camera_get_state (fixture->camera), ==, MERKKI_CAMERA_STATE_NO_CAMERA);
}

static void
make_videos (void)
{
  g_autoptr(GError) error = NULL;

  code_video = g_build_filename (merkki_test_get_tmpdir (), "code.webm", NULL);
  brief_video = g_build_filename (merkki_test_get_tmpdir (), "brief.webm", NULL);
  blank_video = g_build_filename (merkki_test_get_tmpdir (), "blank.webm", NULL);

  /* 1 s without, then 2 s with the code: longer than the pause after a hit. */
  merkki_test_write_qr_video (code_video, (const guint8 *) code_payload, strlen (code_payload),
                              WIDTH, HEIGHT, FPS, FPS, 2 * FPS, 0, &error);
  g_assert_no_error (error);
  /* Half a second with the code between 1 s and 2 s without. */
  merkki_test_write_qr_video (brief_video, (const guint8 *) code_payload, strlen (code_payload),
                              WIDTH, HEIGHT, FPS, FPS, FPS / 2, 2 * FPS, &error);
  g_assert_no_error (error);
  merkki_test_write_qr_video (blank_video, NULL, 0, WIDTH, HEIGHT, FPS, FPS, 0, 0, &error);
  g_assert_no_error (error);
}

int
main (int    argc,
      char **argv)
{
  int status;

  merkki_test_init (&argc, &argv);
  gst_init (&argc, &argv);
  make_videos ();

#define ADD(path, func, data) \
  g_test_add (path, Fixture, data, fixture_set_up, func, fixture_tear_down)

  ADD ("/camera/recorded-video/environment", test_recorded_video_from_environment, NULL);
  ADD ("/camera/recorded-video/brief-code", test_recorded_video_brief_code, NULL);
  ADD ("/camera/recorded-video/every-frame", test_recorded_video_every_frame, NULL);
  ADD ("/camera/recorded-video/not-scanning", test_not_scanning, NULL);
  ADD ("/camera/recorded-video/code-frame", test_code_frame, NULL);
  ADD ("/camera/no-code/blank-video", test_no_code, "blank");
  ADD ("/camera/no-code/test-pattern", test_no_code, "videotestsrc");
  ADD ("/camera/colour-frames", test_colour_frames, NULL);
  ADD ("/camera/viewfinder-frame-rate", test_viewfinder_frame_rate, NULL);
  ADD ("/camera/bad-description", test_bad_description, NULL);
  ADD ("/camera/failing-pipeline/missing-file", test_failing_pipeline, "missing.webm");
  ADD ("/camera/failing-pipeline/not-a-video", test_failing_pipeline, "not-a-video.webm");
  ADD ("/camera/stop-and-restart", test_stop_and_restart, NULL);
  ADD ("/camera/devices", test_devices, NULL);

#undef ADD

  status = g_test_run ();
  g_free (code_video);
  g_free (brief_video);
  g_free (blank_video);
  return status;
}
