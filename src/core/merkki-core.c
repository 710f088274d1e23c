/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "merkki-core.h"
#include "merkki-core-resources.h"

void
merkki_core_init (void)
{
  static gsize initialized = 0;

  if (g_once_init_enter (&initialized))
    {
      const char *localedir = g_getenv ("MERKKI_LOCALEDIR");

      /* The resource lives in a static library, so its constructor may be
       * dropped by the linker; registering it by hand keeps it. */
      g_resources_register (merkki_core_get_resource ());
      /* MERKKI_LOCALEDIR points gettext at other catalogues than the
       * installed ones: the tests and uninstalled runs use the .mo files
       * meson builds in BUILDDIR/po (BUILDDIR/po/LANG/LC_MESSAGES/merkki.mo). */
      bindtextdomain (GETTEXT_PACKAGE, localedir != NULL && *localedir != '\0' ? localedir : LOCALEDIR);
      bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
      g_once_init_leave (&initialized, 1);
    }
}
