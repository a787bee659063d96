#include "hex.h"

#include <string.h>

/* Branch-free nibble decode: key material should not steer branches or
 * table lookups. Returns 0..15, or a value with bit 8 set for a non-digit. */
/* 1 if 0 <= v < limit, else 0, without branches (|v| < 2^30). */
static unsigned int
in_range (int v, int limit)
{
  return ((unsigned int) (v - limit) >> 31) & (~(unsigned int) v >> 31);
}

/* Branch-free nibble decode: key material should not steer branches or
 * table lookups. Returns 0..15, or a value with bit 8 set for a non-digit. */
static unsigned int
nibble (unsigned char c)
{
  int d = (int) c - '0';
  int l = (int) (c | 0x20) - 'a';
  unsigned int is_d = in_range (d, 10);
  unsigned int is_l = in_range (l, 6);
  return ((unsigned int) d & (0u - is_d)) | ((unsigned int) (l + 10) & (0u -
          is_l)) | ((1u - (is_d | is_l)) << 8);
}

bool
gst_livekit_hex_decode (const char *hex, uint8_t * out, size_t out_cap,
    size_t *out_len)
{
  size_t len, n;
  unsigned int bad = 0;

  if (!hex)
    return false;
  len = strlen (hex);
  if (len % 2 != 0 || len / 2 > out_cap)
    return false;
  n = len / 2;
  for (size_t i = 0; i < n; i++) {
    unsigned int hi = nibble ((unsigned char) hex[2 * i]);
    unsigned int lo = nibble ((unsigned char) hex[2 * i + 1]);
    bad |= (hi | lo) & 0x100;
    out[i] = (uint8_t) ((hi << 4) | (lo & 0xf));
  }
  if (bad)
    return false;
  *out_len = n;
  return true;
}

const char *
gst_livekit_hex_problem (const char *hex)
{
  unsigned int bad = 0;
  size_t len;

  if (!hex)
    return "is not set";
  len = strlen (hex);
  for (size_t i = 0; i < len; i++)
    bad |= nibble ((unsigned char) hex[i]) & 0x100;
  if (bad)
    return "has characters that are not hex digits (0-9, a-f, A-F)";
  if (len % 2 != 0)
    return "has an odd number of hex digits (two per byte)";
  return NULL;
}
