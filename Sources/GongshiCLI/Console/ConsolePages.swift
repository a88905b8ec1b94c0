import DisclosureReports
import Foundation

/// The console's HTML: pages rendered on the server, in Chinese, usable without JavaScript. Every
/// value from a file, a ledger or a request goes through ``escape(_:)``.
enum ConsolePage {
    static func escape(_ text: String) -> String { ReportHTML.escape(text) }

    /// A line of the engine's transcript as a clerk in the browser reads it: the command-line
    /// next step (`gongshi ledger confirm ID`) said as the console's, and every server path cut to
    /// its file name.
    static func forClerk(_ line: String) -> String {
        let step = line.replacing(
            /(用 gongshi upload 发送，或)?在门户网页上传后运行 gongshi ledger confirm ([0-9a-f]{16})(（或把门户回执存为同名加 \.receipt 的文件）)?/
        ) { match in "到「待上传」页下载文件，在门户网页上传后确认批次 \(match.output.2)" }
            // The command line's option, the field's name on the page.
            .replacing("用 --force-reason 说明", with: "在“未满最短公示期仍须撤下的法定理由”一栏说明")
            // The ledger's lock (a process id, a server path): what it means to the clerk.
            .replacing(/另一个 gongshi 进程[^；]*正在使用这个公示台账（锁：[^）]*）；等它结束后再运行/) { _ in
                "台账正被另一项操作（如夜间运行）使用，请过几分钟再试"
            }
        return withoutPaths(step)
    }

    /// `text` with every absolute path cut to its file name: a `/` that begins a path (at the
    /// start, or after anything but a digit or a letter — `与/srv/…/a.csv`), not one inside a date
    /// (`2026/11/05`) or a relative path.
    static func withoutPaths(_ text: String) -> String {
        text.replacing(/(^|[^0-9A-Za-z])(\/[^\s（）：；，]+)/) { match in
            String(match.output.1) + (String(match.output.2) as NSString).lastPathComponent
        }
    }

    /// A whole page: the title, the navigation (when someone is logged in) and the body.
    static func page(title: String, user: ConsoleUsers.User?, csrf: String?, body: String) -> String {
        var navigation = ""
        if let user, let csrf {
            navigation = """
                <nav><a href="/">总览</a> <a href="/decisions">决定</a> <a href="/upload">上传数据</a> <a href="/batches">待上传</a> <a href="/reports">报告</a> <a href="/check">信用核查</a>
                <span class="who">\(escape(user.name))（\(escape(user.department))，\(user.role == .office ? "信用办" : "科室")）</span>
                <form method="post" action="/logout" class="inline"><input type="hidden" name="csrf" value="\(escape(csrf))"><button>退出</button></form></nav>
                """
        }
        return """
            <!doctype html>
            <html lang="zh-CN"><head><meta charset="utf-8"><title>\(escape(title)) · gongshi 双公示</title>
            <link rel="stylesheet" href="/console.css"></head>
            <body><header><h1>gongshi 双公示控制台</h1>\(navigation)</header>
            <main><h2>\(escape(title))</h2>
            \(body)
            </main></body></html>
            """
    }

    static let css = """
        body { font-family: "Noto Sans CJK SC", "Noto Sans SC", sans-serif; margin: 0; color: #1a1a1a; }
        header { background: #8c1c13; color: white; padding: 0.6em 1.2em; }
        header h1 { font-size: 1.2em; margin: 0 0 0.3em 0; }
        nav a { color: white; margin-right: 1.2em; }
        nav .who { margin-right: 1em; }
        main { padding: 1em 1.5em; }
        table { border-collapse: collapse; margin: 0.5em 0 1.5em 0; }
        th, td { border: 1px solid #bbb; padding: 0.3em 0.6em; text-align: left; }
        th { background: #f1e9e7; }
        .number { text-align: right; }
        .warning { color: #8a4b00; } .error { color: #b00020; } .ok { color: #1b6e20; }
        form.inline { display: inline; }
        section { margin-bottom: 2em; }
        """
}
