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
// Memory: one malloc arena for all threads. glibc gives each thread that allocates while another
// holds the lock an arena of its own (up to 8 per core), and a thread's freed blocks stay in its
// arena: the validating workers', the sender's and the register writer's blocks were held three or
// four times over. Measured, 1,000,000 records, peak RSS (the kernel's maximum): 104.9 MB with
// glibc's default, 93–97 MB with one arena. It costs time: the threads now share one lock, and
// the heap's top is given back to the system (and taken again, zeroed) more often; keeping up to
// 8 MiB at the top (below) takes part of that away. 200,000 records, three pairs run one after
// the other: 94.7–95.2 MB against 98.8–98.9 MB, 20.5–24.4 s against 17.1–21.4 s (about 12% more,
// most of it system time). The 100 MB bound is the issue's; the time is noted in
// `docs/architecture.md`.
_ = mallopt(arenaMax, 1)
_ = mallopt(trimThreshold, 8 << 20)
#endif

await Gongshi.main()
