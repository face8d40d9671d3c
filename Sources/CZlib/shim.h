#ifndef PADDOCK_CZLIB_SHIM_H
#define PADDOCK_CZLIB_SHIM_H
#include <zlib.h>

/// deflateInit and inflateInit are macros Swift cannot import; these wrap them.
static inline int paddock_deflate_init(z_streamp stream, int level) {
    return deflateInit(stream, level);
}
static inline int paddock_inflate_init(z_streamp stream) {
    return inflateInit(stream);
}
#endif
