#ifndef KVLAB_SQLITE_CONFIG_H
#define KVLAB_SQLITE_CONFIG_H

#include <sqlite3.h>

/// Sets a boolean connection option of `sqlite3_db_config` (a C variadic function, which Swift cannot
/// call): `op` is one of the SQLITE_DBCONFIG_* codes taking (int, int*), `value` 0 or 1.
/// Returns the SQLite result code; `*now` receives the option's new state when `now` is not NULL.
int kvlab_sqlite_db_config_flag(sqlite3 *db, int op, int value, int *now);

#endif
