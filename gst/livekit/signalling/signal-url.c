/* Building the /rtc and /rtc/validate URLs from whatever the user calls the
 * server: "ws://host:7880", "https://x.livekit.cloud/", ".../rtc". */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "signal-url.h"
#include "signalclient.h"

#include <string.h>

#ifndef VERSION
#define VERSION "0"
#endif

static gboolean
map_scheme (const gchar * scheme, GstLiveKitSignalUrlKind kind,
    const gchar ** out)
{
  gboolean secure;

  if (!g_ascii_strcasecmp (scheme, "ws") || !g_ascii_strcasecmp (scheme,
          "http"))
    secure = FALSE;
  else if (!g_ascii_strcasecmp (scheme, "wss")
      || !g_ascii_strcasecmp (scheme, "https"))
    secure = TRUE;
  else
    return FALSE;
  /* /rtc/validate answers plain HTTP only; /rtc needs the upgrade. */
  if (kind == GST_LIVEKIT_SIGNAL_URL_VALIDATE)
    *out = secure ? "https" : "http";
  else
    *out = secure ? "wss" : "ws";
  return TRUE;
}

/* The user's path with any trailing "/", "/rtc" or "/rtc/validate" removed,
 * so a LiveKit server mounted under a prefix keeps its prefix. */
static gchar *
base_path (const gchar * path)
{
  gchar *p = g_strdup (path ? path : "");
  gsize n;

  for (;;) {
    n = strlen (p);
    if (n > 0 && p[n - 1] == '/')
      p[n - 1] = '\0';
    else if (g_str_has_suffix (p, "/rtc/validate"))
      p[n - strlen ("/rtc/validate")] = '\0';
    else if (g_str_has_suffix (p, "/rtc"))
      p[n - strlen ("/rtc")] = '\0';
    else
      break;
  }
  return p;
}

/**
 * gst_livekit_signal_url_build:
 * @url: server URL, ws/wss/http/https
 * @token: the access token
 * @auto_subscribe: let the server subscribe us to every track
 * @kind: which endpoint
 *
 * Returns: (transfer full) (nullable): the URL with the v0 query, or %NULL
 *   with %GST_LIVEKIT_SIGNAL_ERROR_INVALID_URL
 */
gchar *
gst_livekit_signal_url_build (const gchar * url, const gchar * token,
    gboolean auto_subscribe, GstLiveKitSignalUrlKind kind, GError ** error)
{
  GUri *uri, *out;
  GError *err = NULL;
  const gchar *scheme = NULL;
  gchar *path, *full_path, *query, *escaped, *result;

  g_return_val_if_fail (token != NULL, NULL);

  uri = url ? g_uri_parse (url, G_URI_FLAGS_ENCODED, &err) : NULL;
  if (!uri) {
    g_set_error (error, GST_LIVEKIT_SIGNAL_ERROR,
        GST_LIVEKIT_SIGNAL_ERROR_INVALID_URL, "Invalid server URL '%s': %s",
        url ? url : "(null)", err ? err->message : "no URL");
    g_clear_error (&err);
    return NULL;
  }
  if (!map_scheme (g_uri_get_scheme (uri), kind, &scheme)
      || !g_uri_get_host (uri) || !g_uri_get_host (uri)[0]) {
    g_set_error (error, GST_LIVEKIT_SIGNAL_ERROR,
        GST_LIVEKIT_SIGNAL_ERROR_INVALID_URL,
        "Invalid server URL '%s': need ws://, wss://, http:// or https:// "
        "and a host", url);
    g_uri_unref (uri);
    return NULL;
  }

  path = base_path (g_uri_get_path (uri));
  escaped = g_uri_escape_string (token, NULL, FALSE);
  query = g_strdup_printf ("access_token=%s&protocol=%d&sdk=%s&version=%s"
      "&auto_subscribe=%d&adaptive_stream=0", escaped,
      GST_LIVEKIT_SIGNAL_PROTOCOL, GST_LIVEKIT_SIGNAL_SDK, VERSION,
      auto_subscribe ? 1 : 0);
  full_path = g_strconcat (path, kind == GST_LIVEKIT_SIGNAL_URL_VALIDATE ?
      "/rtc/validate" : "/rtc", NULL);
  out = g_uri_build (G_URI_FLAGS_ENCODED, scheme, NULL, g_uri_get_host (uri),
      g_uri_get_port (uri), full_path, query, NULL);
  result = g_uri_to_string (out);
  g_free (full_path);

  g_uri_unref (out);
  g_uri_unref (uri);
  g_free (path);
  g_free (escaped);
  g_free (query);
  return result;
}

/**
 * gst_livekit_signal_check_url:
 * @url: (nullable): a server URL as a user gives it
 * @error: the reason, with %GST_LIVEKIT_SIGNAL_ERROR_INVALID_URL
 *
 * Checks that @url can name a LiveKit server (ws, wss, http or https and a
 * host), without connecting: what a connect would refuse at once.
 *
 * Returns: %TRUE if it can
 */
gboolean
gst_livekit_signal_check_url (const gchar * url, GError ** error)
{
  gchar *built = gst_livekit_signal_url_build (url, "", TRUE,
      GST_LIVEKIT_SIGNAL_URL_RTC, error);

  g_free (built);
  return built != NULL;
}
