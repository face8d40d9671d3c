#ifndef PADDOCK_CSQLITE_SHIM_H
#define PADDOCK_CSQLITE_SHIM_H
#include <sqlite3.h>

/// SQLITE_TRANSIENT is a macro cast Swift cannot import; this names it.
static inline sqlite3_destructor_type paddock_sqlite_transient(void) {
    return SQLITE_TRANSIENT;
}
#endif
