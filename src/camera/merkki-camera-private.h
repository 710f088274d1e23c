/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gst/gst.h>

#include "merkki-camera.h"

G_BEGIN_DECLS

/* Devices (merkki-camera-device.c). */

/* FALSE for what is not a camera a person points at a label: infrared
 * cameras (face login) and nodes without video formats (v4l2 metadata). */
gboolean            _merkki_camera_device_is_usable   (GstDevice *device);
/* The same physical camera seen through several providers (v4l2, PipeWire)
 * has the same key. */
char               *_merkki_camera_device_dup_key     (GstDevice *device);
MerkkiCameraDevice *_merkki_camera_device_new         (GstDevice *device);
GstDevice          *_merkki_camera_device_get_device  (MerkkiCameraDevice *self);
const char         *_merkki_camera_device_get_key     (MerkkiCameraDevice *self);
/* Lower is preferred when two providers show the same camera. */
int                 _merkki_camera_device_get_rank    (MerkkiCameraDevice *self);

/* The Camera portal (merkki-camera-portal.c). */

/* TRUE inside a Flatpak sandbox, where the camera comes from the portal. */
gboolean            _merkki_camera_in_sandbox         (void);
/* Asks the Camera portal for access and opens a PipeWire remote for the
 * camera. The result is a file descriptor for pipewiresrc's "fd", or -1 with
 * a MERKKI_CAMERA_ERROR (NO_CAMERA, PERMISSION_DENIED, FAILED). */
void                _merkki_camera_portal_open_async  (GCancellable        *cancellable,
                                                       GAsyncReadyCallback  callback,
                                                       gpointer             user_data);
int                 _merkki_camera_portal_open_finish (GAsyncResult  *result,
                                                       GError       **error);

/* For the benchmark: the running pipeline, or NULL. */
GstElement         *_merkki_camera_get_pipeline       (MerkkiCamera *self);

G_END_DECLS
