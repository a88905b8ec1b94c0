#ifndef GONGSHI_CSQLITESETTINGS_H
#define GONGSHI_CSQLITESETTINGS_H

/// What `sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0)` returned when the program was loaded:
/// 0 (SQLITE_OK) when SQLite's memory statistics are off in this process.
int gongshi_sqlite_settings_result(void);

#endif
