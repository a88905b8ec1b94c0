public import Foundation

/// Starts a child with posix_spawn, its output on pipes created close-on-exec.
///
/// Foundation's `Process` creates inheritable pipes, so a long-lived child started by one test
/// (sshd, the sandbox) can inherit the write end of another test's pipe and keep it open: that
/// test then never sees end-of-file. Here every pipe end is close-on-exec, and only the child's
/// own ends are dup2'd onto its 0, 1 and 2.
public struct ChildProcess: Sendable {
    /// Pipes are made close-on-exec with pipe() and fcntl(); the lock keeps another spawn from
    /// happening in between.
    private static let spawnLock = NSLock()

    public let pid: pid_t
    /// The read ends of the child's standard output and error (nil when not captured).
    public let stdout: Int32?
    public let stderr: Int32?

    public static func spawn(
        _ path: String, _ arguments: [String], environment: [String: String], directory: String?,
        captureStdout: Bool = true, captureStderr: Bool = true
    ) throws -> ChildProcess {
        spawnLock.lock()
        defer { spawnLock.unlock() }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        var parentEnds: [Int32] = []
        var childEnds: [Int32] = []
        func pipeFor(_ target: Int32, _ capture: Bool) throws -> Int32? {
            guard capture else {
                posix_spawn_file_actions_addopen(&actions, target, "/dev/null", O_WRONLY, 0)
                return nil
            }
            var ends: [Int32] = [0, 0]
            guard pipe(&ends) == 0 else { throw BackgroundProcessError(message: "pipe failed") }
            _ = fcntl(ends[0], F_SETFD, FD_CLOEXEC)
            _ = fcntl(ends[1], F_SETFD, FD_CLOEXEC)
            posix_spawn_file_actions_adddup2(&actions, ends[1], target)
            parentEnds.append(ends[0])
            childEnds.append(ends[1])
            return ends[0]
        }
        let out = try pipeFor(1, captureStdout)
        let err = try pipeFor(2, captureStderr)
        // The working directory through coreutils' `env -C` (glibc's addchdir is not visible to Swift).
        let (program, programArguments) = directory.map { ("/usr/bin/env", ["-C", $0, path] + arguments) } ?? (path, arguments)
        let argv = ([program] + programArguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, program, &actions, nil, argv, envp)
        childEnds.forEach { close($0) }
        guard result == 0 else {
            parentEnds.forEach { close($0) }
            throw BackgroundProcessError(message: "posix_spawn \(path) failed: \(result)")
        }
        return ChildProcess(pid: pid, stdout: out, stderr: err)
    }

    /// Reads both pipes to their end (poll, so neither can fill and block the child), then waits
    /// for the child: its exit status, or the signal that ended it.
    public func finish() -> (status: Int32, signal: Int32?, stdout: [UInt8], stderr: [UInt8]) {
        var outBytes: [UInt8] = []
        var errBytes: [UInt8] = []
        var open = [stdout, stderr].compactMap { $0 }
        var buffer = [UInt8](repeating: 0, count: 65536)
        while !open.isEmpty {
            var fds = open.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            guard poll(&fds, nfds_t(fds.count), -1) >= 0 else { if errno == EINTR { continue } else { break } }
            for entry in fds where entry.revents != 0 {
                let count = read(entry.fd, &buffer, buffer.count)
                if count > 0 {
                    if entry.fd == stdout { outBytes += buffer[..<count] } else { errBytes += buffer[..<count] }
                } else if count == 0 || errno != EINTR {
                    close(entry.fd)
                    open.removeAll { $0 == entry.fd }
                }
            }
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let signaled = (status & 0x7F) != 0 && (status & 0x7F) != 0x7F
        return (signaled ? 128 + (status & 0x7F) : (status >> 8) & 0xFF, signaled ? status & 0x7F : nil, outBytes, errBytes)
    }

    /// Kills the child (SIGKILL: test servers are throwaway, and `openssl s_server` ignores
    /// SIGTERM while it waits for a connection) and waits for it.
    /// SIGINT, then waits for the process to end.
    public func interrupt() {
        kill(pid, SIGINT)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    }

    /// Opens the FIFO the child pauses on (`GONGSHI_PAUSE_FIFO`) for writing: returns once the
    /// child has opened it to read, that is, reached its pause. A child that ends before it gets
    /// there releases the wait (a thread that sees it end opens the FIFO itself) and `nil` is
    /// returned: a test then fails with the child's output instead of waiting for ever.
    public func openPauseFIFO(_ path: String) -> Int32? {
        let pid = self.pid
        Thread.detachNewThread {
            var info = siginfo_t()
            while waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT) < 0 && errno == EINTR {}
            let reader = open(path, O_RDONLY | O_NONBLOCK)
            if reader >= 0 { close(reader) }
        }
        let writer = open(path, O_WRONLY)
        var info = siginfo_t()
        if waitid(P_PID, id_t(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0, info._sifields._kill.si_pid == pid {
            if writer >= 0 { close(writer) }
            return nil
        }
        return writer >= 0 ? writer : nil
    }

    public func terminate() {
        kill(pid, SIGKILL)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    }
}
