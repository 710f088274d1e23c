/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define MERKKI_ERROR (merkki_error_quark ())

/* Errors of the core library. Messages are written for the person who
 * reads them (translated), the codes for the code that handles them. */
typedef enum {
  MERKKI_ERROR_INVALID_INPUT,    /* payload, CSV row, file the user gave is unusable */
  MERKKI_ERROR_INVALID_DATA,     /* a registry answer or data file is malformed or hostile */
  MERKKI_ERROR_NOT_FOUND,        /* the registry answered and has no such label */
  MERKKI_ERROR_NETWORK,          /* connection refused, reset, DNS, TLS */
  MERKKI_ERROR_TIMEOUT,          /* connect or total time limit passed */
  MERKKI_ERROR_HTTP,             /* an HTTP status the interface does not allow */
  MERKKI_ERROR_TOO_LARGE,        /* a body over its cap */
  MERKKI_ERROR_REFUSED,          /* policy: plain http to a non-loopback host, redirect to another host */
  MERKKI_ERROR_CONFIG,           /* a registry ID or URL in the configuration is wrong */
  MERKKI_ERROR_STORE,            /* the SQLite store failed */
  MERKKI_ERROR_DECODE,           /* an image could not be read */
  MERKKI_ERROR_CANCELLED,
} MerkkiError;

GQuark merkki_error_quark (void);

G_END_DECLS
