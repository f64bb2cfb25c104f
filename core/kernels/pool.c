/* pool.c — the fixed thread pool: persistent workers started once in
 * gw_pool_new and woken for every gw_pool_run. Workers spin briefly on a
 * generation counter (a decode step runs many short jobs back to back, so
 * wake-up latency matters), then sleep on a condition variable. The caller
 * is thread 0 and does its share before waiting for the others. With
 * GW_NO_THREADS, or one thread, everything runs inline. The pool also owns a
 * scratch buffer for the kernels (see kernels_internal.h). */
#include <stdlib.h>

#include "kernels_internal.h"

#ifndef GW_NO_THREADS
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define CPU_RELAX() _mm_pause()
#else
#define CPU_RELAX() ((void)0)
#endif
/* Spin iterations before a worker (or the caller) blocks; every
 * GW_POOL_YIELD-th iteration yields the core, so on a machine with more
 * runnable threads than cores the thread being waited for can run. */
#define GW_POOL_SPIN 20000
#define GW_POOL_YIELD 256
#define SPIN_PAUSE(i) do { CPU_RELAX(); if (((i) & (GW_POOL_YIELD - 1)) == GW_POOL_YIELD - 1) sched_yield(); } while (0)
#endif

struct gw_pool {
    int n;
    void *scratch;
    size_t scratch_size;
#ifndef GW_NO_THREADS
    pthread_t *threads;
    struct worker_arg { struct gw_pool *p; int ith; } *wargs;
    int n_started;
    pthread_mutex_t mu;
    pthread_cond_t cv_work, cv_done;
    atomic_uint gen;    /* bumped once per job */
    atomic_int pending; /* workers still running the current job */
    atomic_int stop;
    gw_task_fn fn;      /* the job; written before gen is bumped */
    void *arg;
#endif
};

#ifndef GW_NO_THREADS
static void *worker_main(void *v) {
    struct worker_arg *wa = v;
    gw_pool *p = wa->p;
    unsigned seen = 0;
    for (;;) {
        unsigned g = atomic_load_explicit(&p->gen, memory_order_acquire);
        for (int i = 0; i < GW_POOL_SPIN && g == seen && !atomic_load_explicit(&p->stop, memory_order_relaxed); i++) {
            SPIN_PAUSE(i);
            g = atomic_load_explicit(&p->gen, memory_order_acquire);
        }
        if (g == seen) {
            pthread_mutex_lock(&p->mu);
            while ((g = atomic_load_explicit(&p->gen, memory_order_acquire)) == seen && !atomic_load(&p->stop))
                pthread_cond_wait(&p->cv_work, &p->mu);
            pthread_mutex_unlock(&p->mu);
        }
        if (atomic_load(&p->stop)) break;
        seen = g;
        p->fn(p->arg, wa->ith, p->n);
        if (atomic_fetch_sub_explicit(&p->pending, 1, memory_order_acq_rel) == 1) {
            pthread_mutex_lock(&p->mu);
            pthread_cond_signal(&p->cv_done);
            pthread_mutex_unlock(&p->mu);
        }
    }
    return NULL;
}
#endif

int gw_pool_new(int n_threads, gw_pool **out, gw_err *err) {
    *out = NULL;
    gw_pool *p = calloc(1, sizeof *p);
    if (!p) return gw_set_err(err, GW_E_NOMEM, "thread pool: out of memory");
#ifdef GW_NO_THREADS
    p->n = 1;
#else
    p->n = n_threads > 1 ? n_threads : 1;
    if (p->n > 1) {
        p->threads = calloc((size_t)p->n, sizeof *p->threads);
        p->wargs = calloc((size_t)p->n, sizeof *p->wargs);
        if (!p->threads || !p->wargs) {
            free(p->threads); free(p->wargs); free(p);
            return gw_set_err(err, GW_E_NOMEM, "thread pool: out of memory");
        }
        pthread_mutex_init(&p->mu, NULL);
        pthread_cond_init(&p->cv_work, NULL);
        pthread_cond_init(&p->cv_done, NULL);
        atomic_init(&p->gen, 0);
        atomic_init(&p->pending, 0);
        atomic_init(&p->stop, 0);
        for (int i = 1; i < p->n; i++) {
            p->wargs[i].p = p;
            p->wargs[i].ith = i;
            if (pthread_create(&p->threads[i], NULL, worker_main, &p->wargs[i]) != 0) {
                int started = p->n_started;
                gw_pool_free(p);
                return gw_set_err(err, GW_E_NOMEM, "thread pool: could not start thread %d of %d (%d running)",
                                  i + 1, n_threads, started + 1);
            }
            p->n_started = i;
        }
    }
#endif
    *out = p;
    return GW_OK;
}

void gw_pool_free(gw_pool *p) {
    if (!p) return;
#ifndef GW_NO_THREADS
    if (p->n > 1) {
        pthread_mutex_lock(&p->mu);
        atomic_store(&p->stop, 1);
        pthread_cond_broadcast(&p->cv_work);
        pthread_mutex_unlock(&p->mu);
        for (int i = 1; i <= p->n_started; i++) pthread_join(p->threads[i], NULL);
        pthread_cond_destroy(&p->cv_work);
        pthread_cond_destroy(&p->cv_done);
        pthread_mutex_destroy(&p->mu);
    }
    free(p->threads);
    free(p->wargs);
#endif
    free(p->scratch);
    free(p);
}

int gw_pool_size(const gw_pool *p) { return p ? p->n : 1; }

void gw_pool_run(gw_pool *p, gw_task_fn fn, void *arg) {
    if (!p || p->n <= 1) { fn(arg, 0, 1); return; }
#ifndef GW_NO_THREADS
    p->fn = fn;
    p->arg = arg;
    atomic_store_explicit(&p->pending, p->n - 1, memory_order_relaxed);
    pthread_mutex_lock(&p->mu); /* pairs with the workers' check-then-wait */
    atomic_fetch_add_explicit(&p->gen, 1, memory_order_release);
    pthread_cond_broadcast(&p->cv_work);
    pthread_mutex_unlock(&p->mu);

    fn(arg, 0, p->n);

    for (int i = 0; i < GW_POOL_SPIN && atomic_load_explicit(&p->pending, memory_order_acquire) != 0; i++)
        SPIN_PAUSE(i);
    if (atomic_load_explicit(&p->pending, memory_order_acquire) != 0) {
        pthread_mutex_lock(&p->mu);
        while (atomic_load_explicit(&p->pending, memory_order_acquire) != 0)
            pthread_cond_wait(&p->cv_done, &p->mu);
        pthread_mutex_unlock(&p->mu);
    }
#endif
}

void *gw_pool_scratch(gw_pool *p, size_t bytes) {
    if (!p) return NULL;
    if (bytes > p->scratch_size) {
        void *nb = realloc(p->scratch, bytes);
        if (!nb) return NULL;
        p->scratch = nb;
        p->scratch_size = bytes;
    }
    return p->scratch;
}
