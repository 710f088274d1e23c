/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "merkki-cli.h"

int
main (int    argc,
      char **argv)
{
  return merkki_cli_main (argc, argv);
}
