// The `gongshi` executable's memory allocator: mimalloc (Debian libmimalloc2.0), linked ahead of
// glibc so that it serves every allocation of the process (Swift's runtime, SQLite, libcurl,
// libxml2).
//
// Why (measured on the 2-core machine, a first run of 200,000 records; docs/architecture.md):
// glibc's malloc had to be held to one arena to keep a million-record run under 100 MB (each
// thread's arena kept what that thread freed), and with one arena the run's threads queue on its
// lock: a quarter of the publish stage's samples were malloc, free and the kernel waking the
// thread that waited. mimalloc's per-thread heaps take that away: 9.4-9.9 s against 10.6-12.3 s
// for the same run, at the same peak (90.6-92.1 MB against 90.1 MB; a million records 95 MB
// against 97 MB).
//
// jemalloc was as fast (9.4-10.0 s, 92.7-93.6 MB; a million records 97 MB) but calls
// clock_gettime while it starts, before libfaketime is ready: the tests that set a gongshi
// process's clock with faketime (TodayTests) hung. mimalloc does not.
#include "Allocator.h"

#include <mimalloc.h>
#include <stdio.h>
#include <stdlib.h>

// How long a page freed is kept before it is given back to the system. MIMALLOC_DECOMMIT_DELAY (or
// its older name MIMALLOC_RESET_DELAY) in the environment decides instead, for measuring.
void gongshi_allocator_keep_freed_pages(long milliseconds) {
    if (getenv("MIMALLOC_DECOMMIT_DELAY") == NULL && getenv("MIMALLOC_RESET_DELAY") == NULL) {
        mi_option_set(mi_option_decommit_delay, milliseconds);
    }
}

// By default, pages freed are given back at once. mimalloc's own default waits 25 ms, during which
// a run's freed batches and the next batch's were both held: peak 101-102 MB against 91-92 MB for
// 200,000 records; 1 ms gave a million-record run 98 MB against 93 MB with 0.
__attribute__((constructor)) static void gongshi_allocator_settings(void) { gongshi_allocator_keep_freed_pages(0); }

void gongshi_allocator_describe(char *buffer, int capacity) {
    // Whether malloc itself is mimalloc's (linked after glibc, it would not be): a block from
    // malloc lies in mimalloc's heap only then.
    void *probe = malloc(64);
    int serves = mi_is_in_heap_region(probe);
    free(probe);
    snprintf(buffer, (size_t)capacity, "mimalloc %d decommit_delay:%ld malloc:%s", mi_version(),
             mi_option_get(mi_option_decommit_delay), serves ? "mimalloc" : "other");
}
