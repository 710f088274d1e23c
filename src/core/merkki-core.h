/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "merkki-error.h"
#include "merkki-label-ref.h"
#include "merkki-record.h"
#include "merkki-verdict.h"
#include "merkki-recognition.h"
#include "merkki-explanation.h"
#include "merkki-registry-data.h"
#include "merkki-registry-config.h"
#include "merkki-registry-client.h"
#include "merkki-check-result.h"
#include "merkki-store.h"
#include "merkki-checker.h"
#include "merkki-history-export.h"
#include "merkki-import.h"
#include "merkki-decoder.h"

G_BEGIN_DECLS

/* Registers the core's bundled data (GResource) and binds the gettext
 * domain. Idempotent; every program and test calls it first. */
void merkki_core_init (void);

/* The resource path of the bundled data files. */
#define MERKKI_CORE_RESOURCE_PATH "/io/github/merkki/Merkki/core/"

G_END_DECLS
