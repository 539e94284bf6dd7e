#include "cfreetds.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

static struct {
    RETCODE (*dbinit)(void);
    EHANDLEFUNC (*dberrhandle)(EHANDLEFUNC);
    MHANDLEFUNC (*dbmsghandle)(MHANDLEFUNC);
    LOGINREC *(*dblogin)(void);
    void (*dbloginfree)(LOGINREC *);
    RETCODE (*dbsetlname)(LOGINREC *, const char *, int);
    RETCODE (*dbsetlbool)(LOGINREC *, int, int);
    RETCODE (*dbsetlversion)(LOGINREC *, BYTE);
    RETCODE (*dbsetlogintime)(int);
    RETCODE (*dbsettime)(int);
    DBPROCESS *(*tdsdbopen)(LOGINREC *, const char *, int);
    void (*dbclose)(DBPROCESS *);
    RETCODE (*dbcmd)(DBPROCESS *, const char *);
    RETCODE (*dbsqlexec)(DBPROCESS *);
    RETCODE (*dbresults)(DBPROCESS *);
    STATUS (*dbnextrow)(DBPROCESS *);
    int (*dbnumcols)(DBPROCESS *);
    BYTE *(*dbdata)(DBPROCESS *, int);
    DBINT (*dbdatlen)(DBPROCESS *, int);
    RETCODE (*bcp_init)(DBPROCESS *, const char *, const char *, const char *, int);
    RETCODE (*bcp_bind)(DBPROCESS *, BYTE *, int, DBINT, BYTE *, int, int, int);
    RETCODE (*bcp_colptr)(DBPROCESS *, BYTE *, int);
    RETCODE (*bcp_collen)(DBPROCESS *, DBINT, int);
    RETCODE (*bcp_sendrow)(DBPROCESS *);
    DBINT (*bcp_done)(DBPROCESS *);
} tds;

static pthread_once_t once = PTHREAD_ONCE_INIT;
static char failure[512];
static const char *failed = "FreeTDS is not loaded";

static __thread char messages[4096];
static __thread size_t used;

static void note(const char *text) {
    if (used > 0 && used + 2 < sizeof messages) {
        memcpy(messages + used, "; ", 2);
        used += 2;
    }
    size_t length = strlen(text);
    if (used + length >= sizeof messages) length = sizeof messages - used - 1;
    memcpy(messages + used, text, length);
    used += length;
    messages[used] = 0;
}

static int on_error(DBPROCESS *process, int severity, int number, int os_number, char *text, char *os_text) {
    (void)process; (void)severity;
    char line[1024];
    if (os_number != DBNOERR && os_text)
        snprintf(line, sizeof line, "%s (%s)", text ? text : "FreeTDS error", os_text);
    else
        snprintf(line, sizeof line, "%s (FreeTDS %d)", text ? text : "FreeTDS error", number);
    note(line);
    return INT_CANCEL;
}

static int on_message(DBPROCESS *process, DBINT number, int state, int severity, char *text, char *server, char *procedure, int line) {
    (void)process; (void)state; (void)server; (void)procedure; (void)line;
    if (severity <= 10) return 0;  // informational: "Changed database context to…"
    char said[1200];
    snprintf(said, sizeof said, "Msg %d, Level %d: %s", (int)number, severity, text ? text : "");
    note(said);
    return 0;
}

static void load(void) {
    void *library = dlopen("libsybdb.so.5", RTLD_NOW | RTLD_LOCAL);
    if (!library) {
        snprintf(failure, sizeof failure, "cannot load FreeTDS (libsybdb.so.5; Debian: apt-get install libsybdb5): %s", dlerror());
        failed = failure;
        return;
    }
#define FIND(field, name)                                                                         \
    *(void **)(&tds.field) = dlsym(library, name);                                                \
    if (!tds.field) {                                                                             \
        snprintf(failure, sizeof failure, "libsybdb.so.5 lacks %s", name);                        \
        failed = failure;                                                                         \
        return;                                                                                   \
    }
    FIND(dbinit, "dbinit")
    FIND(dberrhandle, "dberrhandle")
    FIND(dbmsghandle, "dbmsghandle")
    FIND(dblogin, "dblogin")
    FIND(dbloginfree, "dbloginfree")
    FIND(dbsetlname, "dbsetlname")
    FIND(dbsetlbool, "dbsetlbool")
    FIND(dbsetlversion, "dbsetlversion")
    FIND(dbsetlogintime, "dbsetlogintime")
    FIND(dbsettime, "dbsettime")
    FIND(tdsdbopen, "tdsdbopen")
    FIND(dbclose, "dbclose")
    FIND(dbcmd, "dbcmd")
    FIND(dbsqlexec, "dbsqlexec")
    FIND(dbresults, "dbresults")
    FIND(dbnextrow, "dbnextrow")
    FIND(dbnumcols, "dbnumcols")
    FIND(dbdata, "dbdata")
    FIND(dbdatlen, "dbdatlen")
    FIND(bcp_init, "bcp_init")
    FIND(bcp_bind, "bcp_bind")
    FIND(bcp_colptr, "bcp_colptr")
    FIND(bcp_collen, "bcp_collen")
    FIND(bcp_sendrow, "bcp_sendrow")
    FIND(bcp_done, "bcp_done")
#undef FIND
    if (tds.dbinit() == FAIL) {
        failed = "FreeTDS's dbinit failed";
        return;
    }
    tds.dberrhandle(on_error);
    tds.dbmsghandle(on_message);
    failed = NULL;
}

const char *ao_tds_load(void) {
    pthread_once(&once, load);
    return failed;
}

const char *ao_tds_take_messages(void) {
    static __thread char taken[sizeof messages];
    memcpy(taken, messages, used + 1);
    used = 0;
    messages[0] = 0;
    return taken;
}

// The rest are called only after ao_tds_load() returned NULL.
LOGINREC *ao_dblogin(void) { return tds.dblogin(); }
void ao_dbloginfree(LOGINREC *login) { tds.dbloginfree(login); }
RETCODE ao_dbsetlname(LOGINREC *login, const char *value, int which) { return tds.dbsetlname(login, value, which); }
RETCODE ao_dbsetlbool(LOGINREC *login, int value, int which) { return tds.dbsetlbool(login, value, which); }
RETCODE ao_dbsetlversion(LOGINREC *login, BYTE version) { return tds.dbsetlversion(login, version); }
RETCODE ao_dbsetlogintime(int seconds) { return tds.dbsetlogintime(seconds); }
RETCODE ao_dbsettime(int seconds) { return tds.dbsettime(seconds); }
DBPROCESS *ao_dbopen(LOGINREC *login, const char *server) { return tds.tdsdbopen(login, server, 1); }
void ao_dbclose(DBPROCESS *process) { tds.dbclose(process); }
RETCODE ao_dbcmd(DBPROCESS *process, const char *command) { return tds.dbcmd(process, command); }
RETCODE ao_dbsqlexec(DBPROCESS *process) { return tds.dbsqlexec(process); }
RETCODE ao_dbresults(DBPROCESS *process) { return tds.dbresults(process); }
STATUS ao_dbnextrow(DBPROCESS *process) { return tds.dbnextrow(process); }
int ao_dbnumcols(DBPROCESS *process) { return tds.dbnumcols(process); }
BYTE *ao_dbdata(DBPROCESS *process, int column) { return tds.dbdata(process, column); }
DBINT ao_dbdatlen(DBPROCESS *process, int column) { return tds.dbdatlen(process, column); }
RETCODE ao_bcp_init(DBPROCESS *process, const char *table, int direction) { return tds.bcp_init(process, table, NULL, NULL, direction); }
RETCODE ao_bcp_bind(DBPROCESS *process, BYTE *address, int prefix, DBINT length, int type, int column) {
    return tds.bcp_bind(process, address, prefix, length, NULL, 0, type, column);
}
RETCODE ao_bcp_colptr(DBPROCESS *process, BYTE *address, int column) { return tds.bcp_colptr(process, address, column); }
RETCODE ao_bcp_collen(DBPROCESS *process, DBINT length, int column) { return tds.bcp_collen(process, length, column); }
RETCODE ao_bcp_sendrow(DBPROCESS *process) { return tds.bcp_sendrow(process); }
DBINT ao_bcp_done(DBPROCESS *process) { return tds.bcp_done(process); }
