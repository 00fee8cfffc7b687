#include "kvlab_sqlite_config.h"

int kvlab_sqlite_db_config_flag(sqlite3 *db, int op, int value, int *now) {
    return sqlite3_db_config(db, op, value, now);
}
