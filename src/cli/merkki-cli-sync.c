/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "merkki-cli.h"

int
merkki_cli_sync (int    argc,
               char **argv)
{
  return merkki_cli_usage_error ("sync", "%s", _("This command is not available in this build"));
}
