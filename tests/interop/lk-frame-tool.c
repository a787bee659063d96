/* lk-frame-tool: encrypts or decrypts frames with libgstlivekit, one frame
 * per line, so that tests can compare it with LiveKit's own JS e2ee worker
 * (frame-interop.test.mjs). Only libgstlivekit's public API is used.
 *
 * Usage:
 *   lk-frame-tool --mode encrypt|decrypt --codec CODEC
 *       (--key-string STR | --key-hex HEX) [--kdf pbkdf2|hkdf]
 *       [--key-index N] [--salt STR] [--window N] [--tolerance N]
 *       [--ring-size N] [--ratchets N] [--identity ID] [--ssrc N]
 *       [--sif-trailer STR] [--iv-counter N]
 *   CODEC: audio (or opus), vp8, vp9, h264, h265, av1.
 *
 * The key is set at --key-index (which becomes the current, sending index)
 * and then ratcheted --ratchets times, in the shared key ring or in the ring
 * of --identity. Encryption and decryption go through a GstLiveKitCryptor,
 * except that --iv-counter N (encrypt only) pins the IV counter: frame i is
 * then sealed by gst_livekit_frame_encrypt() with the IV
 * SSRC | timestamp | timestamp - (N + i), which the cryptor (CSPRNG-seeded
 * counter) cannot reproduce, using the AES key derived from the exported
 * key material. Options not given keep the keyring's defaults (ratchet
 * window 16, failure tolerance -1, ring size 16, LiveKit's salt, PBKDF2).
 * A frame that needs ratchet steps is held while the keyring derives them
 * (as livekitdecrypt holds it), at most 20 s, so results do not depend on
 * timing.
 *
 * stdin, one line each:
 *   HEX [key|delta] [RTP-TIMESTAMP]   a frame ("-" is an empty frame); the
 *                                     type defaults to delta, the timestamp
 *                                     to 0
 *   !ratchet [INDEX]                  ratchet INDEX (default: the current
 *                                     index) as the app would
 *   # ...                             ignored
 * stdout, one line for each input line that is not ignored:
 *   OK HEX kid=N states=S[,S]         encrypted or decrypted
 *   PASS HEX                          passed through unchanged
 *   DROP REASON kid=N states=S[,S]    dropped (REASON as GstLiveKitDropReason)
 *   RATCHETED kid=N
 * where states lists the encryption-state changes the frame caused ("-" for
 * none; always "-" with --iv-counter, which bypasses the cryptor).
 */
#include <gst/gst.h>
#include <gst/livekit/livekit.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HOLD_LIMIT_US (20 * G_USEC_PER_SEC)

typedef struct
{
  GstLiveKitKeyring *keyring;
  GstLiveKitCryptor *cryptor;
  gboolean encrypt;
  GstLiveKitCodec codec;
  const gchar *identity;

  /* --iv-counter */
  gboolean fixed_iv;
  guint32 ssrc, counter;
  GstLiveKitKeyDerivation kdf;
  const gchar *salt;
  GstLiveKitAead *aead;
} Tool;

static gboolean
parse_codec (const gchar * s, GstLiveKitCodec * codec)
{
  static const struct
  {
    const gchar *name;
    GstLiveKitCodec codec;
  } codecs[] = {
    {"audio", GST_LIVEKIT_CODEC_AUDIO}, {"opus", GST_LIVEKIT_CODEC_AUDIO},
    {"vp8", GST_LIVEKIT_CODEC_VP8}, {"vp9", GST_LIVEKIT_CODEC_VP9},
    {"h264", GST_LIVEKIT_CODEC_H264}, {"h265", GST_LIVEKIT_CODEC_H265},
    {"av1", GST_LIVEKIT_CODEC_AV1},
  };

  for (guint i = 0; s && i < G_N_ELEMENTS (codecs); i++) {
    if (strcmp (s, codecs[i].name) == 0) {
      *codec = codecs[i].codec;
      return TRUE;
    }
  }
  return FALSE;
}

static void
print_hex (const guint8 * data, gsize len)
{
  if (len == 0)
    fputc ('-', stdout);
  for (gsize i = 0; i < len; i++)
    printf ("%02x", data[i]);
}

static void
print_result (const GstLiveKitCryptResult * r, const guint8 * out,
    gsize out_len)
{
  switch (r->outcome) {
    case GST_LIVEKIT_FRAME_OUTCOME_ENCRYPTED:
    case GST_LIVEKIT_FRAME_OUTCOME_DECRYPTED:
      fputs ("OK ", stdout);
      print_hex (out, out_len);
      break;
    case GST_LIVEKIT_FRAME_OUTCOME_PASSTHROUGH:
      fputs ("PASS ", stdout);
      print_hex (out, out_len);
      fputc ('\n', stdout);
      return;
    case GST_LIVEKIT_FRAME_OUTCOME_DROPPED:
    case GST_LIVEKIT_FRAME_OUTCOME_HELD:       /* never: the tool waits */
      printf ("DROP %s", gst_livekit_drop_reason_to_string (r->reason));
      break;
  }
  printf (" kid=%u states=", r->key_index);
  if (r->n_states == 0)
    fputc ('-', stdout);
  for (guint i = 0; i < r->n_states; i++)
    printf ("%s%s", i ? "," : "",
        gst_livekit_encryption_state_to_string (r->states[i]));
  fputc ('\n', stdout);
}

/* The AES key of the current slot, derived from its exported material. */
static gboolean
update_fixed_iv_key (Tool * t)
{
  guint index = gst_livekit_keyring_get_current_key_index (t->keyring,
      t->identity);
  GBytes *material = gst_livekit_keyring_export_key (t->keyring, t->identity,
      index);
  guint8 key[GST_LIVEKIT_AES_KEY_SIZE];
  gsize len;
  const guint8 *m;
  gboolean ok;

  if (!material)
    return FALSE;
  m = g_bytes_get_data (material, &len);
  ok = gst_livekit_kdf (t->kdf, m, len, (const guint8 *) t->salt,
      strlen (t->salt), key, sizeof key);
  g_bytes_unref (material);
  g_clear_pointer (&t->aead, gst_livekit_aead_free);
  if (ok)
    t->aead = gst_livekit_aead_new (key, true);
  memset (key, 0, sizeof key);
  return t->aead != NULL;
}

static void
encrypt_fixed_iv (Tool * t, const guint8 * in, gsize len, gboolean key_frame,
    guint32 ts, guint8 * out, gsize out_cap, gsize * out_len,
    GstLiveKitCryptResult * r)
{
  guint8 iv[GST_LIVEKIT_IV_SIZE];
  GstLiveKitFrameError err;

  memset (r, 0, sizeof *r);
  r->key_index = gst_livekit_keyring_get_current_key_index (t->keyring,
      t->identity);
  *out_len = 0;
  if (len == 0) {
    r->outcome = GST_LIVEKIT_FRAME_OUTCOME_PASSTHROUGH;
    return;
  }
  gst_livekit_frame_make_iv (t->ssrc, ts, t->counter++, iv);
  err = gst_livekit_frame_encrypt (t->aead, t->codec, in, len, key_frame, iv,
      (uint8_t) r->key_index, out, out_cap, out_len);
  if (err == GST_LIVEKIT_FRAME_OK) {
    r->outcome = GST_LIVEKIT_FRAME_OUTCOME_ENCRYPTED;
  } else {
    r->outcome = GST_LIVEKIT_FRAME_OUTCOME_DROPPED;
    r->reason = GST_LIVEKIT_DROP_REASON_ENCRYPT_FAILED;
  }
}

static gboolean
process_frame (Tool * t, gchar ** tok)
{
  const gchar *hex = tok[0];
  gboolean key_frame = FALSE;
  guint32 ts = 0;
  gsize hex_len = strlen (hex), len = 0, out_len = 0;
  guint8 *in, *out;
  gsize out_cap;
  GstLiveKitCryptResult r;

  for (guint i = 1; tok[i]; i++) {
    if (strcmp (tok[i], "key") == 0)
      key_frame = TRUE;
    else if (strcmp (tok[i], "delta") == 0)
      key_frame = FALSE;
    else
      ts = (guint32) g_ascii_strtoull (tok[i], NULL, 10);
  }

  in = g_malloc (hex_len / 2 + 1);
  if (strcmp (hex, "-") != 0
      && !gst_livekit_hex_decode (hex, in, hex_len / 2 + 1, &len)) {
    g_free (in);
    return FALSE;
  }

  if (t->encrypt) {
    out_cap = gst_livekit_frame_encrypted_size_max (len);
    out = g_malloc (out_cap);
    if (t->fixed_iv)
      encrypt_fixed_iv (t, in, len, key_frame, ts, out, out_cap, &out_len, &r);
    else
      gst_livekit_cryptor_encrypt (t->cryptor, t->codec, in, len, key_frame,
          ts, gst_livekit_keyring_get_current_key_index (t->keyring,
              t->identity), out, out_cap, &out_len, &r);
  } else {
    gint64 end = g_get_monotonic_time () + HOLD_LIMIT_US;

    out = g_malloc (len + 1);
    /* As livekitdecrypt does: a frame that waits for ratchet steps the
     * keyring derives is held, then tried again (bounded). */
    for (;;) {
      guint seen = gst_livekit_keyring_get_ratchet_progress (t->keyring);
      gboolean may_hold = g_get_monotonic_time () < end;
      gst_livekit_cryptor_decrypt_full (t->cryptor, t->codec, in, len,
          key_frame, may_hold, out, &out_len, &r);
      if (r.outcome != GST_LIVEKIT_FRAME_OUTCOME_HELD)
        break;
      gst_livekit_keyring_wait_ratchet_progress (t->keyring, seen, end);
    }
  }
  /* Empty frames pass through with nothing in @out. */
  if (r.outcome == GST_LIVEKIT_FRAME_OUTCOME_PASSTHROUGH && len == 0)
    out_len = 0;
  print_result (&r, out, out_len);
  g_free (in);
  g_free (out);
  return TRUE;
}

static gboolean
process_ratchet (Tool * t, gchar ** tok)
{
  guint index = tok[1] ? (guint) g_ascii_strtoull (tok[1], NULL, 10) :
      (guint) gst_livekit_keyring_get_current_key_index (t->keyring,
      t->identity);
  GError *err = NULL;
  GBytes *material;

  material = gst_livekit_keyring_ratchet_key (t->keyring, t->identity, index,
      &err);
  if (!material) {
    g_printerr ("ratchet failed: %s\n", err->message);
    g_clear_error (&err);
    return FALSE;
  }
  g_bytes_unref (material);
  if (t->fixed_iv && !update_fixed_iv_key (t))
    return FALSE;
  printf ("RATCHETED kid=%u\n", index % gst_livekit_keyring_get_key_ring_size
      (t->keyring));
  return TRUE;
}

static gboolean
run (Tool * t)
{
  gchar *line = NULL;
  size_t cap = 0;
  ssize_t n;
  gboolean ok = TRUE;

  while (ok && (n = getline (&line, &cap, stdin)) >= 0) {
    gchar **tok;

    g_strstrip (line);
    if (line[0] == '\0' || line[0] == '#')
      continue;
    tok = g_strsplit_set (line, " \t", -1);
    /* Collapse runs of separators. */
    for (guint i = 0, j = 0;; i++) {
      if (tok[i] && tok[i][0] == '\0') {
        g_free (tok[i]);
        continue;
      }
      tok[j++] = tok[i];
      if (!tok[i])
        break;
    }
    if (strcmp (tok[0], "!ratchet") == 0)
      ok = process_ratchet (t, tok);
    else if (!(ok = process_frame (t, tok)))
      g_printerr ("bad frame line: %s\n", line);
    g_strfreev (tok);
    fflush (stdout);
  }
  free (line);
  return ok;
}

int
main (int argc, char **argv)
{
  gchar *mode = NULL, *codec = NULL, *key_hex = NULL, *key_string = NULL;
  gchar *kdf = NULL, *salt = NULL, *identity = NULL, *sif_trailer = NULL;
  gint key_index = 0, window = -1, ring_size = 0, ratchets = 0;
  gint tolerance = G_MININT;
  gint64 ssrc = 0, iv_counter = -1;
  GOptionEntry entries[] = {
    {"mode", 0, 0, G_OPTION_ARG_STRING, &mode, "encrypt or decrypt", "MODE"},
    {"codec", 0, 0, G_OPTION_ARG_STRING, &codec,
        "audio|opus|vp8|vp9|h264|h265|av1", "CODEC"},
    {"key-hex", 0, 0, G_OPTION_ARG_STRING, &key_hex, "Key material, hex",
        "HEX"},
    /* FILENAME: the bytes as given, not converted from the locale's
     * charset; JS encodes strings as UTF-8. */
    {"key-string", 0, 0, G_OPTION_ARG_FILENAME, &key_string,
        "Key material, UTF-8 string", "STR"},
    {"kdf", 0, 0, G_OPTION_ARG_STRING, &kdf, "pbkdf2 (default) or hkdf",
        "KDF"},
    {"key-index", 0, 0, G_OPTION_ARG_INT, &key_index,
        "Key index to set the key at (default 0)", "N"},
    {"salt", 0, 0, G_OPTION_ARG_FILENAME, &salt, "Ratchet salt, UTF-8",
        "STR"},
    {"window", 0, 0, G_OPTION_ARG_INT, &window, "Ratchet window size", "N"},
    {"tolerance", 0, 0, G_OPTION_ARG_INT, &tolerance, "Failure tolerance",
        "N"},
    {"ring-size", 0, 0, G_OPTION_ARG_INT, &ring_size, "Key ring size", "N"},
    {"ratchets", 0, 0, G_OPTION_ARG_INT, &ratchets,
        "Ratchet the key N times before use", "N"},
    {"identity", 0, 0, G_OPTION_ARG_STRING, &identity,
        "Participant identity (default: the shared key ring)", "ID"},
    {"ssrc", 0, 0, G_OPTION_ARG_INT64, &ssrc,
        "SSRC written into IVs (default: random)", "N"},
    {"sif-trailer", 0, 0, G_OPTION_ARG_STRING, &sif_trailer,
        "Server-injected-frame trailer (decrypt)", "STR"},
    {"iv-counter", 0, 0, G_OPTION_ARG_INT64, &iv_counter,
        "Encrypt with this IV counter start instead of the cryptor's", "N"},
    {NULL}
  };
  GOptionContext *ctx;
  GError *err = NULL;
  Tool t = { 0 };
  guint8 *material;
  gsize material_len = 0;
  gboolean ok;

  gst_init (&argc, &argv);
  ctx = g_option_context_new ("- LiveKit E2EE frames, one per line on stdin");
  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &err)) {
    g_printerr ("%s\n", err->message);
    return 2;
  }
  g_option_context_free (ctx);

  if (g_strcmp0 (mode, "encrypt") == 0)
    t.encrypt = TRUE;
  else if (g_strcmp0 (mode, "decrypt") != 0) {
    g_printerr ("--mode must be encrypt or decrypt\n");
    return 2;
  }
  if (!parse_codec (codec, &t.codec)) {
    g_printerr ("unknown --codec\n");
    return 2;
  }
  if (!kdf || strcmp (kdf, "pbkdf2") == 0)
    t.kdf = GST_LIVEKIT_KEY_DERIVATION_PBKDF2;
  else if (strcmp (kdf, "hkdf") == 0)
    t.kdf = GST_LIVEKIT_KEY_DERIVATION_HKDF;
  else {
    g_printerr ("--kdf must be pbkdf2 or hkdf\n");
    return 2;
  }
  if (key_string) {
    material_len = strlen (key_string);
    material = (guint8 *) g_strdup (key_string);
  } else if (key_hex) {
    material = g_malloc (strlen (key_hex) / 2 + 1);
    if (!gst_livekit_hex_decode (key_hex, material, strlen (key_hex) / 2 + 1,
            &material_len)) {
      g_printerr ("bad --key-hex\n");
      return 2;
    }
  } else {
    g_printerr ("--key-string or --key-hex is required\n");
    return 2;
  }
  if (iv_counter >= 0 && !t.encrypt) {
    g_printerr ("--iv-counter only applies to encryption\n");
    return 2;
  }

  t.identity = identity;
  t.salt = salt ? salt : GST_LIVEKIT_DEFAULT_RATCHET_SALT;
  t.keyring = gst_livekit_keyring_new ();
  /* Options first: setting a key derives it with them. */
  g_object_set (t.keyring, "key-derivation", t.kdf, "ratchet-salt", t.salt,
      NULL);
  if (window >= 0)
    g_object_set (t.keyring, "ratchet-window-size", (guint) window, NULL);
  if (tolerance != G_MININT)
    g_object_set (t.keyring, "failure-tolerance", tolerance, NULL);
  if (ring_size > 0)
    g_object_set (t.keyring, "key-ring-size", (guint) ring_size, NULL);

  ok = gst_livekit_keyring_set_key (t.keyring, identity, material,
      material_len, (guint) key_index, &err);
  g_free (material);
  for (gint i = 0; ok && i < ratchets; i++) {
    GBytes *next = gst_livekit_keyring_ratchet_key (t.keyring, identity,
        (guint) key_index, &err);
    ok = next != NULL;
    if (next)
      g_bytes_unref (next);
  }
  if (!ok) {
    g_printerr ("key setup failed: %s\n", err->message);
    return 1;
  }

  t.cryptor = gst_livekit_cryptor_new (t.keyring, t.encrypt, identity);
  if (t.encrypt)
    gst_livekit_cryptor_set_ssrc (t.cryptor, (guint32) ssrc);
  if (sif_trailer)
    gst_livekit_cryptor_set_sif_trailer (t.cryptor,
        (const guint8 *) sif_trailer, strlen (sif_trailer));
  if (iv_counter >= 0) {
    t.fixed_iv = TRUE;
    t.ssrc = (guint32) ssrc;
    t.counter = (guint32) iv_counter;
    if (!update_fixed_iv_key (&t)) {
      g_printerr ("key derivation failed\n");
      return 1;
    }
  }

  ok = run (&t);

  g_clear_pointer (&t.aead, gst_livekit_aead_free);
  gst_livekit_cryptor_free (t.cryptor);
  gst_object_unref (t.keyring);
  g_free (mode);
  g_free (codec);
  g_free (key_hex);
  g_free (key_string);
  g_free (kdf);
  g_free (salt);
  g_free (identity);
  g_free (sif_trailer);
  return ok ? 0 : 1;
}
