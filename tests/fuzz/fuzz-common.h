/* Helpers shared by the libFuzzer harnesses (header-only). */
#ifndef __GST_LIVEKIT_FUZZ_COMMON_H__
#define __GST_LIVEKIT_FUZZ_COMMON_H__

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* PBKDF2("key1", "LKFrameEncryptionKey"): the key of the JS frames in spec
 * §15.1 and the model vectors of §15.3, so the seed corpus decrypts. */
static const uint8_t fuzz_key[16] = {
  0x7a, 0xda, 0xba, 0xc1, 0xdb, 0x9a, 0xbf, 0x01,
  0x8e, 0xf9, 0x8f, 0xdc, 0x73, 0x7f, 0x4f, 0x2f,
};

static inline void
fuzz_dump_hex (const char *what, const uint8_t * d, size_t n)
{
  fprintf (stderr, "%s (%zu bytes): ", what, n);
  for (size_t i = 0; i < n; i++)
    fprintf (stderr, "%02x", d[i]);
  fputc ('\n', stderr);
}

/* An exact-size heap copy, so ASan sees any access past the end. */
static inline uint8_t *
fuzz_dup (const uint8_t * d, size_t n)
{
  uint8_t *p = malloc (n ? n : 1);
  if (!p)
    abort ();
  if (n)
    memcpy (p, d, n);
  return p;
}

static inline uint8_t *
fuzz_alloc (size_t n)
{
  uint8_t *p = malloc (n ? n : 1);
  if (!p)
    abort ();
  return p;
}

#define FUZZ_CHECK(cond, ...) do {                                       \
    if (!(cond)) {                                                      \
      fprintf (stderr, "FUZZ CHECK FAILED %s:%d: %s\n  ", __FILE__,     \
          __LINE__, #cond);                                             \
      fprintf (stderr, __VA_ARGS__);                                    \
      fputc ('\n', stderr);                                             \
      abort ();                                                         \
    }                                                                   \
  } while (0)

#endif
