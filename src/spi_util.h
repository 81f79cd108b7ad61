/*-------------------------------------------------------------------------
 *
 * spi_util.h
 *	  Reading columns of SPI result rows.
 *
 * IDENTIFICATION
 *	  src/spi_util.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef WEBHOOKS_SPI_UTIL_H
#define WEBHOOKS_SPI_UTIL_H

/* a column of a function's result, as the worker reads it */
typedef struct WhResultColumn
{
	const char *name;
	Oid			type;
} WhResultColumn;

extern bool wh_col_bool(HeapTuple tup, TupleDesc desc, int col);
extern char *wh_col_text(HeapTuple tup, TupleDesc desc, int col);
extern void wh_col_uuid(HeapTuple tup, TupleDesc desc, int col, void *out);

#endif							/* WEBHOOKS_SPI_UTIL_H */
