/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

/* GST_PLUGIN_DEFINE() names the source package with it. */
#define PACKAGE "merkki"

#include <gst/gst.h>

/* A GStreamer plugin for the GUI tests (GST_PLUGIN_PATH): a device
 * provider with two cameras, as a camera plugin would list them, so the
 * app's own device monitor finds them. The first films a test pattern; the
 * second films the image named by MERKKI_TEST_CAMERA_IMAGE (a label). */

typedef struct {
  GstDevice  parent_instance;
  char      *image;
} MerkkiTestCamera;

typedef GstDeviceClass MerkkiTestCameraClass;

static GType merkki_test_camera_get_type (void);
G_DEFINE_TYPE (MerkkiTestCamera, merkki_test_camera, GST_TYPE_DEVICE)

static GstElement *
merkki_test_camera_create_element (GstDevice  *device,
                                   const char *name)
{
  MerkkiTestCamera *self = (MerkkiTestCamera *) device;
  g_autofree char *description = NULL;

  if (self->image == NULL)
    description = g_strdup ("videotestsrc is-live=true ! video/x-raw,width=640,height=480,framerate=15/1");
  else
    description = g_strdup_printf ("filesrc location=\"%s\" ! pngdec ! imagefreeze is-live=true "
                                   "! videoconvert ! videorate ! video/x-raw,framerate=15/1",
                                   self->image);
  return gst_parse_bin_from_description (description, TRUE, NULL);
}

static void
merkki_test_camera_finalize (GObject *object)
{
  g_free (((MerkkiTestCamera *) object)->image);
  G_OBJECT_CLASS (merkki_test_camera_parent_class)->finalize (object);
}

static void
merkki_test_camera_class_init (MerkkiTestCameraClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = merkki_test_camera_finalize;
  klass->create_element = merkki_test_camera_create_element;
}

static void
merkki_test_camera_init (MerkkiTestCamera *self)
{
}

static GstDevice *
make_camera (const char *name,
             const char *path,
             const char *image)
{
  g_autoptr(GstCaps) caps = gst_caps_from_string ("video/x-raw,format=YUY2");
  g_autoptr(GstStructure) props = gst_structure_new ("merkki-test/camera",
                                                     "device.path", G_TYPE_STRING, path,
                                                     NULL);
  MerkkiTestCamera *camera = g_object_new (merkki_test_camera_get_type (),
                                           "display-name", name,
                                           "caps", caps,
                                           "device-class", "Video/Source",
                                           "properties", props,
                                           NULL);

  camera->image = g_strdup (image);
  return GST_DEVICE (camera);
}

typedef GstDeviceProvider MerkkiTestCameras;
typedef GstDeviceProviderClass MerkkiTestCamerasClass;

static GType merkki_test_cameras_get_type (void);
G_DEFINE_TYPE (MerkkiTestCameras, merkki_test_cameras, GST_TYPE_DEVICE_PROVIDER)

static GList *
merkki_test_cameras_probe (GstDeviceProvider *provider)
{
  const char *image = g_getenv ("MERKKI_TEST_CAMERA_IMAGE");

  return g_list_append (g_list_append (NULL, make_camera ("Test Pattern Camera", "/dev/merkki-test0", NULL)),
                        make_camera ("Label Camera", "/dev/merkki-test1", image != NULL ? image : ""));
}

static void
merkki_test_cameras_class_init (MerkkiTestCamerasClass *klass)
{
  klass->probe = merkki_test_cameras_probe;
  gst_device_provider_class_set_static_metadata (klass, "Merkki test cameras", "Video/Source",
                                                 "Two cameras for Merkki's GUI tests", "Merkki");
}

static void
merkki_test_cameras_init (MerkkiTestCameras *self)
{
}

static gboolean
plugin_init (GstPlugin *plugin)
{
  return gst_device_provider_register (plugin, "merkkitestcameras", GST_RANK_PRIMARY,
                                       merkki_test_cameras_get_type ());
}

GST_PLUGIN_DEFINE (GST_VERSION_MAJOR, GST_VERSION_MINOR, merkkitestcameras,
                   "Two cameras for Merkki's GUI tests", plugin_init, "0",
                   "GPL", "merkki", "https://github.com/merkki/merkki")
