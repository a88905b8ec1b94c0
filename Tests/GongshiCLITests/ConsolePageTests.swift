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
        // The command line's option and the ledger's lock, said as the page's.
        #expect(ConsolePage.forClerk("今天 2026-11-30 尚不能撤下（如有法定理由，用 --force-reason 说明）") == "今天 2026-11-30 尚不能撤下（如有法定理由，在“未满最短公示期仍须撤下的法定理由”一栏说明）")
        let locked = ConsolePage.forClerk("另一个 gongshi 进程（pid 4242，run fazhike-penalties nightly）正在使用这个公示台账（锁：/srv/var/ledger.sqlite.lock）；等它结束后再运行，台账没有改动")
        #expect(locked == "台账正被另一项操作（如夜间运行）使用，请过几分钟再试，台账没有改动", "\(locked)")
    }
}

@Suite("Console: forms and queries as a browser encodes them")
struct ConsoleFormEncodingTests {
    @Test("a GET form's query and a POST body read alike: + is a space, %2B a plus, percent-escapes decoded, a name without a value empty")
    func urlEncoded() {
        let values = ConsoleServer.urlEncoded("code=%27+OR+1%3D1+--&q=%E7%89%9F%E5%9F%8E+3%E5%8F%B7&plus=%2B1&empty&x=1&x=2")
        #expect(values["code"] == "' OR 1=1 --")
        #expect(values["q"] == "牟城 3号")
        #expect(values["plus"] == "+1")
        #expect(values["empty"] == "")
        #expect(values["x"] == "2")
    }
}
