/* No thread of ours runs OpenSSL after the process's exit handlers (issue 9
 * item 1): a keyring worker busy with PBKDF2 while exit() or the
 * application's OPENSSL_cleanup() tears OpenSSL down used to crash. The
 * worker derives ratchet steps on demand, when a frame fails to decrypt.
 *
 * Each scenario runs in a fresh process (this executable re-run with the
 * scenario's name), so its exit and OpenSSL's teardown are real. */
#include <gst/check/gstcheck.h>
#include <gst/livekit/livekit.h>
#include "../../gst/livekit/keyring-private.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>

#define SCENARIO_TIMEOUT_US (60 * G_USEC_PER_SEC)

/* Registered before OpenSSL is initialised, so it runs after OpenSSL's
 * cleanup: an application whose own exit work takes a while (an
 * interpreter tearing down, say) while our worker would keep deriving. */
static void
slow_application_exit (void)
{
  g_usleep (300 * G_USEC_PER_SEC / 1000);
}

/* The keyring the scenarios take into exit, as an application that never
 * drops it (the Python example did): held here, so it is alive at exit,
 * not leaked. */
static GstLiveKitKeyring *exiting_keyring;

/* A well-formed VP8 frame at key index 0 that no key opens. */
static const guint8 unopenable[] = {
  0x31, 0x02, 0x00, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x00, 0x11, 0x22,
  0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee,
  0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c,
  12, 0,
};

/* Sets a PBKDF2 key, has a decryptor fail on a frame, and returns once the
 * background worker is busy deriving ratchet steps for it (at least one
 * done, more to go: nothing opens the frame, so it goes on to the window). */
static GstLiveKitKeyring *
keyring_with_busy_worker (void)
{
  GstLiveKitKeyring *kr = gst_livekit_keyring_new ();
  GstLiveKitCryptor *dec;
  GstLiveKitCryptResult r;
  GstLiveKitKeySet *ks;
  guint8 out[sizeof unopenable];
  gsize out_len;
  gint64 deadline = g_get_monotonic_time () + SCENARIO_TIMEOUT_US;

  if (!gst_livekit_keyring_set_shared_key (kr, (const guint8 *) "pass", 4, 0,
          NULL))
    exit (2);
  dec = gst_livekit_cryptor_new (kr, FALSE, NULL);
  gst_livekit_cryptor_decrypt (dec, GST_LIVEKIT_CODEC_VP8, unopenable,
      sizeof unopenable, FALSE, out, &out_len, &r);
  gst_livekit_cryptor_free (dec);
  if (r.outcome != GST_LIVEKIT_FRAME_OUTCOME_DROPPED)
    exit (2);
  ks = gst_livekit_keyring_lookup (kr, NULL, 0);
  while (gst_livekit_key_set_ready_candidates (ks) == 0
      && g_get_monotonic_time () < deadline)
    g_usleep (1000);
  if (gst_livekit_key_set_ready_candidates (ks) == 0
      || gst_livekit_key_set_ready_candidates (ks) == ks->n_candidates)
    exit (3);                   /* not busy: the scenario would prove nothing */
  gst_livekit_key_set_unref (ks);
  exiting_keyring = kr;
  return kr;
}

static int
scenario_openssl_cleanup (void)
{
  GstLiveKitKeyring *kr = keyring_with_busy_worker ();
  GstLiveKitKeySet *ks;
  guint ready, window;

  OPENSSL_cleanup ();
  /* Without the guard the worker crashes here, or completes its window. */
  gst_livekit_keyring_wait_precomputed (kr);
  ks = gst_livekit_keyring_lookup (kr, NULL, 0);
  ready = gst_livekit_key_set_ready_candidates (ks);
  window = ks->n_candidates;
  gst_livekit_key_set_unref (ks);
  if (ready >= window) {
    printf ("the worker ran %u KDFs after OPENSSL_cleanup()\n", window);
    return 4;
  }
  /* Later KDFs fail cleanly. */
  if (gst_livekit_keyring_set_shared_key (kr, (const guint8 *) "other", 5, 1,
          NULL))
    return 5;
  printf ("ok\n");
  /* No unref: the keyring lives on into exit (exiting_keyring). */
  exit (0);
}

static int
scenario_exit (void)
{
  keyring_with_busy_worker ();
  printf ("ok\n");
  fflush (stdout);
  exit (0);
}

/* This program again, with the scenario's name. Under qemu-user without
 * binfmt_misc the kernel cannot exec an arm64 program: then
 * LIVEKIT_TEST_EXEC_WRAPPER (the emulator's command line, as meson's
 * exe_wrapper) runs it, and /proc/self/exe, which qemu maps to the
 * emulated program, names it. */
static gchar **
scenario_argv (const gchar * name)
{
  const gchar *wrapper = g_getenv ("LIVEKIT_TEST_EXEC_WRAPPER");
  GStrvBuilder *b = g_strv_builder_new ();
  gchar **argv;

  if (wrapper && *wrapper) {
    gchar **w = NULL, *self;
    GError *error = NULL;

    fail_unless (g_shell_parse_argv (wrapper, NULL, &w, &error),
        "LIVEKIT_TEST_EXEC_WRAPPER: %s", error ? error->message : "?");
    self = g_file_read_link ("/proc/self/exe", &error);
    fail_unless (self != NULL, "/proc/self/exe: %s", error->message);
    g_strv_builder_addv (b, (const gchar **) w);
    g_strv_builder_add (b, self);
    g_strfreev (w);
    g_free (self);
  } else {
    g_strv_builder_add (b, "/proc/self/exe");
  }
  g_strv_builder_add (b, name);
  argv = g_strv_builder_end (b);
  g_strv_builder_unref (b);
  return argv;
}

static void
run_scenario (const gchar * name)
{
  gchar **argv = scenario_argv (name);
  gchar *out = NULL, *err = NULL;
  gint status = 0;
  GError *error = NULL;

  fail_unless (g_spawn_sync (NULL, argv, NULL, G_SPAWN_SEARCH_PATH, NULL,
          NULL, &out, &err, &status, &error), "spawn %s: %s", argv[0],
      error ? error->message : "?");
  g_strfreev (argv);
  fail_unless (g_spawn_check_wait_status (status, &error),
      "scenario %s: %s; stdout: %s; stderr: %s", name, error->message, out,
      err);
  fail_unless (g_str_has_prefix (out, "ok"), "scenario %s: %s", name, out);
  g_free (out);
  g_free (err);
}

GST_START_TEST (test_openssl_cleanup_during_precompute)
{
  run_scenario ("openssl-cleanup");
}

GST_END_TEST;

GST_START_TEST (test_exit_during_precompute)
{
  /* The crash needs the worker to reach its next KDF inside the exit
   * window; a few rounds make a regression show at once. */
  for (guint i = 0; i < 5; i++)
    run_scenario ("exit");
}

GST_END_TEST;

static Suite *
exit_suite (void)
{
  Suite *s = suite_create ("livekit-exit");
  TCase *tc = tcase_create ("exit");

  suite_add_tcase (s, tc);
  tcase_set_timeout (tc, 120);
  tcase_add_test (tc, test_openssl_cleanup_during_precompute);
  tcase_add_test (tc, test_exit_during_precompute);
  return s;
}

int
main (int argc, char **argv)
{
  if (argc == 2 && g_str_equal (argv[1], "exit")) {
    atexit (slow_application_exit);
    gst_init (NULL, NULL);
    return scenario_exit ();
  }
  if (argc == 2 && g_str_equal (argv[1], "openssl-cleanup")) {
    gst_init (NULL, NULL);
    return scenario_openssl_cleanup ();
  }
  gst_check_init (&argc, &argv);
  return gst_check_run_suite (exit_suite (), "exit", __FILE__);
}
