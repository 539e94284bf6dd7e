// FreeTDS's db-lib for Swift, loaded when first used: libsybdb and what it pulls in (GnuTLS, Kerberos) are mapped
// only by a daemon that loads a SQL Server warehouse, not by every idle daemon (its memory budget). Only FreeTDS's
// headers are used at build time (Debian's freetds-dev); `libsybdb.so.5` is opened with dlopen. FreeTDS's error and
// message handlers are ours, in C: they keep what the server and the library said, per thread, for Swift to take.
#ifndef AUTOOPTIMIZE_CFREETDS_H
#define AUTOOPTIMIZE_CFREETDS_H

#include <sybfront.h>
#include <sybdb.h>

/// Loads libsybdb once, initialises db-lib and installs the handlers; NULL on success, else why it could not.
const char *ao_tds_load(void);
/// What the server (errors, severity above 10) and db-lib said on this thread since the last take, "; "-joined;
/// the text stays valid until the next call on this thread.
const char *ao_tds_take_messages(void);

LOGINREC *ao_dblogin(void);
void ao_dbloginfree(LOGINREC *login);
RETCODE ao_dbsetlname(LOGINREC *login, const char *value, int which);
RETCODE ao_dbsetlbool(LOGINREC *login, int value, int which);
RETCODE ao_dbsetlversion(LOGINREC *login, BYTE version);
RETCODE ao_dbsetlogintime(int seconds);
RETCODE ao_dbsettime(int seconds);
DBPROCESS *ao_dbopen(LOGINREC *login, const char *server);
void ao_dbclose(DBPROCESS *process);
RETCODE ao_dbcmd(DBPROCESS *process, const char *command);
RETCODE ao_dbsqlexec(DBPROCESS *process);
RETCODE ao_dbresults(DBPROCESS *process);
STATUS ao_dbnextrow(DBPROCESS *process);
int ao_dbnumcols(DBPROCESS *process);
BYTE *ao_dbdata(DBPROCESS *process, int column);
DBINT ao_dbdatlen(DBPROCESS *process, int column);
RETCODE ao_bcp_init(DBPROCESS *process, const char *table, int direction);
RETCODE ao_bcp_bind(DBPROCESS *process, BYTE *address, int prefix, DBINT length, int type, int column);
RETCODE ao_bcp_colptr(DBPROCESS *process, BYTE *address, int column);
RETCODE ao_bcp_collen(DBPROCESS *process, DBINT length, int column);
RETCODE ao_bcp_sendrow(DBPROCESS *process);
DBINT ao_bcp_done(DBPROCESS *process);

#endif
