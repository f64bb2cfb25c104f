/* pool.h — a fixed thread pool, started once per session (engine), reused for
 * every matmul. Plain pthreads natively and Emscripten pthreads in the
 * threaded wasm build; with GW_NO_THREADS (single-thread builds) it runs the
 * work inline on the caller.
 */
#ifndef GW_POOL_H
#define GW_POOL_H

#include "common.h"

typedef struct gw_pool gw_pool;

/* fn(arg, ith, nth) is called once for every ith in [0, nth). */
typedef void (*gw_task_fn)(void *arg, int ith, int nth);

/* n_threads counts the caller; n_threads <= 1 makes a pool that runs inline. */
int gw_pool_new(int n_threads, gw_pool **out, gw_err *err);
void gw_pool_free(gw_pool *p);
int gw_pool_size(const gw_pool *p); /* NULL pool -> 1 */
/* Run fn on all nth threads (the caller is thread 0) and wait. p may be NULL. */
void gw_pool_run(gw_pool *p, gw_task_fn fn, void *arg);

#endif
