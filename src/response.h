/*-------------------------------------------------------------------------
 *
 * response.h
 *	  Building the API's JSON responses.
 *
 * IDENTIFICATION
 *	  src/response.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef WEBHOOKS_RESPONSE_H
#define WEBHOOKS_RESPONSE_H

#include "config.h"

extern Jsonb *wh_webhook_response(const WhWebhook *wh);
extern Jsonb *wh_webhook_list_response(List *webhooks, bool completed);

#endif							/* WEBHOOKS_RESPONSE_H */
