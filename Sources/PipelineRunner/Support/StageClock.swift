public import Logging

/// The time each stage of a run takes, logged at debug level (`GONGSHI_LOG_LEVEL=debug`): where a
/// slow night went, and what `gongshi-bench pipeline` breaks its figures down by.
struct StageClock {
    private let logger: Logger
    private var start = ContinuousClock.now

    init(logger: Logger) { self.logger = logger }

    /// The time since the last lap (or the start), logged under `stage`.
    mutating func lap(_ stage: String) {
        let now = ContinuousClock.now
        let elapsed = start.duration(to: now)
        start = now
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let rounded = (seconds * 1000).rounded() / 1000
        logger.debug("阶段 \(stage)：\(rounded) 秒", metadata: ["stage": "\(stage)", "seconds": "\(rounded)"])
    }
}
