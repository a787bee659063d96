/**
 * SECTION:gstlivekittoken
 * @title: Access tokens
 * @short_description: mint LiveKit join tokens (HS256 JWT)
 *
 * A LiveKit server accepts only HS256 tokens whose `iss` is an API key it
 * knows and whose `video` grant has `roomJoin` and a `room` (spec
 * livekit-signalling.md §1.3). Minting one is a few lines of HMAC, so test
 * tools and self-hosted setups need no LiveKit server SDK.
 *
 * The API secret is a credential: it is never logged, and the signing key
 * buffer is wiped after use.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "token.h"

#include <string.h>
#include <json-glib/json-glib.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

gchar *
gst_livekit_base64url_encode (const guint8 * data, gsize len)
{
  gchar *s = g_base64_encode (data, len);
  gsize n = strlen (s);

  for (gsize i = 0; i < n; i++) {
    if (s[i] == '+')
      s[i] = '-';
    else if (s[i] == '/')
      s[i] = '_';
  }
  while (n > 0 && s[n - 1] == '=')
    s[--n] = '\0';
  return s;
}

static gchar *
encode_json_segment (JsonBuilder * builder)
{
  JsonNode *root = json_builder_get_root (builder);
  gchar *json = json_to_string (root, FALSE);
  gchar *seg = gst_livekit_base64url_encode ((const guint8 *) json,
      strlen (json));

  json_node_unref (root);
  g_free (json);
  return seg;
}

static gchar *
build_payload (const gchar * api_key, const gchar * identity,
    const gchar * name, const gchar * room, guint ttl_seconds,
    gboolean can_publish, gboolean can_subscribe, gboolean can_publish_data,
    gboolean hidden, gint64 now)
{
  JsonBuilder *b = json_builder_new ();
  gchar *seg;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "iss");
  json_builder_add_string_value (b, api_key);
  json_builder_set_member_name (b, "sub");
  json_builder_add_string_value (b, identity);
  /* The server allows 60 s of clock skew on nbf/exp. */
  json_builder_set_member_name (b, "nbf");
  json_builder_add_int_value (b, now);
  json_builder_set_member_name (b, "iat");
  json_builder_add_int_value (b, now);
  /* exp is mandatory in newer servers (protocol commit 5a20e57). */
  json_builder_set_member_name (b, "exp");
  json_builder_add_int_value (b, now + (ttl_seconds ? ttl_seconds :
          GST_LIVEKIT_ACCESS_TOKEN_DEFAULT_TTL));
  if (name) {
    json_builder_set_member_name (b, "name");
    json_builder_add_string_value (b, name);
  }
  json_builder_set_member_name (b, "video");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "roomJoin");
  json_builder_add_boolean_value (b, TRUE);
  json_builder_set_member_name (b, "room");
  json_builder_add_string_value (b, room);
  /* Always explicit: absent means "allowed" to the server. */
  json_builder_set_member_name (b, "canPublish");
  json_builder_add_boolean_value (b, can_publish);
  json_builder_set_member_name (b, "canSubscribe");
  json_builder_add_boolean_value (b, can_subscribe);
  json_builder_set_member_name (b, "canPublishData");
  json_builder_add_boolean_value (b, can_publish_data);
  if (hidden) {
    /* Not listed to other participants; "recorder" tells the server why. */
    json_builder_set_member_name (b, "hidden");
    json_builder_add_boolean_value (b, TRUE);
    json_builder_set_member_name (b, "recorder");
    json_builder_add_boolean_value (b, TRUE);
  }
  json_builder_end_object (b);
  json_builder_end_object (b);

  seg = encode_json_segment (b);
  g_object_unref (b);
  return seg;
}

/**
 * gst_livekit_access_token_new_at:
 * @now: Unix time in seconds used for `nbf`, `iat` and `exp`
 *
 * Like gst_livekit_access_token_new() at a fixed time.
 *
 * Returns: (transfer full) (nullable): the token, or %NULL if HMAC failed
 */
static gchar *
sign_token (const gchar * api_key, const gchar * api_secret,
    const gchar * identity, const gchar * name, const gchar * room,
    guint ttl_seconds, gboolean can_publish, gboolean can_subscribe,
    gboolean can_publish_data, gboolean hidden, gint64 now)
{
  /* Key order and spacing are fixed, so equal inputs give equal tokens. */
  static const gchar header_json[] = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";
  guint8 mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  gchar *header, *payload, *signing_input, *sig, *token;

  g_return_val_if_fail (api_key != NULL, NULL);
  g_return_val_if_fail (api_secret != NULL, NULL);
  g_return_val_if_fail (identity != NULL, NULL);
  g_return_val_if_fail (room != NULL, NULL);

  header = gst_livekit_base64url_encode ((const guint8 *) header_json,
      strlen (header_json));
  payload = build_payload (api_key, identity, name, room, ttl_seconds,
      can_publish, can_subscribe, can_publish_data, hidden, now);
  signing_input = g_strconcat (header, ".", payload, NULL);
  g_free (header);
  g_free (payload);

  if (!HMAC (EVP_sha256 (), api_secret, (int) strlen (api_secret),
          (const guint8 *) signing_input, strlen (signing_input), mac,
          &mac_len)) {
    g_free (signing_input);
    return NULL;
  }
  sig = gst_livekit_base64url_encode (mac, mac_len);
  OPENSSL_cleanse (mac, sizeof (mac));
  token = g_strconcat (signing_input, ".", sig, NULL);
  g_free (signing_input);
  g_free (sig);
  return token;
}

gchar *
gst_livekit_access_token_new_at (const gchar * api_key,
    const gchar * api_secret, const gchar * identity, const gchar * name,
    const gchar * room, guint ttl_seconds, gboolean can_publish,
    gboolean can_subscribe, gboolean can_publish_data, gint64 now)
{
  return sign_token (api_key, api_secret, identity, name, room, ttl_seconds,
      can_publish, can_subscribe, can_publish_data, FALSE, now);
}

/**
 * gst_livekit_access_token_new_hidden_subscriber:
 *
 * A token for a participant that only subscribes and that the server lists
 * to nobody (grants `hidden` and `recorder`, no publishing): a recorder.
 *
 * Returns: (transfer full) (nullable): the token, or %NULL if HMAC failed
 */
gchar *
gst_livekit_access_token_new_hidden_subscriber (const gchar * api_key,
    const gchar * api_secret, const gchar * identity, const gchar * room,
    guint ttl_seconds)
{
  return sign_token (api_key, api_secret, identity, identity, room,
      ttl_seconds, FALSE, TRUE, FALSE, TRUE,
      g_get_real_time () / G_USEC_PER_SEC);
}

/**
 * gst_livekit_access_token_new:
 * @api_key: the server's API key (becomes `iss`)
 * @api_secret: its secret (the HMAC key)
 * @identity: participant identity (`sub`); the server rejects an empty one
 * @name: (nullable): display name
 * @room: room to join (the server takes the room from the token)
 * @ttl_seconds: lifetime; 0 = %GST_LIVEKIT_ACCESS_TOKEN_DEFAULT_TTL
 * @can_publish: grant `canPublish`
 * @can_subscribe: grant `canSubscribe` (also decides whether the subscriber
 *   PeerConnection is the primary one, spec §3.1)
 * @can_publish_data: grant `canPublishData`
 *
 * Returns: (transfer full) (nullable): a signed JWT for the `access_token`
 *   query parameter
 */
gchar *
gst_livekit_access_token_new (const gchar * api_key, const gchar * api_secret,
    const gchar * identity, const gchar * name, const gchar * room,
    guint ttl_seconds, gboolean can_publish, gboolean can_subscribe,
    gboolean can_publish_data)
{
  return gst_livekit_access_token_new_at (api_key, api_secret, identity, name,
      room, ttl_seconds, can_publish, can_subscribe, can_publish_data,
      g_get_real_time () / G_USEC_PER_SEC);
}
