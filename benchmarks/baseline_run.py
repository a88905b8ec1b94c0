#!/usr/bin/env python3
"""A plain-Python baseline for `gongshi run` on one national-format 行政处罚 CSV (benchmark only).

    python3 benchmarks/baseline_run.py INPUT.csv --today YYYY-MM-DD --work DIR [--calendar DIR]

Standard library only. It is the script a developer might write in an afternoon to do the same
end-to-end job: sensible (streaming, batched SQL, one transaction), but not tuned (no worker
processes, no caches beyond the deadline per decision date). It exists so that the benchmark can
time gongshi beside it; it is not part of the product and must not be used to publish anything.

What it does, streaming, with memory bounded by one chunk of 5,000 records:

1. Reads INPUT.csv (UTF-8, optional BOM) with csv.reader; maps the header (Chinese field names,
   full-width brackets folded, or CF_* codes) to fields; a missing required column, or a byte that
   is not UTF-8, fails the file (exit 65) and nothing is written to the feed or the ledger.
2. Checks each record like schemas/publication/administrative-penalty.v2.yaml: required fields;
   the fields required by 行政相对人类别 (信用代码 and 法定代表人 for 法人/个体工商户, 证件类型 and
   证件号码 for 自然人) and by 处罚类别 (罚款 → 罚款金额, 没收 → 没收金额, 暂扣/吊销 → 证照名称);
   enumerations (处罚类别 multi-valued, `其他-…` accepted); maximum lengths; dates (YYYY-MM-DD,
   YYYY/M/D, YYYY年M月D日, YYYYMMDD), 处罚决定日期 not after today, 处罚有效期 and 公示截止期 not before
   it; 统一社会信用代码 (GB 32100-2015: length, alphabet, region digits, embedded 组织机构代码,
   check character) with the 00000000000000000X placeholder and the 92 → 个体工商户 category;
   组织机构代码 (GB 11714); 证件号码 by 证件类型 (居民身份证号码 GB 11643 check digit and birth date,
   15-digit legacy numbers accepted; patterns for the other document types); 税务登记号 pattern;
   amounts (decimal, ≥ 0, at most 6 decimal places); cells beyond the header; and duplicate keys
   (行政处罚决定书文号|行政相对人名称) within the file, among records otherwise valid, the later record
   being the invalid one.
   Every problem of a record is written to DIR/problems.csv (row, field, code).
3. Computes the disclosure deadline: 7 working days after 处罚决定日期 (that day not counted), on the
   calendar in schemas/calendars/*.yaml (weekdays except days_off, plus the 调休 working_days); a
   count that leaves the calendar's coverage stops the run with exit status 78, as gongshi does.
4. Hashes each valid record: SHA-256 of all its field values, each followed by U+001F (a missing
   column as U+0000) — gongshi's encoding, but gongshi hashes only the cells a feed publishes, so
   here a change to an unpublished field (an ID number) also counts as "changed".
5. Plans against the ledger DIR/ledger.sqlite: looks the keys of each chunk of 5,000 up with one
   IN query and decides new / changed / unchanged.
6. Writes the new and changed records as CSV (UTF-8 with BOM, CRLF, CF_* headers) to
   DIR/outbox/feed-N.csv, 5,000 rows a file. 证件号码 and 法定代表人证件号码 are left out of the feed
   and a 自然人's name is masked (张*), as the 信用中国（河南·郑州）profile does.
7. Records the new and changed publications (key, hash, decision date, due date, batch) with
   executemany per chunk, all in one transaction for the whole run; the feed files are written as
   .part and renamed only after the commit, so a run that fails leaves neither feed nor ledger rows.
8. Prints one line: records, valid, invalid, published (new, changed, unchanged), seconds. Exit
   status 0, or 65 when some record is invalid (as gongshi).

A second run of the same file with the same DIR finds everything unchanged and writes no feed.

What it leaves out, compared with `gongshi run` (so the comparison is stated, not implied):

- Encodings other than UTF-8 (GB18030 and UTF-16 detection), XML sources, department mappings;
  Excel quirks (="…" guards, date serial numbers, codes turned into numbers); text normalisation
  beyond trimming whitespace (gongshi also folds full width, removes zero-width characters, upper-
  cases codes, with a warning each — here only code fields are NFKC-folded and upper-cased, silently).
- Warnings (amount ≥ 10000 万元, unknown registration category, legacy ID numbers, unknown columns)
  and the cross-field check of 罚款金额 against the "N元" written in 处罚内容.
- Personal-data screening of the free-text fields (ID, phone, bank card, e-mail numbers and a
  自然人's own name and address in 违法事实, 处罚内容 …), minors, 不予公示理由 and 程序类型 exclusions.
- Portal profiles: one feed of one fixed column list instead of one feed per portal and table
  (法人 / 自然人), file naming, JSON Lines, uploads, receipts, withdrawals.
- Publication periods (taking down what has ended, 信用修复), the per-decision register and its
  deadline state (overdue / due by the next working day, 及时率), run reports (JSON and HTML), the
  intake record of source files (skipping files already settled), ledger locking, batch states and
  retries, the run's log lines.
- gongshi spools valid records to disk and sorts them before planning; this script plans in file
  order, a chunk at a time, and uses a temporary SQLite table for the duplicate-key check.
"""

import argparse
import csv
import datetime
import hashlib
import os
import re
import sqlite3
import sys
import time
import unicodedata

CHUNK = 5000  # records planned per ledger query, and rows per feed file
DEADLINE_DAYS = 7

# --- The schema (administrative-penalty.v2.yaml), written out by hand ------------------------

NAME = "行政相对人名称"
CATEGORY = "行政相对人类别"
CREDIT = "行政相对人代码_1(统一社会信用代码)"
REGISTRATION = "行政相对人代码_2(工商注册号)"
ORG = "行政相对人代码_3(组织机构代码)"
TAX = "行政相对人代码_4(税务登记号)"
LEGAL_REP = "法定代表人"
REP_ID_TYPE = "法定代表人证件类型"
REP_ID = "法定代表人证件号码"
ID_TYPE = "证件类型"
ID_NUMBER = "证件号码"
NUMBER = "行政处罚决定书文号"
KINDS = "处罚类别"
FINE = "罚款金额(万元)"
CONFISCATED = "没收违法所得、没收非法财物的金额(万元)"
LICENCE = "暂扣或吊销证照名称及编号"
DECIDED = "处罚决定日期"
VALID_UNTIL = "处罚有效期"
SHOWN_UNTIL = "公示截止期"
AUTHORITY_CODE = "处罚机关统一社会信用代码"
SOURCE_CODE = "数据来源单位统一社会信用代码"

# (field, CF code) in the national template's order.
FIELDS = [
    (NAME, "CF_XDR_MC"), (CATEGORY, "CF_XDR_LB"), (CREDIT, "CF_XDR_SHXYM"), (REGISTRATION, "CF_XDR_GSZC"),
    (ORG, "CF_XDR_ZZJG"), (TAX, "CF_XDR_SWDJ"), ("行政相对人代码_5(事业单位证书号)", "CF_XDR_SYDW"),
    ("行政相对人代码_6(社会组织登记证号)", "CF_XDR_SHZZ"), (LEGAL_REP, "CF_FRDB"), (REP_ID_TYPE, "CF_FR_ZJLX"),
    (REP_ID, "CF_FR_ZJHM"), (ID_TYPE, "CF_XDR_ZJLX"), (ID_NUMBER, "CF_XDR_ZJHM"), (NUMBER, "CF_WSH"),
    ("违法行为类型", "CF_WFXW"), ("违法事实", "CF_SY"), ("处罚依据", "CF_YJ"), (KINDS, "CF_CFLB"),
    ("处罚内容", "CF_NR"), (FINE, "CF_NR_FK"), (CONFISCATED, "CF_NR_WFFF"), (LICENCE, "CF_NR_ZKDX"),
    (DECIDED, "CF_JDRQ"), (VALID_UNTIL, "CF_YXQ"), (SHOWN_UNTIL, "CF_GSJZQ"), ("处罚机关", "CF_CFJG"),
    (AUTHORITY_CODE, "CF_CFJGDM"), ("数据来源单位", "CF_SJLY"), (SOURCE_CODE, "CF_SJLYDM"), ("备注", "BZ"),
]
FIELD_NAMES = [name for name, _ in FIELDS]
ALIASES = {code: name for name, code in FIELDS}
ALIASES.update({"法定代表人身份证号": REP_ID, "CF_FR_SFZH": REP_ID})

REQUIRED = [NAME, CATEGORY, NUMBER, "违法行为类型", "违法事实", "处罚依据", KINDS, "处罚内容", DECIDED, VALID_UNTIL,
            "处罚机关", AUTHORITY_CODE, "数据来源单位", SOURCE_CODE]
MAX_LENGTH = {
    NAME: 200, REGISTRATION: 50, "行政相对人代码_5(事业单位证书号)": 12, "行政相对人代码_6(社会组织登记证号)": 50,
    LEGAL_REP: 50, REP_ID: 64, ID_NUMBER: 64, NUMBER: 128, "违法行为类型": 2000, "违法事实": 4000, "处罚依据": 4000,
    "处罚内容": 4000, LICENCE: 200, "处罚机关": 200, "数据来源单位": 200, "备注": 512,
}
CODE_FIELDS = [CREDIT, REGISTRATION, ORG, TAX, "行政相对人代码_5(事业单位证书号)", "行政相对人代码_6(社会组织登记证号)",
               REP_ID, ID_NUMBER, AUTHORITY_CODE, SOURCE_CODE]
SUBJECT_CATEGORIES = {"法人及非法人组织", "自然人", "个体工商户"}
LEGAL_ENTITY = {"法人及非法人组织", "个体工商户"}
ID_TYPES = {"身份证", "护照号", "港澳居民来往内地通行证", "台湾居民来往大陆通行证", "外国人永久居留身份证"}
ID_PATTERNS = {
    "护照号": re.compile(r"[A-Z0-9]{5,17}"),
    "港澳居民来往内地通行证": re.compile(r"[HM][0-9]{8}([0-9]{2})?"),
    "台湾居民来往大陆通行证": re.compile(r"[0-9]{8}([0-9]{2})?"),
    "外国人永久居留身份证": re.compile(r"[A-Z]{3}[0-9]{12}|9[0-9]{16}[0-9X]"),
}
PENALTY_KINDS = [
    "警告", "罚款", "没收违法所得、没收非法财物", "责令停产停业", "暂扣或者吊销许可证、暂扣或者吊销执照", "行政拘留",
    "通报批评", "没收违法所得", "没收非法财物", "暂扣许可证件", "降低资质等级", "吊销许可证件", "限制开展生产经营活动",
    "责令关闭", "限制从业",
]
PENALTY_KIND_SET = set(PENALTY_KINDS)
SEPARATORS = ";；、,，"
# A known value is taken whole (longest first) even when it holds a separator, as gongshi does.
KIND_TOKEN = re.compile(
    "(?:" + "|".join(re.escape(k) for k in sorted(PENALTY_KINDS, key=len, reverse=True)) + ")(?=[" + SEPARATORS
    + "]|$)|[^" + SEPARATORS + "]+")
TAX_PATTERN = re.compile(r"[0-9A-Z]{15,20}")
DECIMAL = re.compile(r"\+?([0-9]+)(?:\.([0-9]+))?")
NEGATIVE = re.compile(r"-[0-9]+(?:\.[0-9]+)?")
DATE_PATTERNS = [
    re.compile(r"([0-9]{4})[-/.]([0-9]{1,2})[-/.]([0-9]{1,2})"),
    re.compile(r"([0-9]{4})年([0-9]{1,2})月([0-9]{1,2})日"),
    re.compile(r"([0-9]{4})([0-9]{2})([0-9]{2})"),
]

# Feed: every field but the two ID numbers, which are never published.
FEED_COLUMNS = [(name, code) for name, code in FIELDS if name not in (REP_ID, ID_NUMBER)]

# --- Code checks ------------------------------------------------------------------------------

CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_VALUE = {c: i for i, c in enumerate(CREDIT_ALPHABET)}
CREDIT_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2]
ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
ID_CHECK = "10X98765432"
PLACEHOLDER = "00000000000000000X"


def org_code_problem(code):
    """GB 11714: 8 body characters (digits, capitals) and a check character, optionally XXXXXXXX-X."""
    if len(code) == 10 and code[8] == "-":
        code = code[:8] + code[9]
    if len(code) != 9:
        return "org-code-invalid"
    total = 0
    for char, weight in zip(code[:8], ORG_WEIGHTS):
        if "0" <= char <= "9":
            value = ord(char) - 48
        elif "A" <= char <= "Z":
            value = ord(char) - 55
        else:
            return "org-code-invalid"
        total += value * weight
    remainder = 11 - total % 11
    expected = "X" if remainder == 10 else "0" if remainder == 11 else str(remainder)
    return None if code[8] == expected else "org-code-invalid"


def credit_code_problem(code):
    """GB 32100-2015; `code` is trimmed and upper case. The first problem, or None."""
    if len(code) != 18:
        return "credit-code-length"
    total = 0
    for index in range(17):
        value = CREDIT_VALUE.get(code[index])
        if value is None:
            return "credit-code-character"
        total += value * CREDIT_WEIGHTS[index]
    if code[17] not in CREDIT_VALUE:
        return "credit-code-character"
    if not code[2:8].isdigit() or not code[2:8].isascii():
        return "credit-code-region"
    if org_code_problem(code[8:17]):
        return "credit-code-organization-code"
    if CREDIT_ALPHABET[(31 - total % 31) % 31] != code[17]:
        return "credit-code-check-character"
    return None


def resident_id_problem(number, today):
    """GB 11643: 18 characters with check character, or a legacy 15-digit number; birth date real, not future."""
    if len(number) == 18:
        if not (number[:17].isdigit() and number[:17].isascii()) or not (number[17].isdigit() or number[17] == "X"):
            return "id-number-invalid"
        birth = number[6:14]
    elif len(number) == 15:
        if not (number.isdigit() and number.isascii()):
            return "id-number-invalid"
        birth = "19" + number[6:12]
    else:
        return "id-number-invalid"
    try:
        born = datetime.date(int(birth[:4]), int(birth[4:6]), int(birth[6:8]))
    except ValueError:
        return "id-number-birth-date"
    if born.year < 1800 or born > today:
        return "id-number-birth-date"
    if len(number) == 18:
        total = sum((ord(c) - 48) * w for c, w in zip(number, ID_WEIGHTS))
        if ID_CHECK[total % 11] != number[17]:
            return "id-number-check-character"
    return None


def parse_date(text):
    for pattern in DATE_PATTERNS:
        match = pattern.fullmatch(text)
        if match:
            try:
                return datetime.date(int(match[1]), int(match[2]), int(match[3]))
            except ValueError:
                return None
    return None


def decimal_problem(text):
    match = DECIMAL.fullmatch(text)
    if match is None:
        return "decimal-below-minimum" if NEGATIVE.fullmatch(text) else "decimal-invalid"
    if match[2] is not None and len(match[2]) > 6:
        return "decimal-scale"
    return None


def enum_other_problem(value, allowed):
    """A single value: one of `allowed`, or `其他-` with text after it."""
    if value in allowed:
        return None
    if value.startswith("其他-") or value.startswith("其他－"):
        return None if value[3:].strip() else "enum-other-text-missing"
    return "enum-other-text-missing" if value == "其他" else "enum-unknown"


# --- The record check -------------------------------------------------------------------------

def check_record(rec, today, problems):
    """Appends (field, code) for every problem of `rec` (field → trimmed text, "" when empty).

    Returns the decision date when the record is valid so far, else None.
    """
    get = rec.get
    for field in REQUIRED:
        if not get(field):
            problems.append((field, "required-missing"))
    for field, limit in MAX_LENGTH.items():
        value = get(field)
        if value and len(value) > limit:
            problems.append((field, "max-length"))

    category = get(CATEGORY, "")
    if category and category not in SUBJECT_CATEGORIES:
        problems.append((CATEGORY, "enum-unknown"))
    if category in LEGAL_ENTITY:
        if not get(CREDIT):
            problems.append((CREDIT, "conditional-required-missing"))
        if not get(LEGAL_REP):
            problems.append((LEGAL_REP, "conditional-required-missing"))
    elif category == "自然人":
        for field in (ID_TYPE, ID_NUMBER):
            if not get(field):
                problems.append((field, "conditional-required-missing"))

    # 统一社会信用代码 of the subject: the placeholder, the 92 category, then the code itself.
    credit = get(CREDIT)
    if credit:
        if credit == PLACEHOLDER:
            if category != "个体工商户" or not get(REGISTRATION):
                problems.append((CREDIT, "credit-code-placeholder"))
        else:
            problem = credit_code_problem(credit)
            if problem:
                problems.append((CREDIT, problem))
            elif credit.startswith("92") and category and category != "个体工商户":
                problems.append((CREDIT, "credit-code-category-mismatch"))
    for field in (AUTHORITY_CODE, SOURCE_CODE):
        value = get(field)
        if value:
            problem = credit_code_problem(value)
            if problem:
                problems.append((field, problem))
    org = get(ORG)
    if org and org_code_problem(org):
        problems.append((ORG, "org-code-invalid"))
    tax = get(TAX)
    if tax and not TAX_PATTERN.fullmatch(tax):
        problems.append((TAX, "format-invalid"))

    # Documents: the type (enumeration) says how to check the number.
    for type_field, number_field in ((REP_ID_TYPE, REP_ID), (ID_TYPE, ID_NUMBER)):
        kind = get(type_field)
        if not kind:
            continue
        problem = enum_other_problem(kind, ID_TYPES)
        if problem:
            problems.append((type_field, problem))
            continue
        number = get(number_field)
        if not number:
            continue
        if kind == "身份证":
            problem = resident_id_problem(number, today)
            if problem:
                problems.append((number_field, problem))
        elif kind in ID_PATTERNS and not ID_PATTERNS[kind].fullmatch(number):
            problems.append((number_field, "id-document-format"))

    # 处罚类别: several values, each known or 其他-…; what they name makes other fields required.
    kinds = get(KINDS)
    if kinds:
        for token in KIND_TOKEN.findall(kinds):
            token = token.strip(" \u3000")
            if token:
                problem = enum_other_problem(token, PENALTY_KIND_SET)
                if problem:
                    problems.append((KINDS, problem))
        if "罚款" in kinds and not get(FINE):
            problems.append((FINE, "conditional-required-missing"))
        if "没收" in kinds and not get(CONFISCATED):
            problems.append((CONFISCATED, "conditional-required-missing"))
        if ("暂扣" in kinds or "吊销" in kinds) and not get(LICENCE):
            problems.append((LICENCE, "conditional-required-missing"))
    for field in (FINE, CONFISCATED):
        value = get(field)
        if value:
            problem = decimal_problem(value)
            if problem:
                problems.append((field, problem))

    decided = None
    text = get(DECIDED)
    if text:
        decided = parse_date(text)
        if decided is None:
            problems.append((DECIDED, "date-invalid"))
        elif decided > today:
            problems.append((DECIDED, "date-in-future"))
    for field in (VALID_UNTIL, SHOWN_UNTIL):
        text = get(field)
        if text:
            day = parse_date(text)
            if day is None:
                problems.append((field, "date-invalid"))
            elif decided is not None and day < decided:
                problems.append((field, "date-order"))
    return decided


# --- The calendar -----------------------------------------------------------------------------

class CalendarError(Exception):
    pass


def load_calendar(folder):
    """Reads every YYYY.yaml in `folder` (the simple format of schemas/calendars/README.md)."""
    days_off, working_days, years = set(), set(), []
    entry = re.compile(r"-\s+([0-9]{4}-[0-9]{2}-[0-9]{2})\s+\S+")
    for file_name in sorted(os.listdir(folder)):
        if not re.fullmatch(r"[0-9]{4}\.ya?ml", file_name):
            continue
        year, section = None, None
        with open(os.path.join(folder, file_name), encoding="utf-8") as handle:
            for number, line in enumerate(handle, 1):
                content = line.split("#", 1)[0].rstrip()
                if not content.strip():
                    continue
                if not line[0].isspace():  # a top-level key
                    key, _, value = content.partition(":")
                    section = key.strip() if key.strip() in ("days_off", "working_days") else None
                    if key.strip() == "year":
                        year = int(value.strip())
                    continue
                if section is None:
                    continue  # list items of other keys (amended_by)
                match = entry.fullmatch(content.strip())
                if not match:
                    raise CalendarError(f"{file_name}:{number}: not `- YYYY-MM-DD 名称`")
                day = datetime.date.fromisoformat(match[1])
                (days_off if section == "days_off" else working_days).add(day)
        if year is None or str(year) != file_name.split(".")[0]:
            raise CalendarError(f"{file_name}: year missing or not the file name")
        years.append(year)
    if not years:
        raise CalendarError(f"{folder}: no calendar files")
    years.sort()
    if years != list(range(years[0], years[-1] + 1)):
        raise CalendarError(f"{folder}: a year is missing between {years[0]} and {years[-1]}")
    if days_off & working_days:
        raise CalendarError("a day is both off and a working day")
    return days_off, working_days, datetime.date(years[0], 1, 1), datetime.date(years[-1], 12, 31)


class Deadlines:
    def __init__(self, calendar, days):
        self.days_off, self.working_days, self.first, self.last = calendar
        self.days = days
        self.cache = {}  # decision date → due date (a few hundred distinct dates)

    def due(self, decided):
        due = self.cache.get(decided)
        if due is None:
            if decided < self.first:
                raise CalendarError(f"{decided} is before the calendar's coverage ({self.first}…{self.last})")
            day, counted = decided, 0
            one = datetime.timedelta(days=1)
            while counted < self.days:
                day += one
                if day > self.last:
                    raise CalendarError(
                        f"the deadline of {decided} runs past the calendar's coverage ({self.first}…{self.last}); "
                        f"add {self.last.year + 1}.yaml")
                if day in self.working_days or (day.weekday() < 5 and day not in self.days_off):
                    counted += 1
            due = self.cache[decided] = day
        return due


# --- The run ----------------------------------------------------------------------------------

class FeedWriter:
    """Feed batches of CHUNK rows as .part files, renamed to feed-N.csv after the ledger commits."""

    def __init__(self, outbox, first_batch):
        self.outbox, self.batch, self.rows = outbox, first_batch - 1, CHUNK
        self.handle = self.writer = None
        self.parts = []

    def write(self, row):
        if self.rows >= CHUNK:
            self._rotate()
        self.writer.writerow(row)
        self.rows += 1
        return self.batch

    def _rotate(self):
        self.close()
        self.batch += 1
        path = os.path.join(self.outbox, f"feed-{self.batch}.csv.part")
        self.parts.append(path)
        self.handle = open(path, "w", encoding="utf-8-sig", newline="")
        self.writer = csv.writer(self.handle, lineterminator="\r\n")
        self.writer.writerow([code for _, code in FEED_COLUMNS])
        self.rows = 0

    def close(self):
        if self.handle is not None:
            self.handle.close()
            self.handle = None

    def publish(self):
        self.close()
        for path in self.parts:
            os.replace(path, path[: -len(".part")])

    def discard(self):
        self.close()
        for path in self.parts:
            try:
                os.remove(path)
            except FileNotFoundError:
                pass


class Run:
    def __init__(self, work, today, deadlines):
        self.today, self.deadlines = today, deadlines
        os.makedirs(os.path.join(work, "outbox"), exist_ok=True)
        self.db = sqlite3.connect(os.path.join(work, "ledger.sqlite"), isolation_level=None)
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS published (key TEXT PRIMARY KEY, hash TEXT NOT NULL, decided TEXT NOT NULL,"
            " due TEXT NOT NULL, batch INTEGER NOT NULL) WITHOUT ROWID")
        self.db.execute("CREATE TEMP TABLE seen (key TEXT PRIMARY KEY) WITHOUT ROWID")  # this file's keys
        self.db.execute("BEGIN IMMEDIATE")
        last = self.db.execute("SELECT COALESCE(MAX(batch), 0) FROM published").fetchone()[0]
        self.feed = FeedWriter(os.path.join(work, "outbox"), last + 1)
        self.problems_file = open(os.path.join(work, "problems.csv"), "w", encoding="utf-8", newline="")
        self.problems = csv.writer(self.problems_file, lineterminator="\n")
        self.problems.writerow(["row", "field", "problem"])
        self.pending = {}  # key → (row, hash, decided, due, feed row), at most CHUNK
        self.records = self.valid = self.invalid = 0
        self.new = self.changed = self.unchanged = 0

    def add(self, row_number, rec):
        self.records += 1
        problems = []
        decided = check_record(rec, self.today, problems)
        key = rec.get(NUMBER, "") + "|" + rec.get(NAME, "")
        if not problems and key in self.pending:
            problems.append((NUMBER, "duplicate-key"))
        if problems:
            self.invalid += 1
            self.problems.writerows((row_number, field, code) for field, code in problems)
            return
        values = [rec.get(name) for name in FIELD_NAMES]
        digest = hashlib.sha256(("\x1f".join("\x00" if v is None else v for v in values) + "\x1f").encode())
        feed_row = [rec.get(name, "") for name, _ in FEED_COLUMNS]
        if rec[CATEGORY] == "自然人":
            feed_row[0] = feed_row[0][:1] + "*"
        due = self.deadlines.due(decided)
        self.pending[key] = (row_number, digest.hexdigest(), decided.isoformat(), due.isoformat(), feed_row)
        if len(self.pending) >= CHUNK:
            self.plan()

    def plan(self):
        """Plans the pending chunk: duplicates of earlier chunks, then new / changed / unchanged."""
        if not self.pending:
            return
        keys = list(self.pending)
        marks = ",".join("?" * len(keys))
        for (key,) in self.db.execute(f"SELECT key FROM seen WHERE key IN ({marks})", keys).fetchall():
            row_number = self.pending.pop(key)[0]
            self.invalid += 1
            self.problems.writerow((row_number, NUMBER, "duplicate-key"))
        keys = list(self.pending)
        self.db.executemany("INSERT INTO seen (key) VALUES (?)", ((key,) for key in keys))
        marks = ",".join("?" * len(keys))
        known = dict(self.db.execute(f"SELECT key, hash FROM published WHERE key IN ({marks})", keys).fetchall())
        publish = []
        for key, (_, digest, decided, due, feed_row) in self.pending.items():
            previous = known.get(key)
            if previous == digest:
                self.unchanged += 1
                continue
            if previous is None:
                self.new += 1
            else:
                self.changed += 1
            batch = self.feed.write(feed_row)
            publish.append((key, digest, decided, due, batch))
        self.db.executemany(
            "INSERT INTO published (key, hash, decided, due, batch) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT (key) DO UPDATE SET hash = excluded.hash, decided = excluded.decided, due = excluded.due,"
            " batch = excluded.batch", publish)
        self.valid += len(self.pending)
        self.pending = {}

    def finish(self):
        self.plan()
        self.problems_file.close()
        self.feed.close()
        self.db.execute("COMMIT")
        self.feed.publish()
        self.db.close()

    def abandon(self):
        self.problems_file.close()
        self.feed.discard()
        if self.db.in_transaction:
            self.db.execute("ROLLBACK")
        self.db.close()


def read(path, run):
    with open(path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if header is None:
            raise ValueError("the file is empty")
        columns = []  # (cell index, field, whether it holds a code)
        for index, name in enumerate(header):
            name = unicodedata.normalize("NFKC", name).strip()  # full-width brackets, as Excel users type them
            field = name if name in FIELD_NAMES else ALIASES.get(name)
            if field is not None:
                columns.append((index, field, field in CODE_FIELDS))
        missing = [f for f in REQUIRED if f not in {column[1] for column in columns}]
        if missing:
            raise ValueError("missing-column: " + ", ".join(missing))
        width = len(header)
        row_number = 1
        for cells in reader:
            row_number += 1
            if not any(cell.strip() for cell in cells):
                continue  # blank row, skipped
            rec = {}
            count = len(cells)
            for index, field, is_code in columns:
                value = cells[index].strip() if index < count else ""
                if is_code and value:
                    if not value.isascii():
                        value = unicodedata.normalize("NFKC", value).strip()
                    value = value.upper()
                rec[field] = value
            if len(cells) > width and any(cell.strip() for cell in cells[width:]):
                run.records += 1
                run.invalid += 1
                run.problems.writerow((row_number, "-", "extra-cell"))
                continue
            run.add(row_number, rec)


def main():
    parser = argparse.ArgumentParser(description="Plain-Python baseline of `gongshi run` for one penalty CSV.")
    parser.add_argument("input")
    parser.add_argument("--today", required=True, type=datetime.date.fromisoformat)
    parser.add_argument("--work", required=True, help="folder for ledger.sqlite, outbox/ and problems.csv")
    parser.add_argument("--calendar", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "schemas",
                                                             "calendars"))
    args = parser.parse_args()
    start = time.monotonic()
    try:
        deadlines = Deadlines(load_calendar(args.calendar), DEADLINE_DAYS)
    except (OSError, ValueError, CalendarError) as error:
        print(f"baseline: calendar: {error}", file=sys.stderr)
        return 78
    run = Run(args.work, args.today, deadlines)
    try:
        read(args.input, run)
        run.finish()
    except CalendarError as error:
        run.abandon()
        print(f"baseline: {error}", file=sys.stderr)
        return 78
    except (OSError, ValueError, UnicodeDecodeError, csv.Error) as error:
        run.abandon()
        print(f"baseline: {args.input}: {error}", file=sys.stderr)
        return 65
    except BaseException:
        run.abandon()
        raise
    seconds = time.monotonic() - start
    print(f"records {run.records} valid {run.valid} invalid {run.invalid} "
          f"published {run.new + run.changed} (new {run.new}, changed {run.changed}, unchanged {run.unchanged}) "
          f"seconds {seconds:.2f}")
    return 65 if run.invalid else 0


if __name__ == "__main__":
    sys.exit(main())
