/* webhooks--1.0--1.1.sql: upgrade from version 1.0 to 1.1 */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION webhooks UPDATE TO '1.1'" to load this file. \quit

/*
 * Every change since 1.0 is made here, grouped by what it serves; a fresh
 * install of 1.1 runs webhooks--1.0.sql and then this file (see the Makefile).
 */

/* ---- pg_dump keeps everything the database holds (issue 11) ---- */

-- 1.0 marked only the webhooks and the registered event types for pg_dump,
-- so a dump and restore (how a database moves to another major version
-- without pg_upgrade) lost the events, the delivery queue, the diverted
-- events, the attempt log and the counters.  They are the database's data
-- as much as the webhooks are: the queue is owed deliveries, and the events,
-- diverted events and attempts are read through the API.  A delivery that
-- was leased when the dump was taken is sent once its lease has run out.
SELECT pg_catalog.pg_extension_config_dump('webhooks._event', '');
SELECT pg_catalog.pg_extension_config_dump('webhooks._delivery', '');
SELECT pg_catalog.pg_extension_config_dump('webhooks._diverted_event', '');
SELECT pg_catalog.pg_extension_config_dump('webhooks._attempt', '');
SELECT pg_catalog.pg_extension_config_dump('webhooks._attempt_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('webhooks._webhook_stats', '');
