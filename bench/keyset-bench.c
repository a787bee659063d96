/* What a key set costs: CPU time (every thread of the process: the caller's
 * KDF and the keyring's background worker) and the number of KDF runs, for
 * the cases of issue 8, each as a ratio against the same case with HKDF
 * and ratchet window 0 (one cheap KDF per key, nothing in the background).
 *
 *   keyset-bench [--rounds N]
 *
 * Cases:
 *   set-key       one key set on a keyring, until its background work is done
 *   encrypt-only  a livekitencrypt with shared-key, 50 frames 33 ms apart
 *                 played in real time (1.65 s), to EOS
 *   enc-dec       livekitencrypt ! livekitdecrypt, both with shared-key,
 *                 the same frames (the plain pipeline)
 *   room-20       one keyring, 20 per-participant keys (a room join)
 *
 * KDF runs are counted by interposing OpenSSL's PKCS5_PBKDF2_HMAC and
 * EVP_KDF_derive (HKDF), so the same binary measures any build of the
 * library: run it with LD_LIBRARY_PATH / GST_PLUGIN_PATH of another build
 * for before/after numbers (bench/keyset.sh does). One JSON line per case;
 * CPU is the median of the rounds.
 */
#define _GNU_SOURCE
#include <gst/gst.h>
#include <gst/livekit/livekit.h>

#include <dlfcn.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static gint pbkdf2_runs, hkdf_runs;

int
PKCS5_PBKDF2_HMAC (const char *pass, int passlen, const unsigned char *salt,
    int saltlen, int iter, const EVP_MD * digest, int keylen,
    unsigned char *out)
{
  static int (*real) (const char *, int, const unsigned char *, int, int,
      const EVP_MD *, int, unsigned char *);

  if (!real)
    real = dlsym (RTLD_NEXT, "PKCS5_PBKDF2_HMAC");
  g_atomic_int_inc (&pbkdf2_runs);
  return real (pass, passlen, salt, saltlen, iter, digest, keylen, out);
}

int
EVP_KDF_derive (EVP_KDF_CTX * ctx, unsigned char *key, size_t keylen,
    const OSSL_PARAM params[])
{
  static int (*real) (EVP_KDF_CTX *, unsigned char *, size_t,
      const OSSL_PARAM *);

  if (!real)
    real = dlsym (RTLD_NEXT, "EVP_KDF_derive");
  g_atomic_int_inc (&hkdf_runs);
  return real (ctx, key, keylen, params);
}

static gdouble
process_cpu_ms (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

typedef void (*CaseFunc) (GstLiveKitKeyDerivation kdf, guint window);

static const gchar *
kdf_name (GstLiveKitKeyDerivation kdf)
{
  return kdf == GST_LIVEKIT_KEY_DERIVATION_PBKDF2 ? "pbkdf2" : "hkdf";
}

static void
case_set_key (GstLiveKitKeyDerivation kdf, guint window)
{
  GstLiveKitKeyring *kr = gst_livekit_keyring_new ();

  g_object_set (kr, "key-derivation", kdf, "ratchet-window-size", window, NULL);
  gst_livekit_keyring_set_shared_key (kr, (const guint8 *) "bench key", 9, 0,
      NULL);
  gst_livekit_keyring_wait_precomputed (kr);
  gst_object_unref (kr);
}

static void
case_room (GstLiveKitKeyDerivation kdf, guint window)
{
  GstLiveKitKeyring *kr = gst_livekit_keyring_new ();

  g_object_set (kr, "key-derivation", kdf, "ratchet-window-size", window, NULL);
  for (guint i = 0; i < 20; i++) {
    gchar *id = g_strdup_printf ("participant-%u", i);
    gchar *key = g_strdup_printf ("key of participant %u", i);
    gst_livekit_keyring_set_key (kr, id, (const guint8 *) key, strlen (key),
        0, NULL);
    g_free (id);
    g_free (key);
  }
  gst_livekit_keyring_wait_precomputed (kr);
  gst_object_unref (kr);
}

/* 50 fake VP8 frames through @n livekit elements to EOS, each with its own
 * private keyring and the key options. */
static void
run_pipeline (guint n, GstLiveKitKeyDerivation kdf, guint window)
{
  static const gchar *names[] = { "livekitencrypt", "livekitdecrypt" };
  GString *desc = g_string_new ("appsrc name=src format=time "
      "caps=video/x-vp8,width=320,height=240");
  GstElement *pipe, *src;
  GstBus *bus;
  GstMessage *msg;

  for (guint i = 0; i < n; i++)
    g_string_append_printf (desc, " ! %s shared-key=bench key-derivation=%s "
        "ratchet-window-size=%u", names[i], kdf_name (kdf), window);
  /* At the frames' pace (1.65 s), as a live stream: background work that
   * a key set starts has the time to run. */
  g_string_append (desc, " ! fakesink sync=true");
  pipe = gst_parse_launch (desc->str, NULL);
  g_assert (pipe);
  src = gst_bin_get_by_name (GST_BIN (pipe), "src");
  gst_element_set_state (pipe, GST_STATE_PLAYING);
  for (guint i = 0; i < 50; i++) {
    guint8 data[1000];
    GstBuffer *b;
    GstFlowReturn ret;

    memset (data, i, sizeof data);
    data[0] = i == 0 ? 0x10 : 0x31;
    b = gst_buffer_new_memdup (data, sizeof data);
    GST_BUFFER_PTS (b) = i * 33 * GST_MSECOND;
    g_signal_emit_by_name (src, "push-buffer", b, &ret);
    gst_buffer_unref (b);
  }
  {
    GstFlowReturn ret;
    g_signal_emit_by_name (src, "end-of-stream", &ret);
  }
  bus = gst_element_get_bus (pipe);
  msg = gst_bus_timed_pop_filtered (bus, 60 * GST_SECOND,
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  g_assert (msg && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS);
  gst_message_unref (msg);
  gst_object_unref (bus);
  gst_object_unref (src);
  /* Each private keyring goes with its element and waits for its
   * background work: all of it is counted. */
  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_object_unref (pipe);
  g_string_free (desc, TRUE);
}

static void
case_encrypt_only (GstLiveKitKeyDerivation kdf, guint window)
{
  run_pipeline (1, kdf, window);
}

static void
case_enc_dec (GstLiveKitKeyDerivation kdf, guint window)
{
  run_pipeline (2, kdf, window);
}

static int
cmp_double (const void *a, const void *b)
{
  gdouble x = *(const gdouble *) a, y = *(const gdouble *) b;
  return x < y ? -1 : x > y;
}

/* Median CPU ms over @rounds; KDF runs of one round. */
static gdouble
measure (CaseFunc f, GstLiveKitKeyDerivation kdf, guint window, guint rounds,
    gint * pbkdf2, gint * hkdf)
{
  gdouble *ms = g_new (gdouble, rounds), median;

  for (guint r = 0; r < rounds; r++) {
    gdouble t0;

    g_atomic_int_set (&pbkdf2_runs, 0);
    g_atomic_int_set (&hkdf_runs, 0);
    t0 = process_cpu_ms ();
    f (kdf, window);
    ms[r] = process_cpu_ms () - t0;
    *pbkdf2 = g_atomic_int_get (&pbkdf2_runs);
    *hkdf = g_atomic_int_get (&hkdf_runs);
  }
  qsort (ms, rounds, sizeof *ms, cmp_double);
  median = ms[rounds / 2];
  g_free (ms);
  return median;
}

int
main (int argc, char **argv)
{
  static const struct
  {
    const gchar *name;
    CaseFunc f;
  } cases[] = {
    {"set-key", case_set_key},
    {"encrypt-only", case_encrypt_only},
    {"enc-dec", case_enc_dec},
    {"room-20", case_room},
  };
  guint rounds = 5;

  for (int i = 1; i < argc; i++)
    if (g_str_equal (argv[i], "--rounds") && i + 1 < argc)
      rounds = (guint) atoi (argv[++i]);
  rounds = MAX (rounds, 1);
  gst_init (&argc, &argv);

  for (guint c = 0; c < G_N_ELEMENTS (cases); c++) {
    gint p_ref, h_ref, p, h;
    gdouble ref, ms;

    /* Warm up (plugin loading, OpenSSL's first fetches) outside the
     * measured rounds. */
    measure (cases[c].f, GST_LIVEKIT_KEY_DERIVATION_HKDF, 0, 1, &p, &h);
    ref = measure (cases[c].f, GST_LIVEKIT_KEY_DERIVATION_HKDF, 0, rounds,
        &p_ref, &h_ref);
    ms = measure (cases[c].f, GST_LIVEKIT_KEY_DERIVATION_PBKDF2, 16, rounds,
        &p, &h);
    printf ("{\"case\": \"%s\", \"rounds\": %u, \"hkdf_w0_cpu_ms\": %.2f, "
        "\"hkdf_w0_hkdf_runs\": %d, \"pbkdf2_w16_cpu_ms\": %.2f, "
        "\"pbkdf2_w16_pbkdf2_runs\": %d, \"cpu_ratio\": %.1f}\n",
        cases[c].name, rounds, ref, h_ref, ms, p, ms / MAX (ref, 0.001));
    fflush (stdout);
  }
  return 0;
}
