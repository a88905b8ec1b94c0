public import DisclosureCore
public import Foundation
public import PipelineConfig
import Synchronization

/// A pipeline's source files: what matches each source's folder and pattern, and each file's
/// fingerprint (its SHA-256 and size, read through one 128 KiB buffer), by which the ledger knows a file it
/// has settled.
public enum SourceFiles {
    /// The fingerprint of each readable file (path → fingerprint).
    public static func fingerprints(_ files: [String]) -> [String: SourceFingerprint] {
        var result: [String: SourceFingerprint] = [:]
        for file in files {
            guard let (sha256, size, stat) = Digest.fingerprint(path: file) else { continue }
            result[file] = SourceFingerprint(sha256: sha256, size: size, place: file, stat: stat)
        }
        return result
    }


    /// What a run reads: per source, its matching files (the nightly run leaves out the files a
    /// ledger says were settled by an earlier run), every file's fingerprint, and the settled ones.
    public struct Listing {
        public var sources: [(source: Pipeline.Source, files: [String])] = []
        /// The fingerprints taken; a file in ``taking`` has its own once it is awaited
        /// (``awaitFingerprints(_:)``).
        public var fingerprints: [String: SourceFingerprint] = [:]
        /// The fingerprints being taken while their files are read: files that cannot have been
        /// settled whatever their bytes (``classify(_:skipSettled:)``).
        var taking: Fingerprinting?
        public var settled: [String] = []
        /// Settled files known by their bytes whose identity and times can now vouch for them
        /// (settled before the ledger kept them, or changed just before they were read then): the
        /// run records their `stat`, and the next night knows them without reading them.
        public var vouched: [SourceFingerprint] = []

        /// Why a regular file's records cannot be taken: the run could not read it through to take
        /// its fingerprint (its record versions would have no file to belong to). Nil for a file
        /// with a fingerprint, and for one that is missing or not a regular file, which reading
        /// it fails with its own reason.
        /// A file whose fingerprint is still being taken is not refused before it is read, but
        /// after (``unfingerprinted(afterReading:)``).
        func unfingerprinted(_ file: String) -> Issue? {
            guard fingerprints[file] == nil, taking?.takes(file) != true else { return nil }
            return Self.unfingerprinted(regularFile: file)
        }

        /// ``unfingerprinted(_:)`` once the file has been read: for a file whose fingerprint was
        /// being taken meanwhile, waits for it; the file fails (its records dropped) without one,
        /// whatever it is now (read, its records would have no file in the ledger: no versions,
        /// and no period to end their publication).
        func unfingerprinted(afterReading file: String) -> Issue? {
            guard let taking, taking.takes(file), taking.wait(file) == nil else { return nil }
            return Self.unfingerprintedIssue
        }

        private static func unfingerprinted(regularFile file: String) -> Issue? {
            var status = stat()
            guard stat(file, &status) == 0, status.st_mode & S_IFMT == S_IFREG else { return nil }
            return unfingerprintedIssue
        }

        private static var unfingerprintedIssue: Issue {
            Issue(
                "file-unreadable", zh: "读不完这个文件（读取出错或没有读权限），无法记下它的指纹；本次不处理，下次运行再读",
                en: "the file could not be read through to take its fingerprint; it is left for the next run")
        }

        /// Waits for the fingerprints of `files` still being taken and adds them to ``fingerprints``.
        public mutating func awaitFingerprints(_ files: [String]) -> [String: SourceFingerprint] {
            guard let taking else { return [:] }
            var taken: [String: SourceFingerprint] = [:]
            for file in files where taking.takes(file) && fingerprints[file] == nil {
                if let print = taking.wait(file) { taken[file] = print }
            }
            fingerprints.merge(taken) { first, _ in first }
            return taken
        }

        public init() {}

        /// Adds files read as if they were in the inbox, each to the first source whose pattern
        /// matches its name, else to the first whose pattern has its suffix (`inbox/*.csv` takes
        /// `x.csv`); a file no source takes is left out.
        public mutating func add(_ extra: [String], of context: PipelineContext) {
            for file in extra {
                let suffix = (file as NSString).pathExtension.lowercased()
                let name = (file as NSString).lastPathComponent
                guard let source = context.pipeline.sources.first(where: { fnmatch(($0.path as NSString).lastPathComponent, name, 0) == 0 })
                    ?? context.pipeline.sources.first(where: { ($0.path as NSString).pathExtension.lowercased() == suffix })
                else { continue }
                fingerprints.merge(SourceFiles.fingerprints([file])) { first, _ in first }
                if let index = sources.firstIndex(where: { $0.source == source }) {
                    sources[index].files.append(file)
                } else {
                    sources.append((source, [file]))
                }
            }
        }
    }

    /// - Parameters:
    ///   - ledger: the ledger whose settled files are left out (nil: none are, and every file's
    ///     fingerprint is taken while it is read).
    ///   - readLast: files read after the other files of their source (those read again on a day
    ///     that has come), settled or not (a dry run does not unsettle them): a decision in one of
    ///     them and in a file not read before is taken from the latter (the department's later
    ///     export), the older copy reported as its duplicate.
    ///   - newestFirst: the ledger by which a range re-run orders each source's files (with no
    ///     `ledger`: it skips none): the files it never settled first, in the reverse of the
    ///     nightly run's order, then the settled ones, the one settled last first (``newestFirst(_:prints:settled:ledger:)``).
    public static func list(
        _ context: PipelineContext, skipSettled ledger: (any RunLedger)?, readLast: Set<String> = [],
        newestFirst order: (any RunLedger)? = nil
    ) throws(CommandFailure) -> Listing {
        var listing = Listing()
        var later: [String] = []
        var seen = Set<String>()
        for source in context.pipeline.sources {
            let folder = (context.resolve(source.path) as NSString).deletingLastPathComponent
            let all = PipelineLinter.matches(folder: folder, pattern: (source.path as NSString).lastPathComponent)
            if let order, ledger == nil {
                // Every file is read; the settled ones are known by their bytes (as the nightly
                // run knows them), their fingerprints taken here, the rest while they are read.
                // Nothing is settled or vouched for: a range re-run settles no file.
                let (prints, settled, _, _, unsettled) = try classify(all, skipSettled: order)
                listing.fingerprints.merge(prints) { first, _ in first }
                later += unsettled.filter { seen.insert($0).inserted }
                let ordered = try newestFirst(all, prints: prints, settled: settled, ledger: order)
                if !ordered.isEmpty { listing.sources.append((source, ordered)) }
                continue
            }
            let (prints, settled, files, vouched, unsettled) = try classify(all, skipSettled: ledger, readAgain: readLast)
            listing.fingerprints.merge(prints) { first, _ in first }
            listing.settled += settled
            listing.vouched += vouched
            later += unsettled.filter { seen.insert($0).inserted }
            // (Within the source: its files are checked for duplicate decisions together.)
            let ordered = files.filter { !readLast.contains($0) } + files.filter(readLast.contains)
            if !ordered.isEmpty { listing.sources.append((source, ordered)) }
        }
        // Fingerprinted in the order the files are read.
        later = later.filter { !readLast.contains($0) } + later.filter(readLast.contains)
        // In the order they are read, on the checking thread: the first file's is ready first.
        // (Taken before anything was read, a 180 MB file's fingerprint kept one core busy and the
        // other idle for 0.15 s of a 5-second first run.)
        if !later.isEmpty { listing.taking = Fingerprinting(later) }
        return listing
    }

    /// A range re-run's order of a source's files: the department's latest export of a decision
    /// first, so that it is the copy taken and the older ones are its duplicates (`duplicate-key`).
    /// A file never settled (new since the last nightly run, or changed) comes before every settled
    /// one, the last of the nightly run's order first; then the settled ones, the one a later run
    /// settled first. Of files settled by one run, the later in the nightly run's order comes first:
    /// one holding decisions an earlier file of that night held is read again the next night and its
    /// copies are taken then. (Name order kept the first file's copy: a corrected record read from
    /// an older export was sent back out as a "correction" of the newer one.)
    static func newestFirst(_ all: [String], prints: [String: SourceFingerprint], settled: [String], ledger: any RunLedger)
        throws(CommandFailure) -> [String]
    {
        let runs = try CommandFailure.ledger { () throws(LedgerError) in
            try ledger.settledRuns(settled.compactMap { prints[$0] })
        }
        return all.enumerated().sorted { a, b in
            let (runA, runB) = (runs[a.element] ?? .max, runs[b.element] ?? .max)
            return runA != runB ? runA > runB : a.offset > b.offset
        }.map(\.element)
    }

    /// The fingerprints of `all`, and which of them `ledger` says an earlier run settled (the rest
    /// are read). A settled file whose identity and times are as they were then
    /// (``SourceFingerprint/stat``) is known unchanged without reading it through: its
    /// fingerprint is the ledger's (hashing a 180 MB file took 0.25 s of a 1.6 s nightly re-run).
    /// `vouched`: the settled files known by their bytes whose `stat` can vouch for them now.
    /// `unsettled`: fresh files whose fingerprints are not taken here, because whatever their bytes
    /// no earlier run settled them: no file of their size was settled where they are
    /// (``RunLedger/hasSettled(place:size:)``), or no settled file is left out (no ledger).
    static func classify(_ all: [String], skipSettled ledger: (any RunLedger)?, readAgain: Set<String> = []) throws(CommandFailure)
        -> (prints: [String: SourceFingerprint], settled: [String], fresh: [String], vouched: [SourceFingerprint], unsettled: [String])
    {
        var known: [String: SourceFingerprint] = [:]
        var unsettled: [String] = []
        var later = Set<String>()
        for file in all {
            guard let status = FileStat(path: file) else { continue }  // (read now: fails as it would)
            guard let ledger, !readAgain.contains(file) else {
                if later.insert(file).inserted { unsettled.append(file) }
                continue
            }
            if let print = try CommandFailure.ledger({ () throws(LedgerError) in
                try ledger.settledFingerprint(place: file, stat: status.signature)
            }) {
                known[file] = print
            } else if try !CommandFailure.ledger({ () throws(LedgerError) in try ledger.hasSettled(place: file, size: status.size) }) {
                if later.insert(file).inserted { unsettled.append(file) }
            }
        }
        let prints = fingerprints(all.filter { known[$0] == nil && !later.contains($0) }).merging(known) { read, _ in read }
        var settled: [String] = []
        var fresh: [String] = []
        var vouched: [SourceFingerprint] = []
        for file in all {
            if let ledger, let print = prints[file] {
                if known[file] != nil {
                    settled.append(file)
                    continue
                }
                if try CommandFailure.ledger({ () throws(LedgerError) in try ledger.isSettled(print) }) {
                    settled.append(file)
                    if print.stat != nil { vouched.append(print) }
                    continue
                }
            }
            fresh.append(file)
        }
        return (prints, settled, fresh, vouched, unsettled)
    }

    /// Fingerprints taken one file after another on the checking thread while the run reads the
    /// files, 4 MiB at a time between the batches it checks (``ParallelEvaluation/checkingThread``);
    /// each is waited for where it is needed. (Taken whole ahead of the checking, the reading
    /// thread soon waited for its oldest batch, queued behind the fingerprint, and nothing was gained;
    /// on a thread of its own, it took the second malloc arena first: see `checkingThread`.)
    final class Fingerprinting: Sendable {
        private let taken: [String: DispatchSemaphore]
        private let prints = Mutex<[String: SourceFingerprint]>([:])
        static let part = 4 << 20

        init(_ files: [String]) {
            taken = Dictionary(uniqueKeysWithValues: files.map { ($0, DispatchSemaphore(value: 0)) })
            ParallelEvaluation.checkingThread.async { [self] in read(files[...]) }
        }

        /// Takes the first file's fingerprint a part at a time, each part a job of its own behind
        /// the batches queued meanwhile; then the next file's.
        /// The next file is a job of its own too: a backlog of small files, each done in one
        /// part, neither deepens the stack file by file nor keeps the checking waiting.
        private func read(_ files: ArraySlice<String>) {
            guard let file = files.first else { return }
            let rest = files.dropFirst()
            guard let reading = Digest.FingerprintReading(path: file) else {
                done(file, nil)
                ParallelEvaluation.checkingThread.async { [self] in read(rest) }
                return
            }
            @Sendable func part() {
                guard reading.step(bytes: Self.part) else {
                    ParallelEvaluation.checkingThread.async(execute: part)
                    return
                }
                done(file, reading.result.map { SourceFingerprint(sha256: $0.sha256, size: $0.size, place: file, stat: $0.stat) })
                ParallelEvaluation.checkingThread.async { [self] in read(rest) }
            }
            part()
        }

        private func done(_ file: String, _ print: SourceFingerprint?) {
            if let print { prints.withLock { $0[file] = print } }
            taken[file]?.signal()
        }

        /// Whether `file`'s fingerprint is taken here.
        func takes(_ file: String) -> Bool { taken[file] != nil }

        /// `file`'s fingerprint once it is taken; nil when the file could not be read through.
        func wait(_ file: String) -> SourceFingerprint? {
            guard let done = taken[file] else { return nil }
            done.wait()
            done.signal()  // (for whoever waits next)
            return prints.withLock { $0[file] }
        }
    }
}
