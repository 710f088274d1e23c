/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "merkki-check-result.h"
#include "merkki-record.h"
#include "merkki-verdict.h"

G_BEGIN_DECLS

/* g_test_init() plus a hermetic environment: XDG_DATA_HOME,
 * XDG_CONFIG_HOME, XDG_CACHE_HOME and XDG_RUNTIME_DIR-free temporary
 * directories removed at exit, GSETTINGS_BACKEND=memory, no
 * MERKKI_REGISTRY_* from the caller's environment, and merkki_core_init(). */
void        merkki_test_init        (int    *argc,
                                     char ***argv);

/* The temporary directory of this test process. */
const char *merkki_test_get_tmpdir  (void);

/* Path of a file under tests/data in the source tree (newly allocated). */
char       *merkki_test_data_path   (const char *name);

/* Path of a built program, relative to the build root: "src/cli/merkki-cli". */
char       *merkki_test_build_path  (const char *relative);

/* Recursively removes @path; for fixtures' teardown. */
void        merkki_test_rm_rf       (const char *path);

/* A "YYYY-MM-DD" date; the test fails if it is not one. */
GDate        *merkki_test_date       (const char         *iso);

/* A record with the required fields set (brand "Demo", model "Model"). */
MerkkiRecord *merkki_test_record_new (const char         *scheme,
                                      const char         *id,
                                      int                 level,
                                      MerkkiRecordStatus  status);

/* Runs @argv (searched in PATH) to the end; the test fails unless it
 * exits 0. Returns its standard output. */
char         *merkki_test_run_program (const char * const *argv);

/* The answer of @registry_id in a check's @result; the test fails if it
 * has none. */
const MerkkiRegistryAnswer *merkki_test_get_answer (MerkkiCheckResult *result,
                                                    const char        *registry_id);

/* Fails the test unless @result's verdict is @expected, naming both. */
#define merkki_test_assert_verdict(result, expected) \
  g_assert_cmpstr (merkki_verdict_to_string (merkki_check_result_get_verdict (result)), ==, \
                   merkki_verdict_to_string (expected))

/* Runs the built merkki-cli with @args (NULL-terminated, after the
 * program's name) to its end, with XDG_DATA_HOME set to @data_home, each
 * of @env applied ("NAME=value" sets NAME, a bare "NAME" removes it from
 * the environment; NULL for none), and @input (NULL: nothing) on its
 * standard input, from a file in @data_home. The test fails unless the
 * program exits. Returns its exit status; @out and @err (each may be
 * NULL) get its standard output and error, newly allocated. */
int           merkki_test_run_cli     (const char         *data_home,
                                       const char * const *env,
                                       GBytes             *input,
                                       const char * const *args,
                                       char              **out,
                                       char              **err);

/* The text of a PDF (pdftotext), every run of white space and page breaks
 * one space, so that a test finds words wherever the layout wrapped them. */
char         *merkki_test_pdf_text    (const char         *pdf);

G_END_DECLS
