/* The build is for the machine it claims to be: the test program, the
 * library and the plugin are ELF files for meson's host CPU, and the process
 * runs on that CPU (natively or under qemu-user). scripts/test-arm64.sh sets
 * LIVEKIT_TEST_EXPECT_MACHINE=aarch64, so a build that is not really aarch64
 * fails here instead of passing the arm64 suite on amd64.
 *
 * Built with -DEXPECT_EM (ELF e_machine) and -DEXPECT_UNAME (uname -m) from
 * meson's host_machine. */
#include <gst/check/gstcheck.h>

#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#if defined(__aarch64__) && defined(__linux__)
#include <sys/auxv.h>
#include <asm/hwcap.h>
#endif

/* e_ident[EI_CLASS], e_ident[EI_DATA], e_machine of @path. */
static void
assert_elf (const gchar * what, const gchar * path)
{
  guint8 h[20];
  FILE *f;
  guint machine;

  fail_unless (path != NULL && *path, "%s: no path", what);
  f = fopen (path, "rb");
  fail_unless (f != NULL, "%s: cannot open %s", what, path);
  fail_unless (fread (h, 1, sizeof h, f) == sizeof h, "%s: short file", what);
  fclose (f);
  fail_unless (memcmp (h, "\177ELF", 4) == 0, "%s: not an ELF file", what);
  fail_unless_equals_int (h[4], 2);     /* ELFCLASS64 */
  fail_unless_equals_int (h[5], 1);     /* ELFDATA2LSB */
  machine = h[18] | (h[19] << 8);
  GST_INFO ("%s (%s): e_machine %u", what, path, machine);
  fail_unless (machine == EXPECT_EM, "%s (%s): e_machine %u, expected %u",
      what, path, machine, EXPECT_EM);
}

GST_START_TEST (test_elf_machine)
{
  assert_elf ("test program", "/proc/self/exe");
  assert_elf ("libgstlivekit", g_getenv ("LIVEKIT_TEST_LIBRARY"));
  assert_elf ("plugin", g_getenv ("LIVEKIT_TEST_PLUGIN"));
}

GST_END_TEST;

GST_START_TEST (test_running_machine)
{
  struct utsname u;
  const gchar *expect = g_getenv ("LIVEKIT_TEST_EXPECT_MACHINE");

  fail_unless (uname (&u) == 0);
  g_print ("test-arch: running on %s, built for %s\n", u.machine, EXPECT_UNAME);
  fail_unless_equals_string (u.machine, EXPECT_UNAME);
  if (expect)
    fail_unless_equals_string (EXPECT_UNAME, expect);
}

GST_END_TEST;

/* Under qemu the emulated CPU must have the ARMv8 crypto extensions, or the
 * suite would not exercise OpenSSL's AES/PMULL/SHA-2 code at all (devices
 * without them, like the Raspberry Pi 4, run OpenSSL's NEON or C code:
 * the suite covers that with OPENSSL_armcap). */
GST_START_TEST (test_cpu_features)
{
#if defined(__aarch64__) && defined(__linux__)
  unsigned long hw = getauxval (AT_HWCAP);
  gboolean aes = (hw & HWCAP_AES) != 0, pmull = (hw & HWCAP_PMULL) != 0;
  gboolean sha2 = (hw & HWCAP_SHA2) != 0;

  g_print ("test-arch: aes %d pmull %d sha2 %d asimd %d\n", aes, pmull, sha2,
      (hw & HWCAP_ASIMD) != 0);
  if (g_getenv ("LIVEKIT_TEST_EXPECT_ARMV8_CRYPTO"))
    fail_unless (aes && pmull && sha2, "no ARMv8 AES/PMULL/SHA-2");
#endif
}

GST_END_TEST;

static Suite *
arch_suite (void)
{
  Suite *s = suite_create ("livekit-arch");
  TCase *tc = tcase_create ("arch");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_elf_machine);
  tcase_add_test (tc, test_running_machine);
  tcase_add_test (tc, test_cpu_features);
  return s;
}

GST_CHECK_MAIN (arch);
