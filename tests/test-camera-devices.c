/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include <gst/base/gstbasesrc.h>
#include <gst/gst.h>

#include "merkki-camera.h"
#include "merkki-test-utils.h"

/* Camera discovery through GStreamer's own device monitor: the test
 * registers a device provider, as a plugin would, whose cameras are
 * videotestsrc (or a source that reports the camera busy), and plugs and
 * unplugs them while MerkkiCamera watches. */

#define WATCHDOG_SECONDS 30

/* A source that fails to open like a camera held by another program. */
typedef struct {
  GstBaseSrc parent_instance;
} MerkkiBusySrc;

typedef GstBaseSrcClass MerkkiBusySrcClass;

static GType merkki_busy_src_get_type (void);
G_DEFINE_TYPE (MerkkiBusySrc, merkki_busy_src, GST_TYPE_BASE_SRC)

static GstStaticPadTemplate busy_src_template =
  GST_STATIC_PAD_TEMPLATE ("src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS ("video/x-raw"));

static gboolean
merkki_busy_src_start (GstBaseSrc *src)
{
  GST_ELEMENT_ERROR (src, RESOURCE, BUSY, ("Device '/dev/merkki-busy' is busy"),
                     ("Device or resource busy"));
  return FALSE;
}

static void
merkki_busy_src_class_init (MerkkiBusySrcClass *klass)
{
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);

  gst_element_class_add_static_pad_template (element_class, &busy_src_template);
  gst_element_class_set_static_metadata (element_class, "Busy camera", "Source/Video",
                                         "A camera another program holds", "Merkki");
  GST_BASE_SRC_CLASS (klass)->start = merkki_busy_src_start;
}

static void
merkki_busy_src_init (MerkkiBusySrc *self)
{
}

/* A camera of the test provider. */
typedef struct {
  GstDevice parent_instance;
  gboolean  busy;
} MerkkiTestDevice;

typedef GstDeviceClass MerkkiTestDeviceClass;

static GType merkki_test_device_get_type (void);
G_DEFINE_TYPE (MerkkiTestDevice, merkki_test_device, GST_TYPE_DEVICE)

static GstElement *
merkki_test_device_create_element (GstDevice  *device,
                                   const char *name)
{
  if (((MerkkiTestDevice *) device)->busy)
    return g_object_new (merkki_busy_src_get_type (), "name", name, NULL);

  return gst_parse_bin_from_description ("videotestsrc is-live=true "
                                         "! video/x-raw,width=320,height=240,framerate=15/1",
                                         TRUE, NULL);
}

static void
merkki_test_device_class_init (MerkkiTestDeviceClass *klass)
{
  klass->create_element = merkki_test_device_create_element;
}

static void
merkki_test_device_init (MerkkiTestDevice *self)
{
}

static GstDevice *
make_device (const char *name,
             const char *caps_string,
             const char *path,
             const char *serial,
             gboolean    busy)
{
  g_autoptr(GstCaps) caps = gst_caps_from_string (caps_string);
  g_autoptr(GstStructure) props = gst_structure_new ("merkki-test/device",
                                                     "device.path", G_TYPE_STRING, path,
                                                     NULL);
  MerkkiTestDevice *device;

  if (serial != NULL)
    gst_structure_set (props,
                       "device.serial", G_TYPE_STRING, serial,
                       "device.vendor.id", G_TYPE_STRING, "1d6b",
                       "device.product.id", G_TYPE_STRING, "0104",
                       NULL);

  device = g_object_new (merkki_test_device_get_type (),
                         "display-name", name,
                         "caps", caps,
                         "device-class", "Video/Source",
                         "properties", props,
                         NULL);
  device->busy = busy;
  return GST_DEVICE (device);
}

/* The provider: cameras present at start, more plugged by the tests. */
typedef struct {
  GstDeviceProvider parent_instance;
} MerkkiTestProvider;

typedef GstDeviceProviderClass MerkkiTestProviderClass;

static GType merkki_test_provider_get_type (void);
G_DEFINE_TYPE (MerkkiTestProvider, merkki_test_provider, GST_TYPE_DEVICE_PROVIDER)

static GstDeviceProvider *provider;

static gboolean
merkki_test_provider_start (GstDeviceProvider *self)
{
  provider = self;

  /* A webcam; its infrared twin for face login, known by its grey-only
   * formats; an infrared camera known by its name; a metadata node without
   * video formats; and the webcam's node seen twice. */
  gst_device_provider_device_add (self, make_device ("Merkki Webcam", "video/x-raw,format=YUY2; image/jpeg",
                                                     "/dev/merkki-video0", "W-0001", FALSE));
  gst_device_provider_device_add (self, make_device ("Merkki Webcam: Integrated I",
                                                     "video/x-raw,format={ GRAY8, GRAY16_LE }",
                                                     "/dev/merkki-video2", "W-0001-IR", FALSE));
  gst_device_provider_device_add (self, make_device ("Merkki Infrared Camera", "video/x-raw,format=YUY2",
                                                     "/dev/merkki-video3", "W-0001-IR2", FALSE));
  gst_device_provider_device_add (self, make_device ("Merkki Webcam", "EMPTY",
                                                     "/dev/merkki-video1", NULL, FALSE));
  gst_device_provider_device_add (self, make_device ("Merkki Webcam", "video/x-raw,format=YUY2",
                                                     "/dev/merkki-video0", "W-0001", FALSE));
  return TRUE;
}

/* Called with the provider locked; it drops its devices itself. */
static void
merkki_test_provider_stop (GstDeviceProvider *self)
{
  provider = NULL;
}

static void
merkki_test_provider_class_init (MerkkiTestProviderClass *klass)
{
  klass->start = merkki_test_provider_start;
  klass->stop = merkki_test_provider_stop;
  gst_device_provider_class_set_static_metadata (klass, "Merkki test cameras", "Video/Source",
                                                 "Cameras for Merkki's tests", "Merkki");
}

static void
merkki_test_provider_init (MerkkiTestProvider *self)
{
}

/* Tests */

typedef struct {
  MerkkiCamera *camera;
  GListModel   *devices;
  guint         frames;
  guint         watchdog;
} Fixture;

static gboolean
on_watchdog_cb (gpointer user_data)
{
  g_error ("No progress within %d s", WATCHDOG_SECONDS);
  return G_SOURCE_REMOVE;
}

static void
on_frame_cb (MerkkiCamera *camera,
             GBytes       *bgra,
             int           width,
             int           height,
             int           stride,
             Fixture      *fixture)
{
  fixture->frames++;
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  fixture->watchdog = g_timeout_add_seconds (WATCHDOG_SECONDS, on_watchdog_cb, NULL);
  fixture->camera = merkki_camera_new ();
  g_signal_connect (fixture->camera, "frame", G_CALLBACK (on_frame_cb), fixture);
  fixture->devices = merkki_camera_get_devices (fixture->camera);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  merkki_camera_stop (fixture->camera);
  g_assert_finalize_object (fixture->camera);
  g_source_remove (fixture->watchdog);
}

/* The test provider's cameras in the list, by name, in order. */
static char *
our_device_names (Fixture *fixture)
{
  GString *names = g_string_new (NULL);

  for (guint i = 0; i < g_list_model_get_n_items (fixture->devices); i++)
    {
      g_autoptr(MerkkiCameraDevice) device = g_list_model_get_item (fixture->devices, i);
      const char *name = merkki_camera_device_get_name (device);

      if (!g_str_has_prefix (name, "Merkki "))
        continue;
      if (names->len > 0)
        g_string_append (names, ", ");
      g_string_append (names, name);
    }

  return g_string_free (names, FALSE);
}

static MerkkiCameraDevice *
find_device (Fixture    *fixture,
             const char *name)
{
  for (guint i = 0; i < g_list_model_get_n_items (fixture->devices); i++)
    {
      g_autoptr(MerkkiCameraDevice) device = g_list_model_get_item (fixture->devices, i);

      if (g_str_equal (merkki_camera_device_get_name (device), name))
        return g_steal_pointer (&device);
    }
  return NULL;
}

static void
iterate_until_names (Fixture    *fixture,
                     const char *expected)
{
  for (;;)
    {
      g_autofree char *names = our_device_names (fixture);

      if (g_str_equal (names, expected))
        return;
      g_main_context_iteration (NULL, TRUE);
    }
}

static void
iterate_until_state (Fixture           *fixture,
                     MerkkiCameraState  state)
{
  while (merkki_camera_get_state (fixture->camera) != state)
    g_main_context_iteration (NULL, TRUE);
}

static void
iterate_until_frames (Fixture *fixture,
                      guint    frames)
{
  guint until = fixture->frames + frames;

  while (fixture->frames < until)
    g_main_context_iteration (NULL, TRUE);
}

/* One webcam listed: not its infrared twin, not its metadata node, not its
 * node a second time; with an id made from its serial number. */
static void
test_filtering (Fixture       *fixture,
                gconstpointer  data)
{
  g_autofree char *names = our_device_names (fixture);
  g_autoptr(MerkkiCameraDevice) webcam = find_device (fixture, "Merkki Webcam");

  g_assert_cmpstr (names, ==, "Merkki Webcam");
  g_assert_nonnull (webcam);
  g_assert_cmpstr (merkki_camera_device_get_id (webcam), ==, "serial:1d6b:0104:W-0001");
}

/* Plugging a second camera adds it; choosing it and starting plays it;
 * unplugging it while in use is the "gone" state; plugging it back in
 * resumes, since the caller still wants video. */
static void
test_hot_plug (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(MerkkiCameraDevice) second = NULL;
  g_autoptr(GError) error = NULL;
  GstDevice *plugged;
  g_autoptr(GList) present = NULL;

  g_assert_nonnull (provider);
  plugged = make_device ("Merkki USB Camera", "video/x-raw,format=YUY2",
                         "/dev/merkki-video4", "U-0002", FALSE);
  gst_object_ref_sink (plugged);
  gst_device_provider_device_add (provider, plugged);
  iterate_until_names (fixture, "Merkki Webcam, Merkki USB Camera");

  second = find_device (fixture, "Merkki USB Camera");
  merkki_camera_select_device (fixture->camera, merkki_camera_device_get_id (second));
  g_assert_true (merkki_camera_start (fixture->camera, &error));
  g_assert_no_error (error);
  iterate_until_state (fixture, MERKKI_CAMERA_STATE_PLAYING);
  iterate_until_frames (fixture, 3);
  g_assert_cmpstr (merkki_camera_get_device_id (fixture->camera), ==, "serial:1d6b:0104:U-0002");

  gst_device_provider_device_remove (provider, plugged);
  iterate_until_state (fixture, MERKKI_CAMERA_STATE_GONE);
  g_assert_error (merkki_camera_get_error (fixture->camera), MERKKI_CAMERA_ERROR, MERKKI_CAMERA_ERROR_GONE);
  iterate_until_names (fixture, "Merkki Webcam");

  /* device_add() takes a reference of its own. */
  gst_device_provider_device_add (provider, plugged);
  iterate_until_state (fixture, MERKKI_CAMERA_STATE_PLAYING);
  iterate_until_frames (fixture, 3);
  g_assert_cmpstr (merkki_camera_get_device_id (fixture->camera), ==, "serial:1d6b:0104:U-0002");
  g_assert_null (merkki_camera_get_error (fixture->camera));

  merkki_camera_stop (fixture->camera);
  gst_device_provider_device_remove (provider, plugged);
  iterate_until_names (fixture, "Merkki Webcam");
  gst_object_unref (plugged);
}

/* Without a choice, the first camera; a choice that is not plugged in
 * falls back to it as well. */
static void
test_default_device (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MerkkiCameraDevice) first = NULL;

  merkki_camera_select_device (fixture->camera, "serial:0000:0000:not-here");
  g_assert_true (merkki_camera_start (fixture->camera, &error));
  g_assert_no_error (error);
  iterate_until_state (fixture, MERKKI_CAMERA_STATE_PLAYING);
  iterate_until_frames (fixture, 2);

  /* Our webcam unless the machine running the test has a camera of its
   * own listed first. */
  first = g_list_model_get_item (fixture->devices, 0);
  if (g_str_has_prefix (merkki_camera_device_get_name (first), "Merkki "))
    g_assert_cmpstr (merkki_camera_get_device_id (fixture->camera), ==, "serial:1d6b:0104:W-0001");
}

/* A camera another program holds: start() fails with "busy". */
static void
test_busy (Fixture       *fixture,
           gconstpointer  data)
{
  g_autoptr(MerkkiCameraDevice) busy = NULL;
  g_autoptr(GError) error = NULL;
  GstDevice *plugged;

  plugged = make_device ("Merkki Busy Camera", "video/x-raw,format=YUY2",
                         "/dev/merkki-busy", "B-0003", TRUE);
  gst_object_ref_sink (plugged);
  gst_device_provider_device_add (provider, plugged);
  iterate_until_names (fixture, "Merkki Webcam, Merkki Busy Camera");

  busy = find_device (fixture, "Merkki Busy Camera");
  merkki_camera_select_device (fixture->camera, merkki_camera_device_get_id (busy));
  g_assert_false (merkki_camera_start (fixture->camera, &error));
  g_assert_error (error, MERKKI_CAMERA_ERROR, MERKKI_CAMERA_ERROR_BUSY);
  g_assert_cmpint (merkki_camera_get_state (fixture->camera), ==, MERKKI_CAMERA_STATE_BUSY);

  gst_device_provider_device_remove (provider, plugged);
  iterate_until_names (fixture, "Merkki Webcam");
  gst_object_unref (plugged);
}

int
main (int    argc,
      char **argv)
{
  merkki_test_init (&argc, &argv);
  gst_init (&argc, &argv);
  g_unsetenv ("MERKKI_CAMERA_PIPELINE");

  g_assert_true (gst_device_provider_register (NULL, "merkkitestcameras", GST_RANK_PRIMARY,
                                               merkki_test_provider_get_type ()));

  g_test_add ("/camera-devices/filtering", Fixture, NULL, fixture_set_up, test_filtering, fixture_tear_down);
  g_test_add ("/camera-devices/hot-plug", Fixture, NULL, fixture_set_up, test_hot_plug, fixture_tear_down);
  g_test_add ("/camera-devices/default-device", Fixture, NULL, fixture_set_up, test_default_device, fixture_tear_down);
  g_test_add ("/camera-devices/busy", Fixture, NULL, fixture_set_up, test_busy, fixture_tear_down);

  return g_test_run ();
}
