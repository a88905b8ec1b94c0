// Process-wide SQLite settings, made when the program is loaded.
//
// sqlite3_config is variadic (Swift cannot call it) and works only before SQLite initializes,
// which the first database opened does (SQLITE_MISUSE after): a constructor runs before any code
// of the program can open one, whichever module opens it first.
//
// SQLite's memory statistics off (SQLITE_CONFIG_MEMSTATUS, on by default in Debian's build): with
// them on, every allocation SQLite makes takes a global mutex and updates the counters that only
// sqlite3_memory_used() and the soft heap limit read, which gongshi uses neither of. Measured with
// perf on a first run of 200,000 records: the ledger's writing thread spent about 5% of its samples
// in pthread_mutex_lock/unlock alone; the whole run, alternating with the build before, 8.5–8.8 s
// against 9.2–10.9 s (docs/architecture.md, twentieth session).
#include <sqlite3.h>
#include "CSQLiteSettings.h"

static int settings_result = -1;

__attribute__((constructor)) static void gongshi_sqlite_settings(void) {
    settings_result = sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

int gongshi_sqlite_settings_result(void) { return settings_result; }
