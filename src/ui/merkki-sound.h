/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The result sounds (data/sounds, bundled in the GResource). */
typedef enum
{
  MERKKI_SOUND_VALID,     /* a rising two-tone */
  MERKKI_SOUND_NEGATIVE,  /* a lower, falling two-tone */
} MerkkiSound;

/* Plays @sound with GStreamer in a thread and returns at once. The
 * environment variable MERKKI_SOUND_SINK replaces the audio output with a
 * gst-launch description (the tests write the sound to a file); the trace
 * "sound-played:valid" or "sound-played:negative" follows the end of the
 * sound. Without an audio output nothing is played, silently. */
void merkki_sound_play (MerkkiSound sound);

G_END_DECLS
