/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef enum {
  MERKKI_CAMERA_STATE_IDLE,
  MERKKI_CAMERA_STATE_STARTING,
  MERKKI_CAMERA_STATE_PLAYING,
  MERKKI_CAMERA_STATE_NO_CAMERA,
  MERKKI_CAMERA_STATE_PERMISSION_DENIED,
  MERKKI_CAMERA_STATE_BUSY,          /* another program holds the camera */
  MERKKI_CAMERA_STATE_GONE,          /* unplugged while in use */
  MERKKI_CAMERA_STATE_END_OF_STREAM, /* a recorded video ended */
  MERKKI_CAMERA_STATE_ERROR,         /* anything else; see merkki_camera_get_error() */
} MerkkiCameraState;

/* A camera the user can choose. */
#define MERKKI_TYPE_CAMERA_DEVICE (merkki_camera_device_get_type ())
G_DECLARE_FINAL_TYPE (MerkkiCameraDevice, merkki_camera_device, MERKKI, CAMERA_DEVICE, GObject)

const char *merkki_camera_device_get_id   (MerkkiCameraDevice *self);  /* stable across runs */
const char *merkki_camera_device_get_name (MerkkiCameraDevice *self);  /* "Integrated Camera" */

/* Capture from a camera or from a GStreamer description, with two branches:
 * display (BGRA frames, the latest only, for a GdkMemoryTexture) and scan
 * (GRAY8, throttled, decoded on one worker thread, frames dropped while it
 * is busy, a pause after a hit, the same payload not reported twice in a
 * row). Signals are emitted in the main context of the thread that called
 * merkki_camera_start().
 *
 * Signals:
 *   "frame" (GBytes *bgra, int width, int height, int stride)
 *   "code-found" (GBytes *payload, const char *text)
 * Properties: "state" (MerkkiCameraState), "devices" (GListModel). */
#define MERKKI_TYPE_CAMERA (merkki_camera_get_type ())
G_DECLARE_FINAL_TYPE (MerkkiCamera, merkki_camera, MERKKI, CAMERA, GObject)

/* Reads MERKKI_CAMERA_PIPELINE from the environment. */
MerkkiCamera      *merkki_camera_new                 (void);
/* Replaces the camera source with any GStreamer description ("filesrc
 * location=x.webm ! decodebin", "videotestsrc"), as --camera-pipeline does. */
void               merkki_camera_set_pipeline_description (MerkkiCamera *self,
                                                           const char   *description);
/* MerkkiCameraDevice items, following hot-plug. */
GListModel        *merkki_camera_get_devices         (MerkkiCamera *self);
void               merkki_camera_select_device       (MerkkiCamera *self,
                                                      const char   *device_id);
/* Starts capture (asks the portal inside Flatpak). State changes report
 * success or failure; a description that does not parse fails here. */
gboolean           merkki_camera_start               (MerkkiCamera *self,
                                                      GError      **error);
void               merkki_camera_stop                (MerkkiCamera *self);
/* Pauses or resumes reporting codes (e.g. while a result is shown). */
void               merkki_camera_set_scanning        (MerkkiCamera *self,
                                                      gboolean      scanning);
MerkkiCameraState  merkki_camera_get_state           (MerkkiCamera *self);
const GError      *merkki_camera_get_error           (MerkkiCamera *self);

G_END_DECLS
