public import Foundation

/// A real browser the tests drive as a person would: Debian's chromium, headless, through
/// chromedriver (W3C WebDriver, HTTP on 127.0.0.1, spoken here with curl): open a page, type into
/// fields, click, read the page, its URL and cookies, take a screenshot.
public final class WebDriver: @unchecked Sendable {
    private let driver: BackgroundProcess
    private let port: Int
    private let session: String
    private let profile: URL

    public init() throws {
        // A free port found here may be taken before chromedriver binds it (tests start servers in
        // parallel; chromedriver binds ::1 as well as 127.0.0.1): it then exits at once, and
        // another port is tried.
        var attempt = 0
        while true {
            attempt += 1
            let port = try freeLoopbackPort()
            do {
                driver = try BackgroundProcess(
                    URL(fileURLWithPath: "/usr/bin/chromedriver"), ["--port=\(port)", "--allowed-ips=127.0.0.1"],
                    readyText: "was started successfully")
                self.port = port
                break
            } catch where attempt < 5 {
                continue
            }
        }
        profile = Scratch.root.appendingPathComponent("gongshi-webdriver-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: profile, withIntermediateDirectories: true)
        let capabilities: [String: Any] = [
            "capabilities": [
                "alwaysMatch": [
                    "browserName": "chrome",
                    "goog:chromeOptions": [
                        "binary": "/usr/bin/chromium",
                        "args": [
                            "--headless", "--no-sandbox", "--disable-gpu", "--window-size=1280,900", "--lang=zh-CN",
                            "--user-data-dir=\(profile.path)",
                        ],
                    ],
                ]
            ]
        ]
        let answer = try Self.call("POST", "http://127.0.0.1:\(port)/session", capabilities)
        guard let value = answer["value"] as? [String: Any], let id = value["sessionId"] as? String else {
            driver.stop()
            throw BackgroundProcessError(message: "chromedriver gave no session: \(answer)")
        }
        session = id
        // Finding an element waits up to 10 s for it to appear (a page still loading after a click):
        // WebDriver's own implicit wait, not a sleep.
        _ = try Self.call("POST", "http://127.0.0.1:\(port)/session/\(id)/timeouts", ["implicit": 10_000])
    }

    private var base: String { "http://127.0.0.1:\(port)/session/\(session)" }

    public func open(_ url: String) throws { _ = try Self.call("POST", "\(base)/url", ["url": url]) }

    /// The element the CSS selector finds first.
    public func element(_ css: String) throws -> String {
        let answer = try Self.call("POST", "\(base)/element", ["using": "css selector", "value": css])
        guard let value = answer["value"] as? [String: Any], let id = value.first(where: { $0.key.hasPrefix("element-") })?.value as? String else {
            throw BackgroundProcessError(message: "no element \(css) on \(try url()): \(answer)")
        }
        return id
    }

    public func type(_ css: String, _ text: String) throws {
        let id = try element(css)
        _ = try Self.call("POST", "\(base)/element/\(id)/clear", [String: Any]())
        _ = try Self.call("POST", "\(base)/element/\(id)/value", ["text": text])
    }

    public func click(_ css: String) throws { _ = try Self.call("POST", "\(base)/element/\(try element(css))/click", [String: Any]()) }

    /// Removes a form field from the page (a form sent without it, as a forged one would be).
    public func remove(_ css: String) throws {
        _ = try Self.call("POST", "\(base)/execute/sync", ["script": "document.querySelector(arguments[0]).remove()", "args": [css]])
    }

    /// The page's HTML as the browser has it now.
    public func source() throws -> String { try Self.call("GET", "\(base)/source", nil)["value"] as? String ?? "" }

    /// The visible text of the first element the CSS selector finds.
    public func text(_ css: String) throws -> String {
        try Self.call("GET", "\(base)/element/\(try element(css))/text", nil)["value"] as? String ?? ""
    }

    public func url() throws -> String { try Self.call("GET", "\(base)/url", nil)["value"] as? String ?? "" }

    /// The cookies the browser holds for the current page, as WebDriver describes them (name,
    /// value, httpOnly, sameSite, path …).
    public func cookies() throws -> [[String: Any]] { try Self.call("GET", "\(base)/cookie", nil)["value"] as? [[String: Any]] ?? [] }

    public func deleteCookies() throws { _ = try Self.call("DELETE", "\(base)/cookie", nil) }

    /// A PNG of the window.
    public func screenshot(to path: String) throws {
        guard let text = try Self.call("GET", "\(base)/screenshot", nil)["value"] as? String, let data = Data(base64Encoded: text) else {
            throw BackgroundProcessError(message: "no screenshot")
        }
        try data.write(to: URL(fileURLWithPath: path))
    }

    public func quit() {
        _ = try? Self.call("DELETE", base, nil)
        driver.stop()
        try? FileManager.default.removeItem(at: profile)
    }

    deinit { quit() }

    static func call(_ method: String, _ url: String, _ body: Any?) throws -> [String: Any] {
        var arguments = ["-s", "-X", method, url, "-H", "Content-Type: application/json"]
        if let body { arguments += ["--data-binary", String(decoding: try JSONSerialization.data(withJSONObject: body), as: UTF8.self)] }
        var environment = ProcessInfo.processInfo.environment
        environment["no_proxy"] = "127.0.0.1"
        environment["NO_PROXY"] = "127.0.0.1"
        let result = try ChildProcess.spawn("/usr/bin/curl", arguments, environment: environment, directory: nil).finish()
        guard result.status == 0 else { throw BackgroundProcessError(message: "curl \(method) \(url): exit \(result.status)") }
        return (try? JSONSerialization.jsonObject(with: Data(result.stdout))) as? [String: Any] ?? [:]
    }
}
