/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <gio/gio.h>
#include <gst/gst.h>

#include "merkki-application.h"
#include "merkki-sound.h"

/* Longer than either sound: a stuck audio output must not keep the thread. */
#define SOUND_TIMEOUT (5 * GST_SECOND)

static const char *
sound_name (MerkkiSound sound)
{
  return sound == MERKKI_SOUND_VALID ? "valid" : "negative";
}

static void
play_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  const char *name = task_data;
  const char *sink = g_getenv ("MERKKI_SOUND_SINK");
  g_autofree char *path = g_strdup_printf ("/io/github/merkki/Merkki/sounds/%s.oga", name);
  g_autofree char *description = NULL;
  g_autoptr(GInputStream) stream = NULL;
  g_autoptr(GstElement) pipeline = NULL;
  g_autoptr(GstElement) src = NULL;
  g_autoptr(GstBus) bus = NULL;
  g_autoptr(GstMessage) message = NULL;
  g_autoptr(GError) error = NULL;

  if (!gst_init_check (NULL, NULL, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  stream = g_resources_open_stream (path, G_RESOURCE_LOOKUP_FLAGS_NONE, &error);
  if (stream == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  description = g_strdup_printf ("giostreamsrc name=src ! oggdemux ! vorbisdec ! audioconvert ! "
                                 "audioresample ! %s",
                                 sink != NULL && *sink != '\0' ? sink : "autoaudiosink");
  pipeline = gst_parse_launch (description, &error);
  if (pipeline == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  /* gst_parse_launch() may return a pipeline along with a warning. */
  g_clear_error (&error);
  gst_object_ref_sink (pipeline);

  src = gst_bin_get_by_name (GST_BIN (pipeline), "src");
  g_object_set (src, "stream", stream, NULL);

  bus = gst_element_get_bus (pipeline);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  message = gst_bus_timed_pop_filtered (bus, SOUND_TIMEOUT, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  /* Stopping closes a file sink, so the sound is whole once traced. */
  gst_element_set_state (pipeline, GST_STATE_NULL);

  if (message != NULL && GST_MESSAGE_TYPE (message) == GST_MESSAGE_ERROR)
    {
      gst_message_parse_error (message, &error, NULL);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_task_return_boolean (task, message != NULL);
}

static void
on_played_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  const char *name = g_task_get_task_data (G_TASK (result));

  if (g_task_propagate_boolean (G_TASK (result), &error))
    {
      g_autofree char *event = g_strconcat ("sound-played:", name, NULL);

      merkki_trace (event);
    }
  else if (error != NULL)
    /* No audio output is common (a kiosk without speakers): not worth a warning. */
    g_debug ("Could not play the %s sound: %s", name, error->message);
}

void
merkki_sound_play (MerkkiSound sound)
{
  g_autoptr(GTask) task = g_task_new (NULL, NULL, on_played_cb, NULL);

  g_task_set_source_tag (task, merkki_sound_play);
  g_task_set_task_data (task, (gpointer) sound_name (sound), NULL);
  g_task_run_in_thread (task, play_thread);
}
