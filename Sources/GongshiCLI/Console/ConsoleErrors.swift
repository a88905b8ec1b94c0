import DisclosureCore
import Foundation
import HTTPTypes
import Hummingbird

/// The console's answer to a request no page answers — an unknown path (404), a request the
/// server cannot take (400), a body over its limit (413), a method a path does not have, or a
/// fault (500) — instead of an empty body: for a browser (`Accept: text/html`) a short Chinese
/// page in the console's style, for anything else (a script, `curl`, `Accept: application/json`)
/// JSON, `{"code": …, "message": …}`. Both carry the stable English code. Neither echoes the
/// request's body; the path alone is said back, decoded, cut to 200 characters and screened (an
/// ID or phone number in it is hidden, as everywhere a typed value is shown).
///
/// (A request HTTP itself cannot parse — a malformed request line or header — is answered 400 by
/// the server library before any of the console's code sees it, with no body.)
struct ConsoleErrorPages<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as any HTTPResponseError {
            return Self.response(status: Int(error.status.code), request: request)
        } catch {
            return Self.response(status: 500, request: request)
        }
    }

    /// The stable code of a status, and what the page says of it.
    static func meaning(_ status: Int, path: String) -> (code: String, message: String) {
        switch status {
        case 404: ("not-found", "没有这个页面：\(path)")
        case 405: ("method-not-allowed", "这个页面不接受这种请求：\(path)")
        case 413: ("body-too-large", "提交的内容超过了上限，没有处理")
        case 400: ("bad-request", "请求的格式不对，没有处理")
        case 500...: ("server-error", "服务器处理请求时出错，请稍后再试")
        default: ("request-refused", "请求没有被处理")
        }
    }

    /// The request's path as it may be said back: decoded, at most 200 characters, screened.
    static func shownPath(_ request: Request) -> String {
        let raw = request.uri.path
        return OneLine.value(String((raw.removingPercentEncoding ?? raw).prefix(200)))
    }

    static func wantsPage(_ request: Request) -> Bool {
        let accept = request.headers[.accept]?.lowercased() ?? ""
        return accept.contains("text/html") || accept.contains("application/xhtml+xml")
    }

    static func response(status: Int, request: Request) -> Response {
        let (code, message) = meaning(status, path: shownPath(request))
        var response: Response
        if wantsPage(request) {
            let body = """
                <p class="error" id="error" data-code="\(code)">\(ConsolePage.escape(message)) [\(code)]</p>
                <p><a href="/">回到总览</a></p>
                """
            let titles = [400: "请求有误", 404: "页面不存在", 405: "请求方式不对", 413: "内容过大"]
            response = ConsoleServer.respond(status, ConsolePage.page(title: titles[status] ?? (status >= 500 ? "服务器出错" : "请求未处理"), user: nil, csrf: nil, body: body))
        } else {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            let json = (try? encoder.encode(["code": code, "message": message])).map { String(decoding: $0, as: UTF8.self) } ?? "{\"code\":\"\(code)\"}"
            response = ConsoleServer.respond(status, json, type: "application/json; charset=utf-8")
        }
        // The body of a refused request may be unread: the connection is not kept for another.
        if status == 413 || status == 400 { response.headers[.connection] = "close" }
        return response
    }
}
