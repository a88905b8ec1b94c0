import GongshiCLI

#if os(Linux)
/// glibc's `mallopt` (malloc.h, which Swift's Glibc module does not include).
@_silgen_name("mallopt") func mallopt(_ parameter: Int32, _ value: Int32) -> Int32
/// `M_MMAP_THRESHOLD` in malloc.h.
let mmapThreshold: Int32 = -3

// Memory: a block of 256 KiB or more (a feed batch's file, a batch of records between threads) is
// mapped from and returned to the system, always. glibc otherwise raises this threshold each time
// such a block is freed (up to 32 MiB), after which those blocks come from the heap and stay there
// fragmented: measured, 200,000 records, the run's peak 104–111 MB with glibc's default and 95–98 MB
// with this (1,000,000 records: 102 MB), at the same speed; 128 KiB gained nothing more.
_ = mallopt(mmapThreshold, 256 << 10)
#endif

await Gongshi.main()
