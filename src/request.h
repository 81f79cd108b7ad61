/*-------------------------------------------------------------------------
 *
 * request.h
 *	  Parsing and validation of CreateWebhookRequest and
 *	  UpdateWebhookRequest documents into a webhook's configuration.
 *
 * IDENTIFICATION
 *	  src/request.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef WEBHOOKS_REQUEST_H
#define WEBHOOKS_REQUEST_H

#include "config.h"

extern void wh_parse_create_request(Jsonb *request, WhWebhook *wh);
extern void wh_parse_update_request(Jsonb *request, WhWebhook *wh);

#endif							/* WEBHOOKS_REQUEST_H */
