#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "keywatch.h"

#include <errno.h>
#include <gst/livekit/keyfile.h>
#include <gst/livekit/secure-memory.h>
#include <glib/gstdio.h>
#include <string.h>

typedef struct
{
  gchar *identity, *path;
  gint64 mtime;                 /* of the file last loaded; 0: none yet */
  gint64 size;
  gboolean warned;
} WatchedKey;

struct _RecKeyWatch
{
  GstLiveKitKeyring *keyring;
  gchar *key_dir;
  GHashTable *keys;             /* path -> WatchedKey */
};

static void
watched_free (gpointer p)
{
  WatchedKey *k = p;

  g_free (k->identity);
  g_free (k->path);
  g_free (k);
}

RecKeyWatch *
rec_key_watch_new (GstLiveKitKeyring * keyring, const gchar * key_dir)
{
  RecKeyWatch *w = g_new0 (RecKeyWatch, 1);

  w->keyring = gst_object_ref (keyring);
  w->key_dir = g_strdup (key_dir);
  w->keys = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, watched_free);
  return w;
}

/* 1: loaded, 0: not there (yet) or unchanged, -1: error. */
static gint
load (RecKeyWatch * w, WatchedKey * k, GError ** error)
{
  GStatBuf st;
  guint8 *key;
  gsize len;
  gboolean ok;

  if (g_stat (k->path, &st) != 0) {
    if (errno == ENOENT)
      return 0;
    g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errno),
        "cannot read the key file '%s' of %s: %s", k->path, k->identity,
        g_strerror (errno));
    return -1;
  }
  if ((gint64) st.st_mtime == k->mtime && (gint64) st.st_size == k->size)
    return 0;
  key = gst_livekit_key_file_read (k->path, &len, error);
  if (!key) {
    /* A file being written may be empty for a moment: retry later. */
    if (error && *error)
      g_prefix_error (error, "key of %s: ", k->identity);
    return -1;
  }
  ok = gst_livekit_keyring_set_key (w->keyring, k->identity, key, len, 0,
      error);
  gst_livekit_secure_free (key);
  if (!ok)
    return -1;
  k->mtime = st.st_mtime;
  k->size = st.st_size;
  return 1;
}

gboolean
rec_key_watch_add (RecKeyWatch * w, const gchar * identity,
    const gchar * path, GError ** error)
{
  WatchedKey *k = g_new0 (WatchedKey, 1);

  k->identity = g_strdup (identity);
  k->path = g_strdup (path);
  if (load (w, k, error) < 0) {
    watched_free (k);
    return FALSE;
  }
  if (k->mtime == 0)
    g_printerr ("gst-livekit-record: the key file '%s' of %s is not there "
        "yet: it is loaded when it appears\n", path, identity);
  g_hash_table_replace (w->keys, k->path, k);
  return TRUE;
}

static void
scan_dir (RecKeyWatch * w)
{
  GDir *dir = g_dir_open (w->key_dir, 0, NULL);
  const gchar *name;

  if (!dir)
    return;
  while ((name = g_dir_read_name (dir))) {
    gchar *path;

    if (!g_str_has_suffix (name, ".key") || name[0] == '.')
      continue;
    path = g_build_filename (w->key_dir, name, NULL);
    if (!g_hash_table_contains (w->keys, path)) {
      WatchedKey *k = g_new0 (WatchedKey, 1);
      k->identity = g_strndup (name, strlen (name) - 4);
      k->path = path;
      g_hash_table_replace (w->keys, k->path, k);
    } else {
      g_free (path);
    }
  }
  g_dir_close (dir);
}

void
rec_key_watch_poll (RecKeyWatch * w)
{
  GHashTableIter iter;
  gpointer value;

  if (w->key_dir)
    scan_dir (w);
  g_hash_table_iter_init (&iter, w->keys);
  while (g_hash_table_iter_next (&iter, NULL, &value)) {
    WatchedKey *k = value;
    GError *err = NULL;
    gint r = load (w, k, &err);

    if (r > 0) {
      g_printerr ("gst-livekit-record: loaded the key of %s from '%s'\n",
          k->identity, k->path);
      k->warned = FALSE;
    } else if (r < 0 && !k->warned) {
      g_printerr ("gst-livekit-record: %s (retrying)\n", err->message);
      k->warned = TRUE;
    }
    g_clear_error (&err);
  }
}

void
rec_key_watch_free (RecKeyWatch * w)
{
  if (!w)
    return;
  gst_object_unref (w->keyring);
  g_free (w->key_dir);
  g_hash_table_unref (w->keys);
  g_free (w);
}
