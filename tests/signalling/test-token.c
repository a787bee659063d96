/* Access tokens (spec livekit-signalling.md §1.3): base64url, HS256 checked
 * with GLib's own HMAC (not the OpenSSL code under test), claims, and a
 * known-answer token computed with Python's hmac/json modules. */
#include <gst/check/gstcheck.h>
#include <gst/livekit/signalling/token.h>
#include <json-glib/json-glib.h>

#include <string.h>

static guint8 *
b64url_decode (const gchar * s, gsize * len)
{
  GString *std = g_string_new (s);

  g_string_replace (std, "-", "+", 0);
  g_string_replace (std, "_", "/", 0);
  while (std->len % 4)
    g_string_append_c (std, '=');
  guint8 *out = g_base64_decode (std->str, len);
  g_string_free (std, TRUE);
  return out;
}

static JsonObject *
decode_segment (const gchar * seg, JsonParser ** parser_out)
{
  gsize len;
  guint8 *raw = b64url_decode (seg, &len);
  JsonParser *parser = json_parser_new ();

  fail_unless (json_parser_load_from_data (parser, (gchar *) raw, len, NULL));
  g_free (raw);
  fail_unless (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));
  *parser_out = parser;
  return json_node_get_object (json_parser_get_root (parser));
}

/* HS256 with GLib's GHmac, base64url without padding. */
static gchar *
glib_signature (const gchar * secret, const gchar * signing_input)
{
  GHmac *hmac = g_hmac_new (G_CHECKSUM_SHA256, (const guchar *) secret,
      strlen (secret));
  guint8 digest[32];
  gsize n = sizeof (digest);
  gchar *b64, *p;

  g_hmac_update (hmac, (const guchar *) signing_input, -1);
  g_hmac_get_digest (hmac, digest, &n);
  g_hmac_unref (hmac);
  fail_unless_equals_int (n, 32);
  b64 = g_base64_encode (digest, n);
  for (p = b64; *p; p++)
    *p = *p == '+' ? '-' : *p == '/' ? '_' : *p;
  while (p > b64 && p[-1] == '=')
    *--p = '\0';
  return b64;
}

GST_START_TEST (test_base64url)
{
  /* RFC 4648 §10 vectors, without padding, plus the two URL-safe chars. */
  static const struct
  {
    const gchar *in;
    const gchar *out;
  } v[] = {
    {"", ""}, {"f", "Zg"}, {"fo", "Zm8"}, {"foo", "Zm9v"}, {"foob", "Zm9vYg"},
    {"fooba", "Zm9vYmE"}, {"foobar", "Zm9vYmFy"}, {"\xfb\xff", "-_8"},
    {"\xfb\xef\xbe", "----"}, {"\xff\xff\xff", "____"},
  };

  for (guint i = 0; i < G_N_ELEMENTS (v); i++) {
    gchar *s = gst_livekit_base64url_encode ((const guint8 *) v[i].in,
        strlen (v[i].in));
    fail_unless_equals_string (s, v[i].out);
    g_free (s);
  }
}

GST_END_TEST;

GST_START_TEST (test_known_answer)
{
  /* Python 3: json.dumps(..., separators=(',',':')), hmac.new(b"secret",
   * ..., hashlib.sha256), base64.urlsafe_b64encode(...).rstrip(b'=') */
  static const gchar expected[] =
      "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
      "eyJpc3MiOiJkZXZrZXkiLCJzdWIiOiJhbGljZSIsIm5iZiI6MTcwMDAwMDAwMCwiaWF0"
      "IjoxNzAwMDAwMDAwLCJleHAiOjE3MDAwMDM2MDAsIm5hbWUiOiJBbGljZSIsInZpZGVv"
      "Ijp7InJvb21Kb2luIjp0cnVlLCJyb29tIjoidGVzdCIsImNhblB1Ymxpc2giOnRydWUs"
      "ImNhblN1YnNjcmliZSI6ZmFsc2UsImNhblB1Ymxpc2hEYXRhIjp0cnVlfX0."
      "XVqZuxLqFQnZjYTnEyO5zGuMtndT9qov1X0Y1tAR6js";
  gchar *token = gst_livekit_access_token_new_at ("devkey", "secret", "alice",
      "Alice", "test", 3600, TRUE, FALSE, TRUE, 1700000000);

  fail_unless_equals_string (token, expected);
  g_free (token);
}

GST_END_TEST;

GST_START_TEST (test_signature_and_claims)
{
  const gchar *secret = "a-secret-of-more-than-32-characters-0123";
  gint64 before = g_get_real_time () / G_USEC_PER_SEC;
  gchar *token = gst_livekit_access_token_new ("APIkey", secret, "bob \"x\"",
      NULL, "room/1", 0, FALSE, TRUE, FALSE);
  gchar **parts = g_strsplit (token, ".", -1);
  gchar *signing_input, *sig;
  JsonParser *hp, *pp;
  JsonObject *header, *payload, *video;

  fail_unless_equals_int (g_strv_length (parts), 3);
  for (guint i = 0; i < 3; i++)
    fail_if (strpbrk (parts[i], "+/="), "segment %u is not base64url", i);

  signing_input = g_strconcat (parts[0], ".", parts[1], NULL);
  sig = glib_signature (secret, signing_input);
  fail_unless_equals_string (parts[2], sig);
  g_free (sig);
  sig = glib_signature ("another secret", signing_input);
  fail_if (g_str_equal (parts[2], sig));
  g_free (sig);

  header = decode_segment (parts[0], &hp);
  fail_unless_equals_string (json_object_get_string_member (header, "alg"),
      "HS256");
  fail_unless_equals_string (json_object_get_string_member (header, "typ"),
      "JWT");

  payload = decode_segment (parts[1], &pp);
  fail_unless_equals_string (json_object_get_string_member (payload, "iss"),
      "APIkey");
  fail_unless_equals_string (json_object_get_string_member (payload, "sub"),
      "bob \"x\"");
  fail_if (json_object_has_member (payload, "name"));
  gint64 nbf = json_object_get_int_member (payload, "nbf");
  gint64 iat = json_object_get_int_member (payload, "iat");
  gint64 exp = json_object_get_int_member (payload, "exp");
  fail_unless (nbf >= before && nbf <= before + 5);
  fail_unless_equals_int64 (iat, nbf);
  fail_unless_equals_int64 (exp - nbf, GST_LIVEKIT_ACCESS_TOKEN_DEFAULT_TTL);

  video = json_object_get_object_member (payload, "video");
  fail_unless (video != NULL);
  fail_unless (json_object_get_boolean_member (video, "roomJoin"));
  fail_unless_equals_string (json_object_get_string_member (video, "room"),
      "room/1");
  /* Explicit false: an absent grant means "allowed" to the server. */
  fail_unless (json_object_has_member (video, "canPublish"));
  fail_if (json_object_get_boolean_member (video, "canPublish"));
  fail_unless (json_object_get_boolean_member (video, "canSubscribe"));
  fail_unless (json_object_has_member (video, "canPublishData"));
  fail_if (json_object_get_boolean_member (video, "canPublishData"));

  g_object_unref (hp);
  g_object_unref (pp);
  g_free (signing_input);
  g_strfreev (parts);
  g_free (token);
}

GST_END_TEST;

GST_START_TEST (test_ttl)
{
  gchar *token = gst_livekit_access_token_new_at ("k", "s", "id", "n", "r",
      60, TRUE, TRUE, TRUE, 1000);
  gchar **parts = g_strsplit (token, ".", -1);
  JsonParser *pp;
  JsonObject *payload = decode_segment (parts[1], &pp);

  fail_unless_equals_int64 (json_object_get_int_member (payload, "nbf"), 1000);
  fail_unless_equals_int64 (json_object_get_int_member (payload, "exp"), 1060);
  fail_unless_equals_string (json_object_get_string_member (payload, "name"),
      "n");
  g_object_unref (pp);
  g_strfreev (parts);
  g_free (token);
}

GST_END_TEST;

static Suite *
token_suite (void)
{
  Suite *s = suite_create ("livekit-token");
  TCase *tc = tcase_create ("token");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_base64url);
  tcase_add_test (tc, test_known_answer);
  tcase_add_test (tc, test_signature_and_claims);
  tcase_add_test (tc, test_ttl);
  return s;
}

GST_CHECK_MAIN (token);
