/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <signal.h>
#include <stdio.h>

#include <glib/gi18n.h>
#include <glib-unix.h>

#include "merkki-cli.h"
#include "merkki-registry-server.h"

#define DEFAULT_PORT 8080

static gboolean
on_stop_signal_cb (gpointer user_data)
{
  GMainLoop *loop = user_data;

  g_main_loop_quit (loop);
  return G_SOURCE_CONTINUE;
}

int
merkki_cli_serve (int    argc,
                  char **argv)
{
  g_autofree char *bind = NULL;
  g_auto(GStrv) files = NULL;
  g_autoptr(MerkkiRegistryServer) server = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autoptr(GError) error = NULL;
  int port = DEFAULT_PORT;
  int delay_ms = 0;
  guint sigint_id, sigterm_id;
  GOptionEntry entries[] = {
    { "bind", 0, 0, G_OPTION_ARG_STRING, &bind,
      N_("Listen on this IP address (default 127.0.0.1)"), N_("ADDR") },
    { "port", 0, 0, G_OPTION_ARG_INT, &port,
      N_("Listen on this port; 0 picks a free one (default 8080)"), N_("N") },
    { "delay-ms", 0, 0, G_OPTION_ARG_INT, &delay_ms,
      N_("Hold every answer back this long, to imitate a slow registry"), N_("MS") },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &files, NULL, NULL },
    { NULL }
  };

  if (!merkki_cli_parse_options ("serve", _("DATA.json…"),
                                 _("Serve registry data files over the registry interface "
                                   "(GET /v1/labels/…, /v1/snapshot) until interrupted."),
                                 entries, &argc, &argv))
    return MERKKI_CLI_EXIT_USAGE;

  if (files == NULL || files[0] == NULL)
    return merkki_cli_usage_error ("serve", "%s", _("No data file given; try “merkki-cli serve --help”"));
  if (port < 0 || port > G_MAXUINT16)
    return merkki_cli_usage_error ("serve", _("The port %d is not between 0 and 65535"), port);
  if (delay_ms < 0)
    return merkki_cli_usage_error ("serve", _("The delay %d ms is negative"), delay_ms);

  server = merkki_registry_server_new ();
  for (guint i = 0; files[i] != NULL; i++)
    {
      if (!merkki_registry_server_load_file (server, files[i], &error))
        return merkki_cli_usage_error ("serve", "%s", error->message);
    }
  merkki_registry_server_set_delay (server, delay_ms);

  if (!merkki_registry_server_listen (server, bind, port, &error))
    return merkki_cli_usage_error ("serve", "%s", error->message);

  /* Scripts wait for this exact line (never translated) to learn the port. */
  printf ("listening on %s\n", merkki_registry_server_get_url (server));
  fflush (stdout);

  loop = g_main_loop_new (NULL, FALSE);
  sigint_id = g_unix_signal_add (SIGINT, on_stop_signal_cb, loop);
  sigterm_id = g_unix_signal_add (SIGTERM, on_stop_signal_cb, loop);

  g_main_loop_run (loop);

  g_source_remove (sigint_id);
  g_source_remove (sigterm_id);

  return 0;
}
