#!/usr/bin/env python3
"""Writes the CSV fixtures of fixtures/validate/ and, beside each, the problems it must produce.

Each row below is written by hand with the rule it exercises; its expectations are the problems
that rule says the row has, not output copied from gongshi. `*.expected` lines are
`ROW TYPE FIELD [warning]` (FIELD `-` when the problem has none). Run after changing a row:

    python3 scripts/make-validate-fixtures.py

The tests (Tests/GongshiCLITests/ValidateFixtureTests.swift) validate each CSV with --today 2026-11-30
and compare the problems found with the .expected file, line for line.
"""
import csv
import pathlib

ROOT = pathlib.Path(__file__).resolve().parent.parent / "fixtures" / "validate"

PENALTY = [
    "行政相对人名称", "行政相对人类别", "行政相对人代码_1(统一社会信用代码)", "行政相对人代码_2(工商注册号)",
    "行政相对人代码_3(组织机构代码)", "行政相对人代码_4(税务登记号)", "行政相对人代码_5(事业单位证书号)",
    "行政相对人代码_6(社会组织登记证号)", "法定代表人", "法定代表人证件类型", "法定代表人证件号码", "证件类型",
    "证件号码", "行政处罚决定书文号", "违法行为类型", "违法事实", "处罚依据", "处罚类别", "处罚内容",
    "罚款金额(万元)", "没收违法所得、没收非法财物的金额(万元)", "暂扣或吊销证照名称及编号", "处罚决定日期",
    "处罚有效期", "公示截止期", "处罚机关", "处罚机关统一社会信用代码", "数据来源单位", "数据来源单位统一社会信用代码", "备注",
]
AGENCY = "中牟县城市管理局"
AGENCY_CODE = "11410122000000019Q"


def penalty(n, **changes):
    """A valid 法人 penalty (decision 2026-11-20), changed as given; `n` makes the 文书号 unique."""
    row = {
        "行政相对人名称": f"郑州某某餐饮管理有限公司{n}", "行政相对人类别": "法人及非法人组织",
        "行政相对人代码_1(统一社会信用代码)": "91410100MA40Q8R26R", "法定代表人": "张三",
        "行政处罚决定书文号": f"牟城管罚〔2026〕{n}号",
        "违法行为类型": "违反《城市市容和环境卫生管理条例》第十四条", "违法事实": "擅自占用城市道路店外经营",
        "处罚依据": "《城市市容和环境卫生管理条例》第三十六条", "处罚类别": "罚款", "处罚内容": "罚款2000元",
        "罚款金额(万元)": "0.2", "处罚决定日期": "2026/11/20", "处罚有效期": "2027/11/20",
        "处罚机关": AGENCY, "处罚机关统一社会信用代码": AGENCY_CODE, "数据来源单位": AGENCY,
        "数据来源单位统一社会信用代码": AGENCY_CODE,
    }
    row.update(changes)
    return row


def person(n, **changes):
    """A valid 自然人 warning penalty."""
    base = {"行政相对人名称": f"李四{n}", "行政相对人类别": "自然人", "行政相对人代码_1(统一社会信用代码)": "",
            "法定代表人": "", "证件类型": "身份证", "证件号码": "410122198503121231", "处罚类别": "警告",
            "处罚内容": "警告", "罚款金额(万元)": ""}
    base.update(changes)
    return penalty(n, **base)


def write(name, header, rows, expected, trailing=""):
    path = ROOT / name
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(header)
        for row in rows:
            if isinstance(row, list):
                writer.writerow(row)
            else:
                writer.writerow([row.get(column, "") for column in header])
        handle.write(trailing)
    path.with_suffix(".expected").write_text("".join(line + "\n" for line in expected), encoding="utf-8")


# ---------------------------------------------------------------- penalty, valid: every accepted form
valid_rows = [
    penalty(1),                                                                     # 2 法人
    person(2),                                                                      # 3 自然人, 身份证
    penalty(3, **{"行政相对人类别": "个体工商户", "行政相对人代码_1(统一社会信用代码)": "92410105MA4DEMWL8T",
                  "法定代表人": "王五", "处罚类别": "警告;罚款", "罚款金额(万元)": "0.05"}),   # 4 个体工商户, multi ;
    penalty(4, **{"行政相对人类别": "个体工商户", "行政相对人代码_1(统一社会信用代码)": "00000000000000000X",
                  "行政相对人代码_2(工商注册号)": "410122600123456", "法定代表人": "赵六"}),    # 5 placeholder + 注册号
    penalty(5, **{"处罚类别": "罚款、没收违法所得、没收非法财物", "罚款金额(万元)": "0.5",
                  "没收违法所得、没收非法财物的金额(万元)": "0.1234"}),                  # 6 old-law value containing 、
    penalty(6, **{"处罚类别": "暂扣许可证件；罚款", "罚款金额(万元)": "1",
                  "暂扣或吊销证照名称及编号": "道路运输经营许可证（豫交运管许可郑字410122000123号）"}),  # 7 full-width ；
    penalty(7, **{"处罚类别": "其他-通报", "罚款金额(万元)": "", "处罚有效期": "2099/12/31"}),  # 8 其他-…, 长期
    penalty(8, **{"处罚决定日期": "2026-11-05", "处罚有效期": "2027年5月5日", "公示截止期": "20270505"}),  # 9 date forms
    penalty(9, **{"处罚决定日期": "2026/11/5", "行政相对人代码_1(统一社会信用代码)": "９１410100ma40q8r26r",
                  "行政相对人名称": "\u3000郑州某某餐饮管理有限公司9\u00a0", "行政处罚决定书文号": "牟城管罚〔2026〕\u200b9号"}),  # 10
    penalty(10, **{"行政相对人代码_3(组织机构代码)": "D2143569-X", "行政相对人代码_4(税务登记号)": "91410100MA40Q8R26R",
                   "法定代表人证件类型": "护照号", "法定代表人证件号码": "E12345678"}),       # 11 org code, tax no, passport
    penalty(11, **{"处罚决定日期": "2026/11/30"}),                                     # 12 decided today
    person(12, **{"证件类型": "港澳居民来往内地通行证", "证件号码": "H12345678"}),        # 13
    person(13, **{"证件号码": "410122850312123"}),                                     # 14 15-digit legacy
    person(14, **{"证件类型": "其他-军官证", "证件号码": "军字第0012345号"}),            # 15 其他 type: no format check
    penalty(15, **{"罚款金额(万元)": "10000"}),                                        # 16 looks like 元
    penalty(16, **{"行政相对人代码_1(统一社会信用代码)": "14410122123456788R"}),          # 17 unknown category pair
    {},                                                                             # 18 blank row
    penalty(17, **{"行政相对人名称": "城" * 200}),                                     # 19 200 characters = 600 bytes
]
valid_expected = [
    "10 normalized-date 处罚决定日期 warning",
    "10 normalized-case 行政相对人代码_1(统一社会信用代码) warning",
    "10 normalized-width 行政相对人代码_1(统一社会信用代码) warning",
    "10 normalized-whitespace 行政相对人名称 warning",
    "10 normalized-whitespace 行政处罚决定书文号 warning",
    "14 id-number-legacy 证件号码 warning",
    "16 amount-looks-like-yuan 罚款金额(万元) warning",
    "17 credit-code-category-unknown 行政相对人代码_1(统一社会信用代码) warning",
    "18 blank-row-skipped - warning",
    "20 blank-row-skipped - warning",
    "9 normalized-date 处罚决定日期 warning",
    "9 normalized-date 处罚有效期 warning",
    "9 normalized-date 公示截止期 warning",
]
write("penalty/valid.csv", PENALTY, valid_rows, valid_expected, trailing="," * (len(PENALTY) - 1) + "\r\n")

# ---------------------------------------------------------------- penalty, invalid: one broken rule a row
invalid_rows = [
    (penalty(101, **{"行政处罚决定书文号": ""}), ["required-missing 行政处罚决定书文号"]),
    (penalty(102, **{"罚款金额(万元)": ""}), ["conditional-required-missing 罚款金额(万元)"]),
    (penalty(103, **{"处罚类别": "没收违法所得", "罚款金额(万元)": ""}), ["conditional-required-missing 没收违法所得、没收非法财物的金额(万元)"]),
    (penalty(104, **{"处罚类别": "吊销许可证件", "罚款金额(万元)": ""}), ["conditional-required-missing 暂扣或吊销证照名称及编号"]),
    (person(105, **{"证件类型": "", "证件号码": ""}), ["conditional-required-missing 证件类型", "conditional-required-missing 证件号码"]),
    (penalty(106, **{"行政相对人代码_1(统一社会信用代码)": ""}), ["conditional-required-missing 行政相对人代码_1(统一社会信用代码)"]),
    (penalty(107, **{"行政相对人类别": "企业"}), ["enum-unknown 行政相对人类别"]),
    (penalty(108, **{"处罚类别": "警告;罚金"}), ["enum-unknown 处罚类别"]),
    (penalty(109, **{"处罚类别": "其他", "罚款金额(万元)": ""}), ["enum-other-text-missing 处罚类别"]),
    (penalty(110, **{"行政相对人代码_1(统一社会信用代码)": "91410100MA40Q8R26"}), ["credit-code-length 行政相对人代码_1(统一社会信用代码)"]),
    (penalty(111, **{"行政相对人代码_1(统一社会信用代码)": "9141010OMA40Q8R26R"}), ["credit-code-character 行政相对人代码_1(统一社会信用代码)"]),
    (penalty(112, **{"行政相对人代码_1(统一社会信用代码)": "914101A0MA40Q8R26R"}), ["credit-code-region 行政相对人代码_1(统一社会信用代码)"]),
    (penalty(113, **{"行政相对人代码_1(统一社会信用代码)": "91410100MA40Q8R27R"}), ["credit-code-organization-code 行政相对人代码_1(统一社会信用代码)"]),
    (penalty(114, **{"处罚机关统一社会信用代码": "11410122000000019P"}), ["credit-code-check-character 处罚机关统一社会信用代码"]),
    (penalty(115, **{"行政相对人类别": "个体工商户", "行政相对人代码_1(统一社会信用代码)": "00000000000000000X"}),
     ["credit-code-placeholder 行政相对人代码_1(统一社会信用代码)"]),
    (penalty(116, **{"行政相对人代码_1(统一社会信用代码)": "00000000000000000X", "行政相对人代码_2(工商注册号)": "410122600123456"}),
     ["credit-code-placeholder 行政相对人代码_1(统一社会信用代码)"]),
    (penalty(117, **{"行政相对人代码_1(统一社会信用代码)": "92410105MA4DEMWL8T"}), ["credit-code-category-mismatch 行政相对人代码_1(统一社会信用代码)"]),
    (penalty(118, **{"行政相对人代码_3(组织机构代码)": "D2143569-1"}), ["org-code-invalid 行政相对人代码_3(组织机构代码)"]),
    (person(119, **{"证件号码": "410122198503121230"}), ["id-number-check-character 证件号码"]),
    (person(120, **{"证件号码": "410122198502301230"}), ["id-number-birth-date 证件号码"]),
    (person(121, **{"证件号码": "410122203001011239"}), ["id-number-birth-date 证件号码"]),
    (person(122, **{"证件号码": "4101221985031212"}), ["id-number-invalid 证件号码"]),
    (penalty(123, **{"法定代表人证件类型": "护照号", "法定代表人证件号码": "E-123"}), ["id-document-format 法定代表人证件号码"]),
    (penalty(124, **{"处罚决定日期": "2026/13/01"}), ["date-invalid 处罚决定日期"]),
    (penalty(125, **{"处罚决定日期": "2026/12/01", "处罚有效期": "2027/12/01"}), ["date-in-future 处罚决定日期"]),
    (penalty(126, **{"处罚有效期": "2026/11/01"}), ["date-order 处罚有效期"]),
    (penalty(127, **{"公示截止期": "2026/11/19"}), ["date-order 公示截止期"]),
    (penalty(128, **{"罚款金额(万元)": "2000元"}), ["decimal-invalid 罚款金额(万元)"]),
    (penalty(129, **{"罚款金额(万元)": "-0.1"}), ["decimal-below-minimum 罚款金额(万元)"]),
    (penalty(130, **{"罚款金额(万元)": "0.1234567"}), ["decimal-scale 罚款金额(万元)"]),
    (penalty(131, **{"行政相对人名称": "城" * 201}), ["max-length 行政相对人名称"]),
    (penalty(132, **{"行政相对人代码_4(税务登记号)": "123"}), ["format-invalid 行政相对人代码_4(税务登记号)"]),
    (penalty(133), []),
    (penalty(133), ["duplicate-key 行政处罚决定书文号"]),
    (penalty(135, **{"行政相对人类别": "自然人", "行政相对人代码_1(统一社会信用代码)": "", "法定代表人": "", "证件类型": "身份证",
                     "证件号码": "410122198503121231", "罚款金额(万元)": "0.1"}), []),
]
rows, expected = [], []
for index, (row, problems) in enumerate(invalid_rows):
    rows.append(row)
    expected += [f"{index + 2} {problem}" for problem in problems]
write("penalty/invalid.csv", PENALTY, rows, expected)

# ---------------------------------------------------------------- penalty: header by codes, any order, optional columns absent
CODES = ["CF_WSH", "CF_XDR_MC", "CF_XDR_LB", "CF_XDR_SHXYM", "CF_FRDB", "CF_WFXW", "CF_SY", "CF_YJ", "CF_CFLB", "CF_NR",
         "CF_NR_FK", "CF_JDRQ", "CF_YXQ", "CF_CFJG", "CF_CFJGDM", "CF_SJLY", "CF_SJLYDM"]
code_of = dict(zip(["行政处罚决定书文号", "行政相对人名称", "行政相对人类别", "行政相对人代码_1(统一社会信用代码)", "法定代表人",
                    "违法行为类型", "违法事实", "处罚依据", "处罚类别", "处罚内容", "罚款金额(万元)", "处罚决定日期", "处罚有效期",
                    "处罚机关", "处罚机关统一社会信用代码", "数据来源单位", "数据来源单位统一社会信用代码"], CODES))
coded = [{code_of[k]: v for k, v in penalty(n).items() if k in code_of} for n in (201, 202)]
write("penalty/codes-header.csv", CODES, coded, [])

# ---------------------------------------------------------------- penalty: full-width brackets in the header; an unknown column
wide = [name.replace("(", "（").replace(")", "）") for name in PENALTY] + ["案件编号"]
wide_rows = [[penalty(301).get(name, "") for name in PENALTY] + ["AJ-301"]]
write("penalty/fullwidth-header.csv", wide, wide_rows, [
    "1 header-normalized 行政相对人代码_1(统一社会信用代码) warning", "1 header-normalized 行政相对人代码_2(工商注册号) warning",
    "1 header-normalized 行政相对人代码_3(组织机构代码) warning", "1 header-normalized 行政相对人代码_4(税务登记号) warning",
    "1 header-normalized 行政相对人代码_5(事业单位证书号) warning", "1 header-normalized 行政相对人代码_6(社会组织登记证号) warning",
    "1 header-normalized 罚款金额(万元) warning", "1 header-normalized 没收违法所得、没收非法财物的金额(万元) warning",
    "1 unknown-column - warning",
])

# ---------------------------------------------------------------- penalty: required columns missing -> the file fails
short = [name for name in PENALTY if name not in ("处罚类别", "处罚机关")] + ["案件编号"]
write("penalty/missing-columns.csv", short, [penalty(401)], ["1 missing-column -", "1 unknown-column - warning"])

# ---------------------------------------------------------------- penalty: CSV structure — quoted line breaks, extra and missing cells
structure = [
    penalty(501, **{"违法事实": "第一行\r\n第二行，含逗号, 和\"引号\""}),   # 2: one record over three lines
    penalty(502),                                                          # 3: row numbers count records, not lines
    [penalty(503).get(name, "") for name in PENALTY] + ["多出的数据"],       # 4: extra cell
    [penalty(504).get(name, "") for name in PENALTY[:24]],                 # 5: short row
]
write("penalty/structure.csv", PENALTY, structure, [
    "4 extra-cell -",
    "5 missing-cell - warning", "5 required-missing 处罚机关", "5 required-missing 处罚机关统一社会信用代码",
    "5 required-missing 数据来源单位", "5 required-missing 数据来源单位统一社会信用代码",
])

# ---------------------------------------------------------------- permit
PERMIT = [
    "行政相对人名称", "行政相对人类别", "行政相对人代码_1(统一社会信用代码)", "行政相对人代码_2(工商注册号)", "法定代表人",
    "证件类型", "证件号码", "行政许可决定文书名称", "行政许可决定文书号", "许可类别", "许可证书名称", "许可编号", "许可内容",
    "许可决定日期", "有效期自", "有效期至", "许可机关", "许可机关统一社会信用代码", "当前状态", "数据来源单位",
    "数据来源单位统一社会信用代码", "备注",
]


def permit(n, **changes):
    row = {
        "行政相对人名称": f"中牟县某某广告有限公司{n}", "行政相对人类别": "法人及非法人组织",
        "行政相对人代码_1(统一社会信用代码)": "91410122MA9G7H3K5W", "法定代表人": "周七",
        "行政许可决定文书名称": "关于设置大型户外广告的行政许可决定书", "行政许可决定文书号": f"牟城管许〔2026〕{n}号",
        "许可类别": "普通", "许可证书名称": "城市户外广告设置许可证", "许可编号": f"ZMGG2026{n:04d}",
        "许可内容": "同意在郑开大道设置户外广告牌一块", "许可决定日期": "2026/11/18", "有效期自": "2026/11/18",
        "有效期至": "2027/11/17", "许可机关": AGENCY, "许可机关统一社会信用代码": AGENCY_CODE, "当前状态": "1",
        "数据来源单位": AGENCY, "数据来源单位统一社会信用代码": AGENCY_CODE,
    }
    row.update(changes)
    return row


write("permit/valid.csv", PERMIT, [
    permit(1),                                                                              # 2
    permit(2, **{"行政相对人类别": "自然人", "行政相对人代码_1(统一社会信用代码)": "", "法定代表人": "",
                 "证件类型": "身份证", "证件号码": "410122199901010013"}),                      # 3 自然人
    permit(3, **{"行政相对人类别": "个体工商户", "行政相对人代码_1(统一社会信用代码)": "00000000000000000X",
                 "行政相对人代码_2(工商注册号)": "410122600654321"}),                          # 4 placeholder
    permit(4, **{"有效期至": "2099/12/31", "许可类别": "其他-备案"}),                          # 5 长期, 其他-…
    permit(5, **{"有效期至": "长期"}),                                                        # 6 长期 written out
    permit(6, **{"有效期自": "2026/11/01"}),                                                  # 7 renewal: before the decision
    permit(7, **{"许可决定日期": "2026年11月18日", "有效期自": "20261118", "有效期至": "2027-11-17"}),  # 8 date forms
], [
    "6 normalized-long-term 有效期至 warning",
    "7 date-order-unusual 有效期自 warning",
    "8 normalized-date 许可决定日期 warning", "8 normalized-date 有效期自 warning", "8 normalized-date 有效期至 warning",
])
permit_invalid = [
    (permit(101, **{"许可类别": "审批"}), ["enum-unknown 许可类别"]),
    (permit(102, **{"许可类别": "其他"}), ["enum-other-text-missing 许可类别"]),
    (permit(103, **{"有效期至": "2026/10/31"}), ["date-order 有效期至"]),
    (permit(104, **{"当前状态": "有效"}), ["enum-unknown 当前状态"]),
    (permit(105, **{"许可决定日期": "2026/12/02", "有效期自": "2026/12/02"}), ["date-in-future 许可决定日期"]),
    (permit(106, **{"许可内容": ""}), ["required-missing 许可内容"]),
    (permit(107, **{"行政相对人类别": "自然人", "行政相对人代码_1(统一社会信用代码)": "", "法定代表人": "",
                    "证件类型": "身份证", "证件号码": "410122199901010012"}), ["id-number-check-character 证件号码"]),
]
rows, expected = [], []
for index, (row, problems) in enumerate(permit_invalid):
    rows.append(row)
    expected += [f"{index + 2} {problem}" for problem in problems]
write("permit/invalid.csv", PERMIT, rows, expected)

# ---------------------------------------------------------------- 长期 written 9999/12/31 (the schema's long_term_aliases)
# Each form of the date, and Excel's serial of it (2958465), is written 2099/12/31 with one warning.
write("permit/long-term.csv", PERMIT, [
    permit(11, **{"有效期至": "9999/12/31"}),                                                # 2
    permit(12, **{"有效期至": "9999-12-31"}),                                                # 3
    permit(13, **{"有效期至": "2958465"}),                                                   # 4 Excel's serial of 9999-12-31
    permit(14, **{"有效期至": "9999年12月31日"}),                                             # 5
    permit(15, **{"有效期至": "9999/12/30"}),                                                # 6 not an alias: a date, as written
], [
    "2 normalized-long-term 有效期至 warning", "3 normalized-long-term 有效期至 warning",
    "4 normalized-long-term 有效期至 warning",
    "- normalized-long-term 有效期至 warning",   # row 5's: counted in the file's summary line (the first three are listed)
])
write("penalty/long-term.csv", PENALTY, [
    penalty(21, **{"处罚有效期": "9999/12/31", "公示截止期": "9999-12-31"}),                   # 2
], [
    "2 normalized-long-term 处罚有效期 warning", "2 normalized-long-term 公示截止期 warning",
])

# ---------------------------------------------------------------- the 2015 (v1) format: one legacy-v1-header error
# Column names from shuanggongshi.md §1.2 and §2 (v1 permit fields). Values as a v1 export writes them (codes).
V1_PENALTY = ["CF_WSH", "CF_CFMC", "CF_CFLB1", "CF_CFLB2", "CF_SY", "CF_YJ", "CF_XDR_MC", "CF_XDR_SHXYM", "CF_XDR_ZDM",
              "CF_XDR_GSDJ", "CF_XDR_SWDJ", "CF_XDR_SFZ", "CF_FR", "CF_JG", "CF_JDRQ", "CF_JZRQ", "CF_XZJG", "CF_ZT", "DFBM",
              "SJC", "BZ"]
v1_penalty = [{
    "CF_WSH": f"牟城管罚〔2017〕{n}号", "CF_CFMC": "擅自占用城市道路店外经营案", "CF_CFLB1": "2", "CF_SY": "擅自占用城市道路店外经营",
    "CF_YJ": "《城市市容和环境卫生管理条例》第三十六条", "CF_XDR_MC": f"郑州某某餐饮管理有限公司{n}",
    "CF_XDR_SHXYM": "91410100MA40Q8R26R", "CF_FR": "张三", "CF_JG": "罚款2000元", "CF_JDRQ": "2017/06/20",
    "CF_JZRQ": "2018/06/20", "CF_XZJG": AGENCY, "CF_ZT": "0", "DFBM": "410122", "SJC": "2017/06/21 09:30:00",
} for n in (31, 32)]
write("penalty/legacy-v1.csv", V1_PENALTY, v1_penalty, ["1 legacy-v1-header -"])
# Chinese labels only v1 has (项目名称, 审批类别, 许可截止期, 地方编码, 数据更新时间戳) beside labels both formats share.
V1_PERMIT = ["行政许可决定书文号", "项目名称", "审批类别", "许可内容", "行政相对人名称", "许可决定日期", "许可截止期", "许可机关",
             "当前状态", "地方编码", "数据更新时间戳", "备注"]
write("permit/legacy-v1-labels.csv", V1_PERMIT, [{
    "行政许可决定书文号": "牟城管许〔2017〕41号", "项目名称": "城市户外广告设置许可", "审批类别": "1", "许可内容": "同意在郑开大道设置户外广告牌一块",
    "行政相对人名称": "中牟县某某广告有限公司41", "许可决定日期": "2017/05/18", "许可截止期": "2018/05/17", "许可机关": AGENCY,
    "当前状态": "0", "地方编码": "410122", "数据更新时间戳": "2017/05/19 10:00:00",
}], ["1 legacy-v1-header -"])
# Not v1: a current export with three v1 columns a case system adds (地方编码, 时间戳, 状态) is checked as usual …
write("penalty/v1-extra-columns.csv", PENALTY + ["DFBM", "SJC", "CF_ZT"],
      [[penalty(51).get(name, "") for name in PENALTY] + ["410122", "2026/11/21 09:30:00", "0"]],
      ["1 unknown-column - warning", "1 unknown-column - warning", "1 unknown-column - warning"])
# … and one that also misses two required columns is told which (most of the current ones are there).
short_v1 = [name for name in PENALTY if name not in ("处罚类别", "处罚机关")] + ["DFBM", "SJC", "CF_ZT"]
write("penalty/v1-extra-missing.csv", short_v1, [[penalty(52).get(name, "") for name in short_v1[:-3]] + ["410122", "", "0"]],
      ["1 missing-column -", "1 unknown-column - warning", "1 unknown-column - warning", "1 unknown-column - warning"])

# ---------------------------------------------------------------- a new record kind from a schema file alone (行政强制)
COERCION = ["行政相对人名称", "行政相对人类别", "行政相对人代码_1(统一社会信用代码)", "行政强制决定书文号", "强制措施类型",
            "强制措施内容", "决定日期", "实施机关", "实施机关统一社会信用代码"]


def coercion(n, **changes):
    row = {"行政相对人名称": f"中牟县某某建材经营部{n}", "行政相对人类别": "个体工商户",
           "行政相对人代码_1(统一社会信用代码)": "92410105MA4DEMWL8T", "行政强制决定书文号": f"牟城管强〔2026〕{n}号",
           "强制措施类型": "扣押财物", "强制措施内容": "扣押占道堆放的建材", "决定日期": "2026/11/25",
           "实施机关": AGENCY, "实施机关统一社会信用代码": AGENCY_CODE}
    row.update(changes)
    return row


write("coercion/valid.csv", COERCION, [coercion(1), coercion(2, **{"强制措施类型": "查封场所、设施或者财物、扣押财物"})], [])
write("coercion/invalid.csv", COERCION, [
    coercion(101, **{"强制措施类型": "拘留"}),
    coercion(102, **{"行政相对人类别": "法人及非法人组织"}),
    coercion(103, **{"决定日期": "2026/12/25"}),
], [
    "2 enum-unknown 强制措施类型",
    "3 credit-code-category-mismatch 行政相对人代码_1(统一社会信用代码)",
    "4 date-in-future 决定日期",
])
print("fixtures written to", ROOT)

# ---------------------------------------------------------------- encodings
# GB18030 without a BOM, as Excel saves CSV on a Chinese Windows: read through iconv.
with (ROOT / "penalty/gb18030.csv").open("w", encoding="gb18030", newline="") as handle:
    csv.writer(handle, lineterminator="\r\n").writerows([PENALTY, [penalty(601).get(n, "") for n in PENALTY]])
(ROOT / "penalty/gb18030.expected").write_text("", encoding="utf-8")
# GB18030 with a byte that does not decode in row 3: the file fails with the byte offset and the row.
good = (ROOT / "penalty/gb18030.csv").read_bytes()
second = "\r\n".join([",".join(csv_row) for csv_row in [[penalty(602).get(n, "") for n in PENALTY]]]).encode("gb18030")
(ROOT / "penalty/gb18030-invalid.csv").write_bytes(good + second[:40] + b"\x81\x20" + second[40:] + b"\r\n")
(ROOT / "penalty/gb18030-invalid.expected").write_text("3 encoding-invalid -\n", encoding="utf-8")
# UTF-16 with a byte-order mark (Excel's "Unicode text", here comma-separated) and UTF-8 with a BOM.
rows = [PENALTY, [penalty(603).get(n, "") for n in PENALTY]]
import io
buffer = io.StringIO()
csv.writer(buffer, lineterminator="\r\n").writerows(rows)
(ROOT / "penalty/utf16.csv").write_bytes(b"\xff\xfe" + buffer.getvalue().encode("utf-16-le"))
(ROOT / "penalty/utf16.expected").write_text("", encoding="utf-8")
(ROOT / "penalty/utf8-bom.csv").write_bytes(b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8"))
(ROOT / "penalty/utf8-bom.expected").write_text("", encoding="utf-8")

# ---------------------------------------------------------------- Excel's quirks
write("penalty/excel-quirks.csv", PENALTY, [
    penalty(701, **{"行政相对人代码_1(统一社会信用代码)": '="91410100MA40Q8R26R"'}),          # 2 text guard: unwrapped
    penalty(702, **{"处罚机关统一社会信用代码": "'11410122000000019Q"}),                    # 3 apostrophe: unwrapped
    penalty(703, **{"行政相对人代码_1(统一社会信用代码)": "9.14101E+17"}),                   # 4 scientific notation
    penalty(704, **{"行政相对人代码_3(组织机构代码)": "12345671"}),                        # 5 org code 012345671 lost its 0
    penalty(705, **{"处罚决定日期": "46346"}),                                          # 6 serial: 2026/11/20
    penalty(706, **{"处罚决定日期": "46346", "处罚有效期": "46711.5"}),                   # 7 serials with a time fraction
    penalty(707, **{"公示截止期": "60"}),                                               # 8 Excel's 1900-02-29
    person(708, **{"证件号码": "4.10122E+17"}),                                          # 9 an ID number as a number
], [
    "2 excel-text-guard 行政相对人代码_1(统一社会信用代码) warning",
    "3 excel-apostrophe 处罚机关统一社会信用代码 warning",
    "4 excel-number 行政相对人代码_1(统一社会信用代码)",
    "5 excel-number 行政相对人代码_3(组织机构代码)",
    "6 excel-date-serial 处罚决定日期 warning",
    "7 excel-date-serial 处罚决定日期 warning", "7 excel-date-serial 处罚有效期 warning",
    "8 excel-date-serial-invalid 公示截止期",
    "9 excel-number 证件号码",
])

# ---------------------------------------------------------------- files that fail as a whole
# A quote opened in row 4 and never closed.
text = (ROOT / "penalty/codes-header.csv").read_text(encoding="utf-8")
(ROOT / "penalty/unterminated-quote.csv").write_text(text + '牟城管罚〔2026〕701号,"郑州某某公司,法人及非法人组织\r\n', encoding="utf-8")
(ROOT / "penalty/unterminated-quote.expected").write_text("4 csv-unterminated-quote -\n", encoding="utf-8")

# ---------------------------------------------------------------- XML: the 行政审批科's export (element names are the XK_* codes)
from xml.sax.saxutils import escape as xml_escape
XK = {"行政相对人名称": "XK_XDR_MC", "行政相对人类别": "XK_XDR_LB", "行政相对人代码_1(统一社会信用代码)": "XK_XDR_SHXYM",
      "行政相对人代码_2(工商注册号)": "XK_XDR_GSZC", "法定代表人": "XK_FRDB", "证件类型": "XK_XDR_ZJLX", "证件号码": "XK_XDR_ZJHM",
      "行政许可决定文书名称": "XK_XKWS", "行政许可决定文书号": "XK_WSH", "许可类别": "XK_XKLB", "许可证书名称": "XK_XKZS",
      "许可编号": "XK_XKBH", "许可内容": "XK_NR", "许可决定日期": "XK_JDRQ", "有效期自": "XK_YXQZ", "有效期至": "XK_YXQZI",
      "许可机关": "XK_XKJG", "许可机关统一社会信用代码": "XK_XKJGDM", "当前状态": "XK_ZT", "数据来源单位": "XK_LYDW",
      "数据来源单位统一社会信用代码": "XK_LYDWDM", "备注": "BZ"}
xml_records = [
    (permit(801), {}, []),
    (permit(802, **{"行政相对人名称": "A & B <广告> 有限公司"}), {"cdata": "XK_NR"}, []),
    (permit(803, **{"许可类别": "审批"}), {}, ["enum-unknown 许可类别"]),
    (permit(804, **{"行政许可决定文书号": ""}), {}, ["required-missing 行政许可决定文书号"]),
    (permit(805), {"unknown": "XK_EXTRA"}, ["unknown-column - warning@"]),
    (permit(806), {"repeat": "XK_XKLB"}, ["xml-repeated-element 许可类别@"]),
]
lines = ['<?xml version="1.0" encoding="UTF-8"?>', "<Records>"]
expected = []
for row, extra, problems in xml_records:
    start = len(lines) + 1
    lines.append("  <Record>")
    marks = {}
    for name, code in XK.items():
        value = row.get(name, "")
        if not value:
            continue
        text = f"<![CDATA[{value}]]>" if extra.get("cdata") == code else xml_escape(value)
        lines.append(f"    <{code}>{text}</{code}>")
    if "unknown" in extra:
        marks["unknown"] = len(lines) + 1
        lines.append(f"    <{extra['unknown']}>多余</{extra['unknown']}>")
    if "repeat" in extra:
        marks["repeat"] = len(lines) + 1
        lines.append(f"    <{extra['repeat']}>特许</{extra['repeat']}>")
    lines.append("  </Record>")
    for problem in problems:
        if problem.endswith("@"):
            at = marks["unknown" if "unknown" in problem else "repeat"]
            expected.append(f"{at} {problem[:-1]}")
        else:
            expected.append(f"{start} {problem}")
lines.append("</Records>")
(ROOT / "permit/permits.xml").write_text("\n".join(lines) + "\n", encoding="utf-8")
(ROOT / "permit/permits.expected").write_text("".join(e + "\n" for e in expected), encoding="utf-8")

# ---------------------------------------------------------------- a department's own column names, through a mapping file
OWN = {"当事人名称": "行政相对人名称", "当事人类型": "行政相对人类别", "统一社会信用代码": "行政相对人代码_1(统一社会信用代码)",
       "法定代表人": "法定代表人", "决定文号": "行政处罚决定书文号", "违法行为": "违法行为类型", "违法事实": "违法事实",
       "处罚依据": "处罚依据", "处罚种类": "处罚类别", "处罚结果": "处罚内容", "罚款金额": "罚款金额(万元)", "处罚日期": "处罚决定日期",
       "有效期": "处罚有效期", "执法机关": "处罚机关", "执法机关代码": "处罚机关统一社会信用代码", "报送单位": "数据来源单位",
       "报送单位代码": "数据来源单位统一社会信用代码"}
header = list(OWN) + ["案件编号"]
mapped_rows = [[penalty(901).get(OWN[c], "") for c in OWN] + ["AJ-901"], [penalty(902, **{"处罚类别": "罚金"}).get(OWN[c], "") for c in OWN] + ["AJ-902"]]
write("penalty-mapped/own-headers.csv", header, mapped_rows, ["1 unknown-column - warning", "3 enum-unknown 处罚类别"])
write("penalty-mapped/missing-columns.csv", [c for c in OWN if c not in ("决定文号", "处罚日期", "执法机关")],
      [[penalty(903).get(OWN[c], "") for c in OWN if c not in ("决定文号", "处罚日期", "执法机关")]], ["1 missing-column -"])
mapping = ["# 法制科案件系统导出的列名 → 双公示字段（测试用）", "id: fazhike-case-system", "version: 1", "columns:"]
mapping += [f"  {own}: {field}" for own, field in OWN.items()]
(ROOT.parent / "mappings").mkdir(exist_ok=True)
(ROOT.parent / "mappings/fazhike-case-system.v1.yaml").write_text("\n".join(mapping) + "\n", encoding="utf-8")

# ---------------------------------------------------------------- trailing empty columns and rows, LF line ends (as some tools write)
trailing = PENALTY + ["", ""]
rows = [[penalty(1001).get(n, "") for n in PENALTY] + ["", ""], [penalty(1002).get(n, "") for n in PENALTY]]
path = ROOT / "penalty/trailing-empty.csv"
with path.open("w", encoding="utf-8", newline="") as handle:
    csv.writer(handle, lineterminator="\n").writerows([trailing] + rows + [[""] * len(trailing), [""] * len(trailing)])
(ROOT / "penalty/trailing-empty.expected").write_text("4 blank-row-skipped - warning\n5 blank-row-skipped - warning\n", encoding="utf-8")

# ---------------------------------------------------------------- UTF-8 (with a BOM, so auto takes it as UTF-8) with a byte
# that does not decode in row 5: the file fails at that byte, whatever the number of threads.
source = (ROOT / "penalty/valid.csv").read_bytes()
marker = "牟城管罚〔2026〕4号".encode("utf-8")
position = source.index(marker) + 3
(ROOT / "penalty/utf8-invalid.csv").write_bytes(b"\xef\xbb\xbf" + source[:position] + b"\xff" + source[position:])
(ROOT / "penalty/utf8-invalid.expected").write_text("5 encoding-invalid -\n", encoding="utf-8")
