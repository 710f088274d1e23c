/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "merkki-error.h"

G_DEFINE_QUARK (merkki-error-quark, merkki_error)
