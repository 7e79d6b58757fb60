/*
 * Allocation-failure injection, preloaded into marrow (LD_PRELOAD): the FAIL_AT-th
 * call of malloc, calloc, realloc or strdup (counting from 1) fails as if memory ran
 * out, and every later one succeeds.  At exit it writes to FAIL_REPORT (when set)
 * "CALLS LIVE_BLOCKS LIVE_BYTES": how many allocations the run asked for, and what
 * was still allocated, so that a run whose allocation failed can be compared with
 * one that did not (tests/fault/alloc_failure.sh).
 */
#define _GNU_SOURCE

#include <dlfcn.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Live blocks, by address, in an open-addressing table that never allocates. */
#define SLOTS (1u << 22)
static struct {
    void *p;
    size_t n;
} live[SLOTS];
static unsigned long calls, fail_at;
static long long live_blocks, live_bytes;
static int ready, busy;
static void *(*real_malloc)(size_t);
static void *(*real_calloc)(size_t, size_t);
static void *(*real_realloc)(void *, size_t);
static void (*real_free)(void *);

/* dlsym may calloc before real_calloc is known: serve it from here. */
static char early[4096];
static size_t early_used;

static size_t
slot_of(void *p)
{
    uintptr_t h = (uintptr_t) p;
    h ^= h >> 17;
    h *= 0x9E3779B97F4A7C15ull;
    return (size_t) (h >> 40) & (SLOTS - 1);
}

static void
track(void *p, size_t n)
{
    if (p == NULL) {
        return;
    }
    size_t i = slot_of(p);
    while (live[i].p != NULL && live[i].p != (void *) 1) {
        i = (i + 1) & (SLOTS - 1);
    }
    live[i].p = p;
    live[i].n = n;
    live_blocks++;
    live_bytes += (long long) n;
}

static void
untrack(void *p)
{
    if (p == NULL) {
        return;
    }
    for (size_t i = slot_of(p); live[i].p != NULL; i = (i + 1) & (SLOTS - 1)) {
        if (live[i].p == p) {
            live[i].p = (void *) 1; /* a tombstone */
            live_blocks--;
            live_bytes -= (long long) live[i].n;
            return;
        }
    }
}

static void
report(void)
{
    const char *path = getenv("FAIL_REPORT");
    if (path != NULL) {
        busy = 1;
        FILE *f = fopen(path, "w");
        if (f != NULL) {
            fprintf(f, "%lu %lld %lld\n", calls, live_blocks, live_bytes);
            fclose(f);
        }
    }
}

static void
init(void)
{
    if (ready) {
        return;
    }
    busy = 1;
    real_malloc = dlsym(RTLD_NEXT, "malloc");
    real_calloc = dlsym(RTLD_NEXT, "calloc");
    real_realloc = dlsym(RTLD_NEXT, "realloc");
    real_free = dlsym(RTLD_NEXT, "free");
    const char *s = getenv("FAIL_AT");
    fail_at = s != NULL ? strtoul(s, NULL, 10) : 0;
    ready = 1;
    busy = 0;
    atexit(report);
}

/* Count this call; 1 when it is the one to fail. */
static int
fails(void)
{
    if (busy) {
        return 0;
    }
    calls++;
    return fail_at != 0 && calls == fail_at;
}

void *
malloc(size_t n)
{
    init();
    if (fails()) {
        errno = ENOMEM;
        return NULL;
    }
    void *p = real_malloc(n);
    if (!busy) {
        track(p, n);
    }
    return p;
}

void *
calloc(size_t k, size_t n)
{
    if (real_calloc == NULL) {
        /* dlsym's own allocation, before init is done */
        size_t need = (k * n + 15) & ~(size_t) 15;
        if (early_used + need > sizeof(early)) {
            return NULL;
        }
        void *p = early + early_used;
        early_used += need;
        return p;
    }
    init();
    if (fails()) {
        errno = ENOMEM;
        return NULL;
    }
    void *p = real_calloc(k, n);
    if (!busy) {
        track(p, k * n);
    }
    return p;
}

void *
realloc(void *old, size_t n)
{
    init();
    if (fails()) {
        errno = ENOMEM;
        return NULL;
    }
    void *p = real_realloc(old, n);
    if (!busy && p != NULL) {
        untrack(old);
        track(p, n);
    }
    return p;
}

void
free(void *p)
{
    if ((char *) p >= early && (char *) p < early + sizeof(early)) {
        return;
    }
    init();
    if (!busy) {
        untrack(p);
    }
    real_free(p);
}

char *
strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = malloc(n);
    if (p != NULL) {
        memcpy(p, s, n);
    }
    return p;
}
