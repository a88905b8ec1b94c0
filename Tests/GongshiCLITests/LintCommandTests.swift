import Foundation
import GongshiTesting
import Testing

@Suite("gongshi lint")
struct LintCommandTests {
    static let pipelines = ["fazhike-penalties", "shenpi-permits"].map { Fixtures.root.appendingPathComponent("pipelines/\($0).yaml").path }

    @Test("the bundled pipelines lint clean when their credential variables are set and the calendar reaches far enough")
    func clean() throws {
        let result = try GongshiProcess.run(
            ["lint", "--today", "2026-10-01"] + Self.pipelines,
            environment: ["GONGSHI_PORTAL_APP_KEY": "app", "GONGSHI_PORTAL_SECRET": "secret"])
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout.components(separatedBy: "错误 0 个，警告 0 个").count == 3, "\(result.stdout)")
    }

    @Test("unset credential variables are errors (78), named by variable, never by value; coverage ending soon is a warning")
    func problems() throws {
        let result = try GongshiProcess.run(
            ["lint", "--today", "2026-11-30"] + Self.pipelines,
            environment: ["GONGSHI_PORTAL_APP_KEY": nil, "GONGSHI_PORTAL_SECRET": nil])
        #expect(result.status == 78, "\(result)")
        #expect(result.stdout.contains("fazhike-penalties.yaml:14: 错误 [credentials-env-unset] 环境变量 GONGSHI_PORTAL_SECRET 没有设置"), "\(result.stdout)")
        #expect(result.stdout.contains("警告 [calendar-coverage-ending] 节假日日历只覆盖到 2026-12-31，还有 31 天"), "\(result.stdout)")
        #expect(result.stdout.contains("shenpi-permits.yaml：错误 0 个，警告 1 个"), "\(result.stdout)")
    }
}
