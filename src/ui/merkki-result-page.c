/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "merkki-format.h"
#include "merkki-result-page.h"

struct _MerkkiResultPage
{
  AdwBin                parent_instance;

  /* Template widgets */
  GtkScrolledWindow    *scrolled_window;
  GtkWidget            *verdict_box;
  GtkImage             *verdict_icon;
  GtkLabel             *verdict_title;
  GtkLabel             *verdict_reference;
  GtkLabel             *demo_label;
  GtkWidget            *language_box;
  GtkDropDown          *language_dropdown;
  GtkLabel             *explanation_label;
  AdwPreferencesGroup  *product_group;
  AdwActionRow         *product_row;
  AdwActionRow         *level_row;
  GtkLabel             *stars_label;
  AdwActionRow         *validity_row;
  AdwPreferencesGroup  *countries_group;
  AdwPreferencesGroup  *payload_group;
  GtkLabel             *payload_label;
  AdwPreferencesGroup  *sources_group;
  GtkWidget            *note_group;
  AdwEntryRow          *note_row;

  MerkkiCheckResult    *result;
  /* Rows added for the current result, removed before the next. */
  GPtrArray            *country_rows;
  GPtrArray            *source_rows;
  const char           *style_class;
  char                 *applied_note;   /* the note last announced */
};

G_DEFINE_FINAL_TYPE (MerkkiResultPage, merkki_result_page, ADW_TYPE_BIN)

/* The languages the explanation can be shown in, each named in itself: a
 * shop assistant turns the screen to a customer who reads that language. */
static const struct {
  const char *code;
  const char *name;
} explanation_languages[] = {
  { "en", "English" },
  { "fi", "Suomi" },
  { "sv", "Svenska" },
  { "zh_CN", "简体中文" },
  { "ms", "Bahasa Melayu" },
  { "ta", "தமிழ்" },
};

enum {
  SCAN_ANOTHER,
  NOTE_APPLIED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
clear_rows (AdwPreferencesGroup *group,
            GPtrArray           *rows)
{
  for (guint i = 0; i < rows->len; i++)
    adw_preferences_group_remove (group, g_ptr_array_index (rows, i));
  g_ptr_array_set_size (rows, 0);
}

static GtkWidget *
add_row (AdwPreferencesGroup *group,
         GPtrArray           *rows,
         const char          *title,
         const char          *subtitle,
         const char          *icon_name,
         const char          *icon_style)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *icon = gtk_image_new_from_icon_name (icon_name);

  /* Plain text: registry data is never markup. */
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle != NULL ? subtitle : "");
  adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 0);
  adw_action_row_set_title_lines (ADW_ACTION_ROW (row), 0);
  /* The words of the row say it all; the icon only repeats them. */
  gtk_accessible_update_property (GTK_ACCESSIBLE (icon),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, title,
                                  -1);
  if (icon_style != NULL)
    gtk_widget_add_css_class (icon, icon_style);
  adw_action_row_add_prefix (ADW_ACTION_ROW (row), icon);
  adw_preferences_group_add (group, row);
  g_ptr_array_add (rows, row);

  return row;
}

static char *
format_gdate (const GDate *date)
{
  g_autoptr(GDateTime) when = NULL;

  if (date == NULL || !g_date_valid (date))
    return NULL;

  when = g_date_time_new_local (g_date_get_year (date), g_date_get_month (date),
                                g_date_get_day (date), 12, 0, 0);
  return when != NULL ? merkki_format_date (when) : NULL;
}

static void
show_product (MerkkiResultPage   *self,
              MerkkiVerdict       verdict,
              MerkkiLabelRef     *ref,
              const MerkkiRecord *record)
{
  g_autofree char *validity = NULL;
  const GDate *expires = NULL;

  if (record != NULL)
    {
      g_autofree char *product = g_strdup_printf ("%s %s", record->brand, record->model);
      g_autofree char *level_name = merkki_format_level_name (record->scheme, record->level);
      g_autofree char *stars = merkki_format_stars (record->level);
      g_autofree char *stars_name = merkki_format_stars_label (record->level);
      GString *details = g_string_new (NULL);

      if (record->category != NULL)
        g_string_append (details, record->category);
      if (record->manufacturer != NULL)
        {
          if (details->len > 0)
            g_string_append (details, " · ");
          g_string_append (details, record->manufacturer);
        }

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->product_row), product);
      adw_action_row_set_subtitle (self->product_row, details->str);
      g_string_free (details, TRUE);

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->level_row), level_name);
      adw_action_row_set_subtitle (self->level_row,
                                   merkki_explanation_for_level (record->scheme, record->level));
      gtk_label_set_label (self->stars_label, stars);
      gtk_widget_set_visible (GTK_WIDGET (self->stars_label), record->level > 0);
      gtk_accessible_update_property (GTK_ACCESSIBLE (self->stars_label),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, stars_name,
                                      -1);
      gtk_widget_set_visible (GTK_WIDGET (self->product_row), TRUE);
      gtk_widget_set_visible (GTK_WIDGET (self->level_row), TRUE);
      expires = record->expires;
    }
  else
    {
      gtk_widget_set_visible (GTK_WIDGET (self->product_row), FALSE);
      gtk_widget_set_visible (GTK_WIDGET (self->level_row), FALSE);
    }

  if (expires == NULL && merkki_label_ref_get_kind (ref) == MERKKI_LABEL_KIND_REFERENCE)
    expires = merkki_label_ref_get_expires_from_id (ref);

  validity = format_gdate (expires);
  if (validity != NULL)
    {
      const char *title;

      /* "Valid until" only when a registry said so. */
      if (verdict == MERKKI_VERDICT_VALID)
        title = _("Valid until");
      else if (verdict == MERKKI_VERDICT_EXPIRED)
        title = _("Expired on");
      else
        title = _("Expiry date printed in the ID");
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->validity_row), title);
      adw_action_row_set_subtitle (self->validity_row, validity);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->validity_row), validity != NULL);

  adw_preferences_group_set_title (self->product_group, record != NULL ? _("Product") : _("Label"));
  gtk_widget_set_visible (GTK_WIDGET (self->product_group), record != NULL || validity != NULL);
}

static void
show_countries (MerkkiResultPage  *self,
                MerkkiCheckResult *result)
{
  GPtrArray *recognition = merkki_check_result_get_recognition (result);
  guint n = recognition != NULL ? recognition->len : 0;

  clear_rows (self->countries_group, self->country_rows);

  for (guint i = 0; i < n; i++)
    {
      const MerkkiCountryRecognition *country = g_ptr_array_index (recognition, i);
      g_autofree char *status = merkki_format_recognition (country);
      g_autofree char *subtitle = NULL;

      /* The basis may already start with the status ("Not recognised: …"). */
      if (country->basis != NULL && g_str_has_prefix (country->basis, status))
        subtitle = g_strdup (country->basis);
      else if (country->basis != NULL && country->basis[0] != '\0')
        subtitle = g_strdup_printf ("%s · %s", status, country->basis);
      else
        subtitle = g_strdup (status);

      add_row (self->countries_group, self->country_rows,
               merkki_country_get_name (country->country), subtitle,
               country->recognised ? "emblem-ok-symbolic" : "action-unavailable-symbolic",
               country->recognised ? "success" : "dim-label");
    }

  gtk_widget_set_visible (GTK_WIDGET (self->countries_group), n > 0);
}

static void
show_sources (MerkkiResultPage  *self,
              MerkkiCheckResult *result)
{
  GPtrArray *answers = merkki_check_result_get_answers (result);
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  guint n = answers != NULL ? answers->len : 0;

  clear_rows (self->sources_group, self->source_rows);

  for (guint i = 0; i < n; i++)
    {
      const MerkkiRegistryAnswer *answer = g_ptr_array_index (answers, i);
      g_autofree char *description = merkki_registry_answer_describe (answer, now);
      g_auto(GStrv) lines = g_strsplit (description, "\n", 2);
      const char *icon = "network-server-symbolic";
      g_autofree char *subtitle = NULL;

      if (answer->outcome == MERKKI_OUTCOME_ERROR)
        icon = "network-error-symbolic";
      else if (answer->source != MERKKI_SOURCE_ONLINE)
        icon = "document-save-symbolic";

      /* "CSA registry, just now" as the title; what answered instead of
       * an unreachable registry, and demo data, below it. */
      if (answer->demo)
        subtitle = g_strjoin ("\n", lines[1] != NULL ? lines[1] : _("Offline copy"),
                              _("Demo data bundled with Merkki, not a real registry entry"), NULL);
      else
        subtitle = g_strdup (lines[1]);

      /* An answer from an offline copy older than the limit in
       * Preferences: the verdict stands on old data and must say so. */
      if (answer->is_issuer && answer->stale)
        {
          g_autofree char *staleness = merkki_check_result_describe_staleness (result);
          g_autofree char *with_staleness = subtitle != NULL ? g_strjoin ("\n", subtitle, staleness, NULL)
                                                             : g_strdup (staleness);

          g_free (subtitle);
          subtitle = g_steal_pointer (&with_staleness);
          icon = "dialog-warning-symbolic";
        }

      add_row (self->sources_group, self->source_rows, lines[0], subtitle, icon,
               answer->outcome == MERKKI_OUTCOME_ERROR || answer->stale ? "warning" : "dim-label");
    }

  gtk_widget_set_visible (GTK_WIDGET (self->sources_group), n > 0);
}

/* The entry of explanation_languages the app's messages are in: the first
 * of the user's languages that Merkki speaks, else English. */
static guint
default_language_index (void)
{
  const char * const *names = g_get_language_names ();

  for (guint i = 0; names[i] != NULL; i++)
    for (guint j = 0; j < G_N_ELEMENTS (explanation_languages); j++)
      if (g_str_equal (names[i], explanation_languages[j].code))
        return j;

  return 0;
}

/* Shows @text in the language with @code, telling Pango the language so
 * that Han characters are drawn in their Simplified Chinese forms. */
static void
set_explanation (MerkkiResultPage *self,
                 const char       *text,
                 const char       *code)
{
  g_autoptr(PangoAttrList) attributes = pango_attr_list_new ();
  g_autofree char *tag = g_strdelimit (g_strdup (code), "_", '-');

  pango_attr_list_insert (attributes, pango_attr_language_new (pango_language_from_string (tag)));
  gtk_label_set_attributes (self->explanation_label, attributes);
  gtk_label_set_label (self->explanation_label, text);
}

static void
on_language_dropdown_selected_cb (MerkkiResultPage *self)
{
  guint selected = gtk_drop_down_get_selected (self->language_dropdown);
  g_autofree char *text = NULL;

  if (self->result == NULL || selected >= G_N_ELEMENTS (explanation_languages))
    return;

  if (selected == default_language_index ())
    text = g_strdup (merkki_check_result_get_explanation (self->result));
  else
    text = merkki_explanation_for_verdict_in (explanation_languages[selected].code,
                                              merkki_check_result_get_verdict (self->result),
                                              merkki_check_result_get_record (self->result));

  if (text != NULL && text[0] != '\0')
    set_explanation (self, text, explanation_languages[selected].code);
}

void
merkki_result_page_set_result (MerkkiResultPage  *self,
                               MerkkiCheckResult *result)
{
  MerkkiLabelRef *ref;
  MerkkiVerdict verdict;
  const MerkkiRecord *record;
  const char *explanation;
  const char *reason;
  gboolean show_payload;

  g_return_if_fail (MERKKI_IS_RESULT_PAGE (self));
  g_return_if_fail (MERKKI_IS_CHECK_RESULT (result));

  g_set_object (&self->result, result);
  /* Each check starts without a note. */
  gtk_editable_set_text (GTK_EDITABLE (self->note_row), "");
  g_clear_pointer (&self->applied_note, g_free);

  ref = merkki_check_result_get_reference (result);
  verdict = merkki_check_result_get_verdict (result);
  record = merkki_check_result_get_record (result);
  explanation = merkki_check_result_get_explanation (result);
  reason = merkki_label_ref_get_reason (ref);

  /* The verdict: words and an icon; the colour only repeats them. */
  if (self->style_class != NULL)
    gtk_widget_remove_css_class (self->verdict_box, self->style_class);
  self->style_class = merkki_format_verdict_style (verdict);
  gtk_widget_add_css_class (self->verdict_box, self->style_class);
  gtk_image_set_from_icon_name (self->verdict_icon, merkki_format_verdict_icon (verdict));
  gtk_label_set_label (self->verdict_title, merkki_verdict_get_title (verdict));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->verdict_title),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, explanation != NULL ? explanation : "",
                                  -1);

  if (merkki_label_ref_get_kind (ref) == MERKKI_LABEL_KIND_REFERENCE)
    gtk_label_set_label (self->verdict_reference, merkki_label_ref_get_id (ref));
  else
    gtk_label_set_label (self->verdict_reference, "");
  gtk_widget_set_visible (GTK_WIDGET (self->verdict_reference),
                          merkki_label_ref_get_kind (ref) == MERKKI_LABEL_KIND_REFERENCE);

  gtk_widget_set_visible (GTK_WIDGET (self->demo_label), merkki_check_result_is_demo (result));

  /* Each result starts in the app's language; the chooser offers the
   * others only for an explanation Merkki can write again in them. */
  gtk_widget_set_visible (self->language_box, explanation != NULL && explanation[0] != '\0');
  g_signal_handlers_block_by_func (self->language_dropdown, on_language_dropdown_selected_cb, self);
  gtk_drop_down_set_selected (self->language_dropdown, default_language_index ());
  g_signal_handlers_unblock_by_func (self->language_dropdown, on_language_dropdown_selected_cb, self);

  if (explanation == NULL || explanation[0] == '\0')
    explanation = reason;
  set_explanation (self, explanation != NULL ? explanation : "",
                   explanation_languages[default_language_index ()].code);
  gtk_widget_set_visible (GTK_WIDGET (self->explanation_label), explanation != NULL && explanation[0] != '\0');

  show_product (self, verdict, ref, record);
  show_countries (self, result);

  /* Anything that is not a label reference is shown as escaped text. */
  show_payload = merkki_label_ref_get_kind (ref) != MERKKI_LABEL_KIND_REFERENCE;
  gtk_label_set_label (self->payload_label, show_payload ? merkki_label_ref_get_display_text (ref) : "");
  if (show_payload && reason != NULL)
    adw_preferences_group_set_description (self->payload_group, reason);
  else
    adw_preferences_group_set_description (self->payload_group, _("Shown as text only. Merkki never opens it."));
  gtk_widget_set_visible (GTK_WIDGET (self->payload_group), show_payload);

  show_sources (self, result);

  gtk_adjustment_set_value (gtk_scrolled_window_get_vadjustment (self->scrolled_window), 0);
}

MerkkiCheckResult *
merkki_result_page_get_result (MerkkiResultPage *self)
{
  g_return_val_if_fail (MERKKI_IS_RESULT_PAGE (self), NULL);
  return self->result;
}

void
merkki_result_page_focus_verdict (MerkkiResultPage *self)
{
  g_return_if_fail (MERKKI_IS_RESULT_PAGE (self));

  /* Focus is what a screen reader follows: the verdict is read out (with
   * the explanation as its description) as soon as it appears. */
  gtk_widget_grab_focus (GTK_WIDGET (self->verdict_title));
  /* A label only takes the focus when selectable; do not leave its text
   * highlighted. */
  gtk_label_select_region (self->verdict_title, 0, 0);
}

void
merkki_result_page_set_note_visible (MerkkiResultPage *self,
                                     gboolean          visible)
{
  g_return_if_fail (MERKKI_IS_RESULT_PAGE (self));

  gtk_widget_set_visible (self->note_group, visible);
}

void
merkki_result_page_apply_note (MerkkiResultPage *self)
{
  const char *note;

  g_return_if_fail (MERKKI_IS_RESULT_PAGE (self));

  note = gtk_editable_get_text (GTK_EDITABLE (self->note_row));
  if (!gtk_widget_get_visible (self->note_group) || g_strcmp0 (note, self->applied_note) == 0)
    return;
  g_free (self->applied_note);
  self->applied_note = g_strdup (note);
  g_signal_emit (self, signals[NOTE_APPLIED], 0, note);
}

static void
on_note_row_apply_cb (MerkkiResultPage *self)
{
  merkki_result_page_apply_note (self);
}

static void
scan_another_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  merkki_result_page_apply_note (MERKKI_RESULT_PAGE (widget));
  g_signal_emit (widget, signals[SCAN_ANOTHER], 0);
}

static void
merkki_result_page_dispose (GObject *object)
{
  MerkkiResultPage *self = MERKKI_RESULT_PAGE (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), MERKKI_TYPE_RESULT_PAGE);
  g_clear_object (&self->result);

  G_OBJECT_CLASS (merkki_result_page_parent_class)->dispose (object);
}

static void
merkki_result_page_finalize (GObject *object)
{
  MerkkiResultPage *self = MERKKI_RESULT_PAGE (object);

  g_ptr_array_unref (self->country_rows);
  g_ptr_array_unref (self->source_rows);
  g_free (self->applied_note);

  G_OBJECT_CLASS (merkki_result_page_parent_class)->finalize (object);
}

static void
merkki_result_page_class_init (MerkkiResultPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = merkki_result_page_dispose;
  object_class->finalize = merkki_result_page_finalize;

  signals[SCAN_ANOTHER] =
    g_signal_new ("scan-another",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);
  /* The inspector's note for the check shown, applied or left behind. */
  signals[NOTE_APPLIED] =
    g_signal_new ("note-applied",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_STRING);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/merkki/Merkki/ui/merkki-result-page.ui");
  gtk_widget_class_bind_template_child (widget_class, MerkkiResultPage, scrolled_window);
  gtk_widget_class_bind_template_child (widget_class, MerkkiResultPage, verdict_box);
  gtk_widget_class_bind_template_child (widget_class, MerkkiResultPage, verdict_icon);
  gtk_widget_class_bind_template_child (widget_class, MerkkiResultPage, verdict_title);
  gtk_widget_class_bind_template_child (widget_class, MerkkiResultPage, verdict_reference);
  gtk_widget_class_bind_template_child (widget_class, MerkkiResultPage, demo_label);
  gtk_widget_class_bind_template_child (widget_class, MerkkiResultPage, language_box);
  gtk_widget_class_bind_template_child (widget_class, MerkkiResultPage, language_dropdown);
  gtk_widget_class_bind_template_child (widget_class, MerkkiResultPage, explanation_label);
  gtk_widget_class_bind_template_callback (widget_class, on_language_dropdown_selected_cb);
  gtk_widget_class_bind_template_child (widget_class, MerkkiResultPage, product_group);
  gtk_widget_class_bind_template_child (widget_class, MerkkiResultPage, product_row);
  gtk_widget_class_bind_template_child (widget_class, MerkkiResultPage, level_row);
  gtk_widget_class_bind_template_child (widget_class, MerkkiResultPage, stars_label);
  gtk_widget_class_bind_template_child (widget_class, MerkkiResultPage, validity_row);
  gtk_widget_class_bind_template_child (widget_class, MerkkiResultPage, countries_group);
  gtk_widget_class_bind_template_child (widget_class, MerkkiResultPage, payload_group);
  gtk_widget_class_bind_template_child (widget_class, MerkkiResultPage, payload_label);
  gtk_widget_class_bind_template_child (widget_class, MerkkiResultPage, sources_group);
  gtk_widget_class_bind_template_child (widget_class, MerkkiResultPage, note_group);
  gtk_widget_class_bind_template_child (widget_class, MerkkiResultPage, note_row);
  gtk_widget_class_bind_template_callback (widget_class, on_note_row_apply_cb);

  gtk_widget_class_install_action (widget_class, "page.scan-another", NULL, scan_another_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Return, 0, "page.scan-another", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Enter, 0, "page.scan-another", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "page.scan-another", NULL);
}

static void
merkki_result_page_init (MerkkiResultPage *self)
{
  g_autoptr(GtkStringList) languages = gtk_string_list_new (NULL);

  gtk_widget_init_template (GTK_WIDGET (self));

  for (guint i = 0; i < G_N_ELEMENTS (explanation_languages); i++)
    gtk_string_list_append (languages, explanation_languages[i].name);
  gtk_drop_down_set_model (self->language_dropdown, G_LIST_MODEL (languages));

  self->country_rows = g_ptr_array_new ();
  self->source_rows = g_ptr_array_new ();
}

void
merkki_result_page_set_large (MerkkiResultPage *self,
                              gboolean          large)
{
  g_return_if_fail (MERKKI_IS_RESULT_PAGE (self));

  gtk_image_set_pixel_size (self->verdict_icon, large ? 192 : 72);
  if (large)
    gtk_widget_add_css_class (GTK_WIDGET (self), "large");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self), "large");
}
