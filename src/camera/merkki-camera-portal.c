/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>

#ifdef HAVE_LIBPORTAL
#include <libportal/portal.h>
#endif

#include "merkki-camera-private.h"

gboolean
_merkki_camera_in_sandbox (void)
{
  return g_file_test ("/.flatpak-info", G_FILE_TEST_EXISTS);
}

#ifdef HAVE_LIBPORTAL

static void
on_access_camera_cb (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  XdpPortal *portal = XDP_PORTAL (object);
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  int fd;

  if (!xdp_portal_access_camera_finish (portal, result, &error))
    {
      if (g_task_return_error_if_cancelled (task))
        return;

      /* The portal reports a refusal and a dismissed dialog alike. */
      g_debug ("Camera portal refused: %s", error->message);
      g_task_return_new_error (task, MERKKI_CAMERA_ERROR,
                               MERKKI_CAMERA_ERROR_PERMISSION_DENIED,
                               "%s", _("Merkki may not use the camera. Allow it in Settings → Apps → Merkki, or open a photo of the label instead."));
      return;
    }

  fd = xdp_portal_open_pipewire_remote_for_camera (portal);
  if (fd < 0)
    {
      g_task_return_new_error (task, MERKKI_CAMERA_ERROR, MERKKI_CAMERA_ERROR_FAILED,
                               "%s", _("The camera could not be opened through the desktop portal"));
      return;
    }

  g_task_return_int (task, fd);
}

void
_merkki_camera_portal_open_async (GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  g_autoptr(XdpPortal) portal = NULL;

  g_task_set_source_tag (task, _merkki_camera_portal_open_async);

  /* libportal 0.6 (Debian 12) has no fallible constructor; without a session
   * bus the camera then reads as absent. */
  portal = xdp_portal_new ();

  if (!xdp_portal_is_camera_present (portal))
    {
      g_task_return_new_error (task, MERKKI_CAMERA_ERROR, MERKKI_CAMERA_ERROR_NO_CAMERA,
                               "%s", _("No camera was found"));
      return;
    }

  /* The task keeps the portal alive until the answer. */
  g_task_set_task_data (task, g_object_ref (portal), g_object_unref);
  xdp_portal_access_camera (portal, NULL, XDP_CAMERA_FLAG_NONE, cancellable,
                            on_access_camera_cb, g_steal_pointer (&task));
}

#else /* !HAVE_LIBPORTAL */

void
_merkki_camera_portal_open_async (GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);

  g_task_set_source_tag (task, _merkki_camera_portal_open_async);
  g_task_return_new_error (task, MERKKI_CAMERA_ERROR, MERKKI_CAMERA_ERROR_FAILED,
                           "%s", _("This build of Merkki cannot ask the desktop portal for the camera (built without libportal)"));
}

#endif /* HAVE_LIBPORTAL */

int
_merkki_camera_portal_open_finish (GAsyncResult  *result,
                                   GError       **error)
{
  gssize fd;

  g_return_val_if_fail (g_task_is_valid (result, NULL), -1);

  fd = g_task_propagate_int (G_TASK (result), error);
  return fd < 0 ? -1 : (int) fd;
}
