// zlib from the system (Debian: zlib1g-dev), for the CRC-32 of a workbook's parts: ZIPFoundation
// computes it with zlib only where a module named `zlib` exists, and on Linux (where its own module
// is `CZlib`) with a table loop in Swift, 10% of a workbook's validation (measured).
#include <zlib.h>
