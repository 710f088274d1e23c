/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include <adwaita.h>

#include "merkki-result-page.h"
#include "merkki-test-po.h"
#include "merkki-test-utils.h"
#include "merkki-ui-resources.h"

/* The result page's language chooser: a shop assistant shows one result's
 * explanation in a customer's language, without restarting, then the
 * next result is in the app's language again. The expected texts are
 * read from po/LANG.po; the page uses the .mo files built from them. */

static const struct {
  const char *code;
  const char *name;
} languages[] = {
  { "fi", "Suomi" },
  { "sv", "Svenska" },
  { "zh_CN", "简体中文" },
  { "ms", "Bahasa Melayu" },
  { "ta", "தமிழ்" },
};

static void
collect (GtkWidget *widget,
         GType      type,
         GPtrArray *found)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (widget, type))
    g_ptr_array_add (found, widget);
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect (child, type, found);
}

static GtkDropDown *
find_dropdown (GtkWidget *page)
{
  g_autoptr(GPtrArray) found = g_ptr_array_new ();

  collect (page, GTK_TYPE_DROP_DOWN, found);
  g_assert_cmpuint (found->len, ==, 1);

  return g_ptr_array_index (found, 0);
}

static gboolean
shows_label (GtkWidget  *page,
             const char *text)
{
  g_autoptr(GPtrArray) labels = g_ptr_array_new ();

  collect (page, GTK_TYPE_LABEL, labels);
  for (guint i = 0; i < labels->len; i++)
    if (g_str_equal (gtk_label_get_label (g_ptr_array_index (labels, i)), text) &&
        gtk_widget_get_visible (g_ptr_array_index (labels, i)))
      return TRUE;

  return FALSE;
}

/* Selects the chooser's entry named @name. */
static void
choose (GtkDropDown *dropdown,
        const char  *name)
{
  GListModel *model = gtk_drop_down_get_model (dropdown);

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    if (g_str_equal (gtk_string_list_get_string (GTK_STRING_LIST (model), i), name))
      {
        gtk_drop_down_set_selected (dropdown, i);
        return;
      }

  g_error ("The language chooser has no “%s”", name);
}

/* A valid CLS Level 3 label, as the checker reports it. */
static MerkkiCheckResult *
valid_result (void)
{
  static const char id[] = "CSA/311228/1001";
  g_autoptr(MerkkiLabelRef) ref = merkki_label_ref_parse ((const guint8 *) id, -1);
  MerkkiCheckResult *result = merkki_check_result_new (ref);
  MerkkiRegistryAnswer *answer = merkki_registry_answer_new ("sg-csa");
  g_autofree char *explanation = NULL;

  answer->is_issuer = TRUE;
  answer->outcome = MERKKI_OUTCOME_FOUND;
  answer->source = MERKKI_SOURCE_SNAPSHOT;
  answer->record = merkki_test_record_new ("sg-cls", id, 3, MERKKI_RECORD_STATUS_ACTIVE);
  merkki_check_result_add_answer (result, answer);
  merkki_check_result_set_verdict (result, MERKKI_VERDICT_VALID);
  explanation = merkki_explanation_for_verdict (MERKKI_VERDICT_VALID, answer->record);
  merkki_check_result_set_explanation (result, explanation);

  return result;
}

static void
test_chooser (void)
{
  g_autoptr(MerkkiCheckResult) result = valid_result ();
  g_autoptr(MerkkiCheckResult) next = valid_result ();
  GtkWidget *page = g_object_ref_sink (g_object_new (MERKKI_TYPE_RESULT_PAGE, NULL));
  g_autofree char *valid = merkki_explanation_for_verdict (MERKKI_VERDICT_VALID, NULL);
  const char *english = merkki_check_result_get_explanation (result);
  GtkDropDown *dropdown;

  merkki_result_page_set_result (MERKKI_RESULT_PAGE (page), result);
  dropdown = find_dropdown (page);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (dropdown)));
  /* The tests run in English. */
  g_assert_cmpstr (gtk_string_list_get_string (GTK_STRING_LIST (gtk_drop_down_get_model (dropdown)),
                                               gtk_drop_down_get_selected (dropdown)), ==, "English");
  g_assert_true (shows_label (page, english));

  for (gsize i = 0; i < G_N_ELEMENTS (languages); i++)
    {
      g_autoptr(GHashTable) po = merkki_test_po_read (languages[i].code);
      const char *level = merkki_explanation_for_level ("sg-cls", 3);
      g_autofree char *head = merkki_test_po_join_sentences (po, merkki_test_po_lookup (po, valid),
                                                             merkki_test_po_lookup (po, level));
      g_autoptr(GPtrArray) labels = g_ptr_array_new ();
      gboolean translated = FALSE;

      choose (dropdown, languages[i].name);
      collect (page, GTK_TYPE_LABEL, labels);
      for (guint j = 0; j < labels->len; j++)
        if (g_str_has_prefix (gtk_label_get_label (g_ptr_array_index (labels, j)), head))
          translated = TRUE;
      g_test_message ("%s: %s", languages[i].code, head);
      g_assert_true (translated);
      g_assert_false (shows_label (page, english));
      /* Only the explanation switches: the rest stays in the app's language. */
      g_assert_true (shows_label (page, "Valid label"));
    }

  choose (dropdown, "English");
  g_assert_true (shows_label (page, english));

  /* The next customer's result starts in the app's language. */
  choose (dropdown, "தமிழ்");
  merkki_result_page_set_result (MERKKI_RESULT_PAGE (page), next);
  g_assert_cmpuint (gtk_drop_down_get_selected (dropdown), ==, 0);
  g_assert_true (shows_label (page, merkki_check_result_get_explanation (next)));

  g_object_unref (page);
}

int
main (int    argc,
      char **argv)
{
  merkki_test_init (&argc, &argv);

  g_test_add_func ("/result-page/explanation-language", test_chooser);

  if (!gtk_init_check ())
    {
      /* build-aux/test.sh runs the suite under xvfb-run. */
      g_print ("1..0 # SKIP no display\n");
      return 0;
    }
  adw_init ();
  merkki_ui_register_resource ();

  return g_test_run ();
}
