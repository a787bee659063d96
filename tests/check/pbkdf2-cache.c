/* Test-only memo of OpenSSL's PKCS5_PBKDF2_HMAC(), for emulation.
 *
 * Under qemu one PBKDF2 at LiveKit's 100 000 iterations costs ~0.5 s of
 * CPU (~0.03 s natively), and the element, keyring and interop tests derive
 * the same few test keys hundreds of times. Linked into a test program, this
 * definition interposes the one libgstlivekit calls (the program is first in
 * the dynamic linker's lookup order). With GST_LIVEKIT_TEST_PBKDF2_CACHE=FILE
 * set, a derivation whose inputs (password, salt, iterations, digest, length,
 * OpenSSL version) are in FILE is answered from it; any other is computed by
 * the real function, at the iteration count asked for, and added to FILE for
 * the next process. Nothing is ever computed with fewer iterations: every
 * value in FILE was computed in full by the same build's OpenSSL (under
 * qemu: its arm64 code). Each call appends "hit|miss PROGRAM" to FILE.log,
 * so the caller can say how much was answered from the cache.
 *
 * Without the variable every call goes straight to OpenSSL. The shipped
 * library and plugin never contain this; test-kdf (the known answers),
 * test-exit and test-decrypt-hold (which need derivations to take time) are
 * not linked with it. */
#define _GNU_SOURCE
#include <glib.h>

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#define ENV "GST_LIVEKIT_TEST_PBKDF2_CACHE"

typedef int (*Pbkdf2Fn) (const char *, int, const unsigned char *, int, int,
    const EVP_MD *, int, unsigned char *);

static GMutex lock;
static GHashTable *memo;        /* input digest hex -> output hex */

int PKCS5_PBKDF2_HMAC (const char *pass, int passlen,
    const unsigned char *salt, int saltlen, int iter, const EVP_MD * digest,
    int keylen, unsigned char *out);

static Pbkdf2Fn
real_pbkdf2 (void)
{
  static gsize fn;

  if (g_once_init_enter (&fn)) {
    Pbkdf2Fn f = (Pbkdf2Fn) dlsym (RTLD_NEXT, "PKCS5_PBKDF2_HMAC");
    g_assert (f != NULL && f != PKCS5_PBKDF2_HMAC);
    g_once_init_leave (&fn, (gsize) f);
  }
  return (Pbkdf2Fn) fn;
}

/* Reads FILE's lines "INPUT OUTPUT" into memo (lock held). */
static void
load (const gchar * path)
{
  gchar *text = NULL, **lines;

  if (!memo)
    memo = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  if (!g_file_get_contents (path, &text, NULL, NULL))
    return;
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i]; i++) {
    gchar **kv = g_strsplit (lines[i], " ", 2);
    if (kv[0] && kv[1] && strlen (kv[0]) == 64)
      g_hash_table_replace (memo, g_strdup (kv[0]), g_strdup (kv[1]));
    g_strfreev (kv);
  }
  g_strfreev (lines);
  g_free (text);
}

static void
append (const gchar * path, const gchar * line)
{
  int fd = open (path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);

  if (fd < 0)
    return;
  /* One write per line: O_APPEND keeps concurrent writers' lines whole. */
  if (write (fd, line, strlen (line)) < 0)
    g_printerr ("%s: %s: %s\n", ENV, path, g_strerror (errno));
  close (fd);
}

/* SHA-256 of everything the output depends on, hex. */
static gchar *
input_digest (const char *pass, int passlen, const unsigned char *salt,
    int saltlen, int iter, const EVP_MD * digest, int keylen)
{
  GChecksum *c = g_checksum_new (G_CHECKSUM_SHA256);
  gchar *head = g_strdup_printf ("%s|%s|%d|%d|%d|%d|",
      OpenSSL_version (OPENSSL_VERSION), EVP_MD_get0_name (digest), iter,
      keylen, passlen, saltlen);
  gchar *hex;

  g_checksum_update (c, (const guchar *) head, -1);
  g_checksum_update (c, (const guchar *) pass, passlen);
  g_checksum_update (c, salt, saltlen);
  hex = g_strdup (g_checksum_get_string (c));
  g_checksum_free (c);
  g_free (head);
  return hex;
}

int
PKCS5_PBKDF2_HMAC (const char *pass, int passlen, const unsigned char *salt,
    int saltlen, int iter, const EVP_MD * digest, int keylen,
    unsigned char *out)
{
  const gchar *path = g_getenv (ENV);
  gchar *in, *log_path, *line;
  const gchar *hit;
  gboolean found = FALSE;
  int ok;

  if (!path || !*path || passlen < 0 || saltlen < 0 || keylen <= 0)
    return real_pbkdf2 ()(pass, passlen, salt, saltlen, iter, digest, keylen,
        out);

  in = input_digest (pass, passlen, salt, saltlen, iter, digest, keylen);
  log_path = g_strconcat (path, ".log", NULL);
  g_mutex_lock (&lock);
  if (!memo || !g_hash_table_contains (memo, in))
    load (path);                /* another process may have added it */
  hit = g_hash_table_lookup (memo, in);
  if (hit && strlen (hit) == 2 * (gsize) keylen) {
    for (int i = 0; i < keylen; i++)
      out[i] = (g_ascii_xdigit_value (hit[2 * i]) << 4)
          | g_ascii_xdigit_value (hit[2 * i + 1]);
    found = TRUE;
  }
  g_mutex_unlock (&lock);

  if (found) {
    ok = 1;
  } else {
    ok = real_pbkdf2 ()(pass, passlen, salt, saltlen, iter, digest, keylen,
        out);
    if (ok == 1) {
      GString *s = g_string_new (in);

      g_string_append_c (s, ' ');
      for (int i = 0; i < keylen; i++)
        g_string_append_printf (s, "%02x", out[i]);
      g_mutex_lock (&lock);
      g_hash_table_replace (memo, g_strdup (in), g_strdup (s->str + 65));
      g_mutex_unlock (&lock);
      g_string_append_c (s, '\n');
      append (path, s->str);
      g_string_free (s, TRUE);
    }
  }
  line = g_strdup_printf ("%s %s\n", found ? "hit" : "miss",
      program_invocation_short_name);
  append (log_path, line);
  g_free (line);
  g_free (log_path);
  g_free (in);
  return ok;
}
