/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* Every fuzz target in tests/fuzz defines this libFuzzer entry point. With
 * -Dfuzzing=true it is linked with libFuzzer's main; in every build it is
 * also linked with fuzz-regress.c, which runs it on each file of the
 * target's corpus and crash directories (suite 'fuzz'). A target aborts
 * (g_assert / g_error) when an invariant breaks; returning is success. */
int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);
