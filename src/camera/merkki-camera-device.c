/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "merkki-camera-private.h"

struct _MerkkiCameraDevice
{
  GObject    parent_instance;

  GstDevice *device;
  char      *id;
  char      *name;
  char      *key;
  int        rank;
};

G_DEFINE_FINAL_TYPE (MerkkiCameraDevice, merkki_camera_device, G_TYPE_OBJECT)

static void
merkki_camera_device_finalize (GObject *object)
{
  MerkkiCameraDevice *self = MERKKI_CAMERA_DEVICE (object);

  g_clear_object (&self->device);
  g_clear_pointer (&self->id, g_free);
  g_clear_pointer (&self->name, g_free);
  g_clear_pointer (&self->key, g_free);

  G_OBJECT_CLASS (merkki_camera_device_parent_class)->finalize (object);
}

static void
merkki_camera_device_class_init (MerkkiCameraDeviceClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = merkki_camera_device_finalize;
}

static void
merkki_camera_device_init (MerkkiCameraDevice *self)
{
}

/* The first of @names that @device has as a non-empty string property. */
static char *
dup_property (GstDevice          *device,
              const char * const *names)
{
  g_autoptr(GstStructure) props = gst_device_get_properties (device);

  if (props == NULL)
    return NULL;

  for (guint i = 0; names[i] != NULL; i++)
    {
      const char *value = gst_structure_get_string (props, names[i]);

      if (value != NULL && *value != '\0')
        return g_strdup (value);
    }

  return NULL;
}

static gboolean
format_is_gray (const char *format)
{
  return format != NULL && g_str_has_prefix (format, "GRAY");
}

/* Infrared cameras (the face-login camera next to the webcam) offer grey
 * formats only. */
static gboolean
caps_are_gray_only (GstCaps *caps)
{
  for (guint i = 0; i < gst_caps_get_size (caps); i++)
    {
      GstStructure *s = gst_caps_get_structure (caps, i);
      const GValue *format;

      if (!gst_structure_has_name (s, "video/x-raw"))
        return FALSE;

      format = gst_structure_get_value (s, "format");
      if (format == NULL)
        return FALSE;

      if (G_VALUE_HOLDS_STRING (format))
        {
          if (!format_is_gray (g_value_get_string (format)))
            return FALSE;
        }
      else if (GST_VALUE_HOLDS_LIST (format))
        {
          for (guint j = 0; j < gst_value_list_get_size (format); j++)
            {
              const GValue *item = gst_value_list_get_value (format, j);

              if (!G_VALUE_HOLDS_STRING (item) || !format_is_gray (g_value_get_string (item)))
                return FALSE;
            }
        }
      else
        return FALSE;
    }

  return TRUE;
}

static gboolean
name_says_infrared (const char *name)
{
  g_autofree char *lower = NULL;

  if (name == NULL)
    return FALSE;

  lower = g_ascii_strdown (name, -1);
  return strstr (lower, "infrared") != NULL
         || strstr (lower, "ir camera") != NULL
         || g_str_has_suffix (lower, " ir");
}

gboolean
_merkki_camera_device_is_usable (GstDevice *device)
{
  g_autoptr(GstCaps) caps = NULL;
  g_autofree char *name = NULL;

  g_return_val_if_fail (GST_IS_DEVICE (device), FALSE);

  if (!gst_device_has_classes (device, "Video/Source"))
    return FALSE;

  name = gst_device_get_display_name (device);
  if (name_says_infrared (name))
    return FALSE;

  /* Metadata and output-only nodes have no video caps at all. */
  caps = gst_device_get_caps (device);
  if (caps == NULL || gst_caps_is_empty (caps))
    return FALSE;
  if (gst_caps_is_any (caps))
    return TRUE;

  return !caps_are_gray_only (caps);
}

char *
_merkki_camera_device_dup_key (GstDevice *device)
{
  static const char * const path_names[] = {
    "api.v4l2.path",      /* PipeWire and recent v4l2 providers */
    "device.path",        /* v4l2 provider */
    "api.libcamera.path",
    NULL,
  };
  g_autofree char *path = dup_property (device, path_names);
  g_autofree char *name = NULL;

  if (path != NULL)
    return g_strconcat ("path:", path, NULL);

  name = gst_device_get_display_name (device);
  return g_strconcat ("name:", name != NULL ? name : "", NULL);
}

/* An id that stays the same across runs and re-plugging, as far as the
 * device tells: serial number, then the port it is plugged into, then the
 * node path, then the name. */
static char *
dup_stable_id (GstDevice *device)
{
  static const char * const serial_names[] = { "device.serial", NULL };
  static const char * const vendor_names[] = { "device.vendor.id", NULL };
  static const char * const product_names[] = { "device.product.id", NULL };
  static const char * const bus_names[] = { "device.bus_path", "device.bus-path", NULL };
  g_autofree char *serial = dup_property (device, serial_names);
  g_autofree char *bus_path = dup_property (device, bus_names);

  if (serial != NULL)
    {
      g_autofree char *vendor = dup_property (device, vendor_names);
      g_autofree char *product = dup_property (device, product_names);

      return g_strdup_printf ("serial:%s:%s:%s",
                              vendor != NULL ? vendor : "",
                              product != NULL ? product : "",
                              serial);
    }

  if (bus_path != NULL)
    return g_strconcat ("bus:", bus_path, NULL);

  return _merkki_camera_device_dup_key (device);
}

static int
rank_for_device (GstDevice *device)
{
  static const char * const api_names[] = { "device.api", NULL };
  g_autofree char *api = dup_property (device, api_names);
  g_autofree char *type_name = g_ascii_strdown (G_OBJECT_TYPE_NAME (device), -1);

  /* v4l2src talks to the kernel directly and is the most dependable outside
   * a sandbox; PipeWire nodes of the same camera come next. */
  if (strstr (type_name, "v4l2") != NULL)
    return 0;
  if (strstr (type_name, "pipewire") != NULL)
    return g_strcmp0 (api, "libcamera") == 0 ? 2 : 1;
  return 3;
}

MerkkiCameraDevice *
_merkki_camera_device_new (GstDevice *device)
{
  MerkkiCameraDevice *self;

  g_return_val_if_fail (GST_IS_DEVICE (device), NULL);

  self = g_object_new (MERKKI_TYPE_CAMERA_DEVICE, NULL);
  self->device = g_object_ref (device);
  self->name = gst_device_get_display_name (device);
  if (self->name == NULL)
    self->name = g_strdup ("");
  self->id = dup_stable_id (device);
  self->key = _merkki_camera_device_dup_key (device);
  self->rank = rank_for_device (device);

  return self;
}

GstDevice *
_merkki_camera_device_get_device (MerkkiCameraDevice *self)
{
  g_return_val_if_fail (MERKKI_IS_CAMERA_DEVICE (self), NULL);
  return self->device;
}

const char *
_merkki_camera_device_get_key (MerkkiCameraDevice *self)
{
  g_return_val_if_fail (MERKKI_IS_CAMERA_DEVICE (self), NULL);
  return self->key;
}

int
_merkki_camera_device_get_rank (MerkkiCameraDevice *self)
{
  g_return_val_if_fail (MERKKI_IS_CAMERA_DEVICE (self), 0);
  return self->rank;
}

const char *
merkki_camera_device_get_id (MerkkiCameraDevice *self)
{
  g_return_val_if_fail (MERKKI_IS_CAMERA_DEVICE (self), NULL);
  return self->id;
}

const char *
merkki_camera_device_get_name (MerkkiCameraDevice *self)
{
  g_return_val_if_fail (MERKKI_IS_CAMERA_DEVICE (self), NULL);
  return self->name;
}
