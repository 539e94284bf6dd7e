// SQLite's process-wide settings for Swift, which cannot call `sqlite3_config` (a variadic function).
#ifndef AUTOOPTIMIZE_CSQLITESUPPORT_H
#define AUTOOPTIMIZE_CSQLITESUPPORT_H

/// Multi-thread mode (no mutex taken inside each call on a connection) and no memory statistics (a process-wide
/// mutex taken by every allocation, shared by all connections). Must run before SQLite initialises, i.e. before the
/// first connection opens: returns SQLITE_OK, or SQLITE_MISUSE when it is too late (the defaults then stay).
int ao_sqlite_configure_process(void);

#endif
