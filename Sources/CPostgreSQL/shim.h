// libpq, PostgreSQL's C client library (Debian: libpq-dev).
#ifndef AUGUR_CPOSTGRESQL_SHIM_H
#define AUGUR_CPOSTGRESQL_SHIM_H
#include <postgresql/libpq-fe.h>
#endif
