@testable import GongshiCLI
import Testing

@Suite("Console: the engine's lines as a clerk reads them")
struct ConsolePageTests {
    @Test("absolute paths cut to their file names, dates and relative paths kept; the command-line next step said as the console's")
    func forClerk() {
        #expect(ConsolePage.withoutPaths("与/srv/gongshi/inbox/2026-12-好.csv 第 3 行重复") == "与2026-12-好.csv 第 3 行重复")
        #expect(ConsolePage.withoutPaths("日期已统一写作 2026/11/05，见 var/outbox/a.csv") == "日期已统一写作 2026/11/05，见 var/outbox/a.csv")
        #expect(ConsolePage.withoutPaths("/tmp/a/b.xlsx（19 条）") == "b.xlsx（19 条）")
        let line = "待确认：批次 0792a575bdbc1d79 /srv/var/outbox/x/2026-11-30/x-0792a575bdbc1d79.xlsx（5 条）；"
            + "在门户网页上传后运行 gongshi ledger confirm 0792a575bdbc1d79（或把门户回执存为同名加 .receipt 的文件）"
        #expect(
            ConsolePage.forClerk(line)
                == "待确认：批次 0792a575bdbc1d79 x-0792a575bdbc1d79.xlsx（5 条）；到「待上传」页下载文件，在门户网页上传后确认批次 0792a575bdbc1d79")
    }
}
