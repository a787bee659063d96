/* Hex key strings (the shared-key-hex property, tools). */
#ifndef __GST_LIVEKIT_HEX_H__
#define __GST_LIVEKIT_HEX_H__

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Decodes an even-length hex string (upper or lower case, no separators)
 * into @out. Returns false, leaving @out_len untouched, on any other input
 * or when it does not fit. Runs in time independent of the digits' values. */
bool gst_livekit_hex_decode (const char *hex, uint8_t * out, size_t out_cap,
    size_t *out_len);

/* Why @hex does not decode, in words for a user ("has an odd number of
 * digits"), or NULL when it is valid hex. Non-digits are reported before an
 * odd length. Looks at every character, whatever it finds, and never
 * quotes one: the string may be a key. */
const char *gst_livekit_hex_problem (const char *hex);

#endif
