/* Misconfiguration on a gst-launch-1.0 line (issue 9 items 3, 4 and 7):
 * gst-launch sets properties before there is a bus, so only an element
 * error at the state change reaches the user. Each line here must make the
 * real gst-launch-1.0 exit with an error naming the property, at once, not
 * run (dropping every frame) or hang. */
#include <gst/check/gstcheck.h>

#include <string.h>

/* Far more than a failing start takes; a line that runs or hangs is
 * stopped here and fails the test. */
#define LAUNCH_TIMEOUT_S "20"

typedef struct
{
  const gchar *line;            /* the pipeline, in gst-launch syntax */
  const gchar *expect[2];       /* in the error output, NULL: nothing more */
} Case;

/* A source of three "VP8" frames: enough to run a pipeline to EOS. */
#define VP8_SRC "fakesrc num-buffers=3 sizetype=fixed sizemax=64 filltype=zero " \
  "! video/x-vp8,width=64,height=64,framerate=30/1 ! "
#define ROOM "livekitroombin api-key=k api-secret=s room=r identity=i "

static const Case cases[] = {
  {VP8_SRC "livekitencrypt shared-key-hex=abc ! fakesink",
      {"shared-key-hex", "odd number of hex digits"}},
  {VP8_SRC "livekitdecrypt shared-key-hex=zz11 ! fakesink",
      {"shared-key-hex", "not hex digits"}},
  {VP8_SRC "livekitdecrypt shared-key=k sif-trailer=zz ! fakesink",
      {"sif-trailer", "not hex digits"}},
  {VP8_SRC "livekitencrypt shared-key-file=/dev/zero ! fakesink",
      {"shared-key-file", "not a regular file"}},
  {ROOM "url=ws://127.0.0.1:1 shared-key-hex=abc",
      {"shared-key-hex", "odd number of hex digits"}},
  {ROOM "url=ws://127.0.0.1:1 shared-key-hex=zz11",
      {"shared-key-hex", "not hex digits"}},
  {ROOM "url=\"not a url\" shared-key=k", {"url", "not a url"}},
  {ROOM "url=ftp://127.0.0.1 shared-key=k", {"url", "ws://"}},
};

static void
run_case (const Case * c)
{
  gchar **argv = NULL, **envp, *cmd, *out = NULL, *err = NULL;
  const gchar *preload = g_getenv ("LIVEKIT_TEST_CHILD_PRELOAD");
  GError *error = NULL;
  gint status = 0;
  gint64 t0 = g_get_monotonic_time ();

  cmd = g_strdup_printf ("timeout -s KILL " LAUNCH_TIMEOUT_S
      " gst-launch-1.0 %s", c->line);
  fail_unless (g_shell_parse_argv (cmd, NULL, &argv, &error), "%s",
      error ? error->message : "");
  envp = g_get_environ ();
  /* An ASan build (tests/check/meson.build): gst-launch-1.0 gets the
   * sanitizer's runtime, and its own leaks are not ours. */
  if (preload && *preload) {
    envp = g_environ_setenv (envp, "LD_PRELOAD", preload, TRUE);
    envp = g_environ_setenv (envp, "ASAN_OPTIONS", "detect_leaks=0", TRUE);
  }
  fail_unless (g_spawn_sync (NULL, argv, envp, G_SPAWN_SEARCH_PATH, NULL,
          NULL, &out, &err, &status, &error), "%s",
      error ? error->message : "");
  g_strfreev (envp);
  GST_INFO ("%s: status %d in %" G_GINT64_FORMAT " ms\n%s%s", c->line,
      status, (g_get_monotonic_time () - t0) / 1000, out, err);
  /* Non-zero from gst-launch-1.0 itself: 137 would be the timeout's KILL
   * (a hang), 0 a pipeline that ran. */
  fail_unless (WIFEXITED (status) && WEXITSTATUS (status) != 0
      && WEXITSTATUS (status) != 137,
      "'%s' did not fail (status %d):\n%s%s", c->line, status, out, err);
  fail_unless (g_get_monotonic_time () - t0 < 10 * G_USEC_PER_SEC,
      "'%s' took %" G_GINT64_FORMAT " ms to fail", c->line,
      (g_get_monotonic_time () - t0) / 1000);
  for (guint i = 0; i < G_N_ELEMENTS (c->expect) && c->expect[i]; i++)
    fail_unless (strstr (out, c->expect[i]) || strstr (err, c->expect[i]),
        "'%s': no \"%s\" in:\n%s%s", c->line, c->expect[i], out, err);
  g_strfreev (argv);
  g_free (cmd);
  g_free (out);
  g_free (err);
}

GST_START_TEST (test_misconfigured_line_fails)
{
  run_case (&cases[__i__]);
}

GST_END_TEST;

static Suite *
launch_suite (void)
{
  Suite *s = suite_create ("livekit-launch");
  TCase *tc = tcase_create ("launch");

  suite_add_tcase (s, tc);
  tcase_set_timeout (tc, 60);
  tcase_add_loop_test (tc, test_misconfigured_line_fails, 0,
      G_N_ELEMENTS (cases));
  return s;
}

GST_CHECK_MAIN (launch);
