/*-------------------------------------------------------------------------
 *
 * pg_prelude.h
 *	  The PostgreSQL server headers every server-side file of the webhooks
 *	  extension uses, gathered in one place.
 *
 * Files that must build without the server (the pure checks and the ulid
 * codec, which are fuzzed outside PostgreSQL) do not include this header.
 *
 * IDENTIFICATION
 *	  src/pg_prelude.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef WEBHOOKS_PG_PRELUDE_H
#define WEBHOOKS_PG_PRELUDE_H

#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "nodes/pg_list.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"
#include "utils/uuid.h"

#include "compat.h"

#endif							/* WEBHOOKS_PG_PRELUDE_H */
