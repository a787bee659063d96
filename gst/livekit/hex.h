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

#endif
