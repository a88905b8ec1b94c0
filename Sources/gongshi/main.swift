import Allocator
import GongshiCLI

// `gongshi validate` alone (no ledger, no feeds) keeps freed pages 1 ms. An XML file's records are
// made on the parsing thread and freed on the checking ones, so that with pages given back at once
// each was faulted in again: a million XML records took 6.9 s (glibc's malloc 5.8 s), and 4.7 s
// with 1 ms, at the same peak (83 MB). A run keeps 0: 1 ms raised a million-record run's peak from
// 93 to 98 MB.
if CommandLine.arguments.dropFirst().first == "validate" { gongshi_allocator_keep_freed_pages(1) }

// The process's malloc is mimalloc, linked and set up by the Allocator target (why, with the
// figures, is written there); this asks it what it runs with, for the debug log.
var description = [CChar](repeating: 0, count: 256)
gongshi_allocator_describe(&description, Int32(description.count))
let allocator = String(decoding: description.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)

await Gongshi.main(allocator: allocator)
