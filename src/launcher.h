/*-------------------------------------------------------------------------
 *
 * launcher.h
 *	  The launcher of the delivery workers.
 *
 * IDENTIFICATION
 *	  src/launcher.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef WEBHOOKS_LAUNCHER_H
#define WEBHOOKS_LAUNCHER_H

#define WH_RESTART_DELAY_MS 5000	/* a worker that stopped starts again after */

extern void wh_register_launcher(void);
extern void wh_launcher_hooks(void);
extern PGDLLEXPORT void webhooks_launcher_main(Datum main_arg);

#endif							/* WEBHOOKS_LAUNCHER_H */
