/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "merkki-cli.h"

int
merkki_cli_scan (int    argc,
               char **argv)
{
  return merkki_cli_usage_error ("scan", "%s", _("This command is not available in this build"));
}
