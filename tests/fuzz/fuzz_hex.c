/* libFuzzer harness for gst_livekit_hex_decode against a plain reference
 * decoder. Input: byte 0 = output capacity, the rest = the string (up to
 * its first NUL, as strlen sees it). */
#include "gst/livekit/hex.h"

#include "fuzz-common.h"

int LLVMFuzzerTestOneInput (const uint8_t * data, size_t size);

static int
ref_nibble (char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

static bool
ref_decode (const char *hex, uint8_t * out, size_t out_cap, size_t *out_len)
{
  size_t len = strlen (hex);

  if (len % 2 || len / 2 > out_cap)
    return false;
  for (size_t i = 0; i < len; i += 2) {
    int hi = ref_nibble (hex[i]), lo = ref_nibble (hex[i + 1]);
    if (hi < 0 || lo < 0)
      return false;
    out[i / 2] = (uint8_t) (hi << 4 | lo);
  }
  *out_len = len / 2;
  return true;
}

int
LLVMFuzzerTestOneInput (const uint8_t * data, size_t size)
{
  size_t cap, got_len = 0xdeadbeef, want_len = 0xdeadbeef;
  char *str;
  uint8_t *got, *want;
  bool g, w;

  if (size < 1)
    return 0;
  cap = data[0];
  str = malloc (size);
  if (!str)
    abort ();
  memcpy (str, data + 1, size - 1);
  str[size - 1] = '\0';
  got = fuzz_alloc (cap);
  want = fuzz_alloc (cap);

  g = gst_livekit_hex_decode (str, got, cap, &got_len);
  w = ref_decode (str, want, cap, &want_len);
  if (g != w) {
    fuzz_dump_hex ("hex string", (const uint8_t *) str, strlen (str));
    FUZZ_CHECK (g == w, "hex_decode(\"%s\", cap %zu) returned %d, the "
        "reference %d", str, cap, g, w);
  }
  if (g) {
    FUZZ_CHECK (got_len == want_len, "length %zu != %zu", got_len, want_len);
    FUZZ_CHECK (memcmp (got, want, got_len) == 0, "bytes differ for \"%s\"",
        str);
  } else {
    FUZZ_CHECK (got_len == 0xdeadbeef, "out_len written on failure");
  }
  FUZZ_CHECK (!gst_livekit_hex_decode (NULL, got, cap, &got_len), "NULL");

  free (got);
  free (want);
  free (str);
  return 0;
}
