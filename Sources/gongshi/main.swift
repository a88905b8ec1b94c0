import GongshiCLI

#if os(Linux)
/// glibc's `mallopt` (malloc.h, which Swift's Glibc module does not include).
@_silgen_name("mallopt") func mallopt(_ parameter: Int32, _ value: Int32) -> Int32
/// `M_TRIM_THRESHOLD`, `M_MMAP_THRESHOLD` and `M_ARENA_MAX` in malloc.h.
let trimThreshold: Int32 = -1
let mmapThreshold: Int32 = -3
let arenaMax: Int32 = -8

// Memory: a block of 256 KiB or more (a feed batch's file, a batch of records between threads) is
// mapped from and returned to the system, always. glibc otherwise raises this threshold each time
// such a block is freed (up to 32 MiB), after which those blocks come from the heap and stay there
// fragmented: measured, 200,000 records, the run's peak 104–111 MB with glibc's default and 95–98 MB
// with this (1,000,000 records: 102 MB), at the same speed; 128 KiB gained nothing more.
_ = mallopt(mmapThreshold, 256 << 10)
// Memory and time: two malloc arenas, one per core. glibc gives each thread that allocates while
// another holds the lock an arena of its own (up to 8 per core), and a thread's freed blocks stay in
// its arena: the validating workers', the sender's and the register writer's blocks were held three
// or four times over (1,000,000 records: 104.9 MB peak RSS with glibc's default). One arena for all
// threads (from the seventh session on) kept the million under 100 MB, but the threads then
// queued on its lock: in a first run's publish stage a quarter of the samples were malloc, free
// and the kernel waking the thread that waited. Since a feed batch's file is no longer copied
// whole (FeedEncoder, 5 MB less at the publish stage's peak), two arenas fit. Measured, release
// build, alternating, 2026-12-05: 200,000 records, first run 9.4–9.8 s against 11.9–14.1 s with one
// arena, peak 95 against 90 MB; 1,000,000 records, peak 96–97 MB (one arena: 94–97); `validate` of
// a million XML records 4.4 s against 5.0 s, of a million CSV records the same. (mimalloc and
// jemalloc linked in instead were as fast; see docs/architecture.md for why they were not kept.)
_ = mallopt(arenaMax, 2)
// Time: up to 8 MiB stays at the top of a heap when blocks there are freed, instead of being given
// back to the system and taken again, zeroed, by the next allocations (part of what one arena cost).
_ = mallopt(trimThreshold, 8 << 20)
#endif

await Gongshi.main()
