/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Why capture failed; the state says the same, the GError carries a message
 * a user can act on. */
#define MERKKI_CAMERA_ERROR (merkki_camera_error_quark ())

typedef enum {
  MERKKI_CAMERA_ERROR_NO_CAMERA,
  MERKKI_CAMERA_ERROR_PERMISSION_DENIED,
  MERKKI_CAMERA_ERROR_BUSY,
  MERKKI_CAMERA_ERROR_GONE,
  MERKKI_CAMERA_ERROR_PIPELINE,      /* a description that does not parse or link */
  MERKKI_CAMERA_ERROR_FAILED,        /* the stream failed while running */
} MerkkiCameraError;

GQuark merkki_camera_error_quark (void);

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

#define MERKKI_TYPE_CAMERA_STATE (merkki_camera_state_get_type ())
GType merkki_camera_state_get_type (void);

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
 *   "code-found" (GBytes *payload, const char *text): while it is emitted,
 *     merkki_camera_get_code_frame() gives the frame the code was read from
 * Properties: "state" (MerkkiCameraState), "devices" (GListModel). */
#define MERKKI_TYPE_CAMERA (merkki_camera_get_type ())
G_DECLARE_FINAL_TYPE (MerkkiCamera, merkki_camera, MERKKI, CAMERA, GObject)

/* Reads MERKKI_CAMERA_PIPELINE from the environment. */
MerkkiCamera      *merkki_camera_new                 (void);
/* Replaces the camera source with any GStreamer description ("filesrc
 * location=x.webm ! decodebin", "videotestsrc"), as --camera-pipeline does. */
void               merkki_camera_set_pipeline_description (MerkkiCamera *self,
                                                           const char   *description);
/* For recorded video read by a program (merkki-cli scan): do not pace the
 * stream to real time and hand every throttled frame to the decoder instead
 * of dropping frames while it is busy, so that the result does not depend on
 * the speed of the machine. Off by default; set before merkki_camera_start(). */
void               merkki_camera_set_scan_every_frame (MerkkiCamera *self,
                                                       gboolean      every_frame);
/* MerkkiCameraDevice items, following hot-plug. */
GListModel        *merkki_camera_get_devices         (MerkkiCamera *self);
void               merkki_camera_select_device       (MerkkiCamera *self,
                                                      const char   *device_id);
/* Starts capture (asks the portal inside Flatpak). State changes report
 * success or failure; a description that does not parse fails here. Returns
 * FALSE with @error (MERKKI_CAMERA_ERROR) when capture cannot even begin
 * (no camera, a description that does not parse, a device that cannot be
 * opened); the state is then NO_CAMERA, BUSY or ERROR as well. */
gboolean           merkki_camera_start               (MerkkiCamera *self,
                                                      GError      **error);
void               merkki_camera_stop                (MerkkiCamera *self);
/* Pauses or resumes reporting codes (e.g. while a result is shown). */
void               merkki_camera_set_scanning        (MerkkiCamera *self,
                                                      gboolean      scanning);
/* The id of the camera in use or last selected (for the UI to remember), or
 * NULL when a description or the portal provides the video. */
const char        *merkki_camera_get_device_id       (MerkkiCamera *self);
MerkkiCameraState  merkki_camera_get_state           (MerkkiCamera *self);
const GError      *merkki_camera_get_error           (MerkkiCamera *self);
/* While "code-found" is emitted: a copy of the GRAY8 frame the decoder read
 * the code from (@width by @height pixels, rows @width bytes apart), for a
 * handler that keeps it as evidence. NULL at any other time, or when the
 * frame cannot be read. */
GBytes            *merkki_camera_get_code_frame      (MerkkiCamera *self,
                                                      int          *width,
                                                      int          *height);

G_END_DECLS
