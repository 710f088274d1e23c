/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

/* The viewfinder with its reticle and camera chooser, the camera's states,
 * and the other ways in: open an image (or drop one), paste, type a
 * reference. Emits "payload-chosen" (GBytes *payload) for whatever it got. */
#define MERKKI_TYPE_SCAN_PAGE (merkki_scan_page_get_type ())
G_DECLARE_FINAL_TYPE (MerkkiScanPage, merkki_scan_page, MERKKI, SCAN_PAGE, AdwBin)

/* Starts the camera (or @pipeline, a GStreamer description, when not
 * NULL). Call once the window is shown. */
void     merkki_scan_page_start_camera     (MerkkiScanPage *self,
                                            const char     *pipeline);
void     merkki_scan_page_stop_camera      (MerkkiScanPage *self);
/* Pauses reporting codes while a check or a result is on screen. */
void     merkki_scan_page_set_scanning     (MerkkiScanPage *self,
                                            gboolean        scanning);
void     merkki_scan_page_open_image       (MerkkiScanPage *self);
void     merkki_scan_page_paste            (MerkkiScanPage *self);
void     merkki_scan_page_enter_reference  (MerkkiScanPage *self);
/* Reads the codes in an image file and emits the best one. */
void     merkki_scan_page_check_file       (MerkkiScanPage *self,
                                            GFile          *file);
/* Empties the reference entry (after a keyboard-wedge scan typed into it). */
void     merkki_scan_page_clear_entry      (MerkkiScanPage *self);
/* During "payload-chosen": the image file the payload was read from, or
 * NULL (camera, paste, typing). */
const char *merkki_scan_page_get_payload_path (MerkkiScanPage *self);
/* During "payload-chosen" for a code the camera found: a copy of the GRAY8
 * frame (@width by @height, rows @width bytes apart) it was read from, else
 * NULL. Only a caller that keeps it asks, so no other frame is copied. */
GBytes     *merkki_scan_page_get_payload_frame (MerkkiScanPage *self,
                                                int            *width,
                                                int            *height);
/* During "payload-chosen" for a pasted or dropped image: that image, else
 * NULL. */
GdkTexture *merkki_scan_page_get_payload_texture (MerkkiScanPage *self);

G_END_DECLS
