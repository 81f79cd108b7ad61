/* webhooks--1.0--1.1.sql: upgrade from version 1.0 to 1.1 */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION webhooks UPDATE TO '1.1'" to load this file. \quit

/*
 * Every change since 1.0 is made here, grouped by what it serves; a fresh
 * install of 1.1 runs webhooks--1.0.sql and then this file (see the Makefile).
 */
