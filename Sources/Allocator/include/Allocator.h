#ifndef GONGSHI_ALLOCATOR_H
#define GONGSHI_ALLOCATOR_H

/// The allocator's name, version and the settings it runs with, and whether malloc is it
/// ("mimalloc 209 decommit_delay:0 malloc:mimalloc"),
/// written into `buffer`.
void gongshi_allocator_describe(char *buffer, int capacity);

/// Keeps a page freed this long before giving it back to the system (0, at once, unless said).
void gongshi_allocator_keep_freed_pages(long milliseconds);

#endif
