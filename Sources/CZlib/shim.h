#include <zlib.h>

/* inflateInit2 is a macro: a function Swift can call. */
static inline int ao_inflate_init_gzip(z_stream *stream) {
    return inflateInit2(stream, 16 + MAX_WBITS);
}
