/* pf-application.c
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-application"

#include "config.h"

#include <glib/gi18n.h>

#include "pf-application.h"
#include "pf-window.h"

struct _PfApplication
{
  AdwApplication  parent_instance;

  /* Owned */
  GSettings      *settings;
};

G_DEFINE_FINAL_TYPE (PfApplication, pf_application, ADW_TYPE_APPLICATION)

/**
 * pf_application_new:
 * @application_id: the application id
 * @flags: #GApplicationFlags
 *
 * Returns: (transfer full): the application; one instance per session
 *   (GApplication's single-instance rule: a second start activates the
 *   first).
 */
PfApplication *
pf_application_new (const char        *application_id,
                    GApplicationFlags  flags)
{
  g_return_val_if_fail (application_id != NULL, NULL);

  return g_object_new (PF_TYPE_APPLICATION,
                       "application-id", application_id,
                       "flags", flags,
                       "resource-base-path", RESOURCE_BASE_PATH,
                       NULL);
}

/**
 * pf_application_get_settings:
 *
 * Returns: (transfer none): the application's UI preferences
 */
GSettings *
pf_application_get_settings (PfApplication *self)
{
  g_return_val_if_fail (PF_IS_APPLICATION (self), NULL);

  return self->settings;
}

static PfWindow *
get_or_create_window (PfApplication *self)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));

  if (window == NULL)
    window = GTK_WINDOW (pf_window_new (GTK_APPLICATION (self), self->settings));

  return PF_WINDOW (window);
}

static void
pf_application_activate (GApplication *app)
{
  PfApplication *self = PF_APPLICATION (app);

  gtk_window_present (GTK_WINDOW (get_or_create_window (self)));
}

static void
pf_application_open (GApplication  *app,
                     GFile        **files,
                     int            n_files,
                     const char    *hint)
{
  PfApplication *self = PF_APPLICATION (app);

  /* mailto: links arrive here, registered by the .desktop file. Until mail
   * can be composed they bring the window to the front. */
  for (int i = 0; i < n_files; i++)
    {
      g_autofree char *uri = g_file_get_uri (files[i]);

      g_debug ("Asked to open %s", uri);
    }

  gtk_window_present (GTK_WINDOW (get_or_create_window (self)));
}

static void
pf_application_startup (GApplication *app)
{
  PfApplication *self = PF_APPLICATION (app);

  G_APPLICATION_CLASS (pf_application_parent_class)->startup (app);

  g_set_application_name (_("Postfach"));
  gtk_window_set_default_icon_name (APPLICATION_ID);

  /* One schema for release and development builds alike. */
  self->settings = g_settings_new ("org.postfach.Postfach");
  _pf_application_actions_init (self);
}

static void
pf_application_dispose (GObject *object)
{
  PfApplication *self = PF_APPLICATION (object);

  g_clear_object (&self->settings);

  G_OBJECT_CLASS (pf_application_parent_class)->dispose (object);
}

static void
pf_application_class_init (PfApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->dispose = pf_application_dispose;

  app_class->startup = pf_application_startup;
  app_class->activate = pf_application_activate;
  app_class->open = pf_application_open;
}

static void
pf_application_init (PfApplication *self)
{
}
