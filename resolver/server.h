/*
 * The server: listeners, upstreams, cache and every query in between, on
 * one libuv loop. main() creates it from a config and runs the loop; the
 * loop ends after SIGINT/SIGTERM once every handle has closed.
 */
#ifndef DST_SERVER_H
#define DST_SERVER_H

#include <uv.h>

#include "config/config.h"

struct dst_server;

/*
 * Binds every listener and prepares upstreams (no upstream connection is
 * opened yet). cfg is borrowed and must outlive the server. Problems are
 * logged; returns 0 or a negative code.
 */
int dst_server_new(uv_loop_t *loop, const struct dst_config *cfg, struct dst_server **out);

/* Starts an orderly shutdown: listeners close, queries are dropped. */
void dst_server_stop(struct dst_server *srv);

/* Frees what is left once uv_run has returned. */
void dst_server_free(struct dst_server *srv);

#endif
