"""Province-scale standard workbook (CSV folder) for `make bench`.

A province of ``people`` people in about ``people / 33`` units spread over Zhejiang's county-level
divisions, with quotas, positions, loans, limits and the usual mix of violations (a fraction of a
percent of each rule). Deterministic for a given size and seed. Fast: plain tuples, csv.writer.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import random
import sys
from pathlib import Path

from bianzhi.core.validators import id_check_character, region_code_known

REGIONS = [
    "330102", "330105", "330106", "330108", "330109", "330110", "330111", "330112", "330113", "330114",
    "330122", "330127", "330182", "330203", "330205", "330206", "330211", "330212", "330213", "330225",
    "330226", "330281", "330282", "330302", "330303", "330304", "330305", "330324", "330326", "330327",
    "330328", "330329", "330381", "330382", "330383", "330402", "330411", "330421", "330424", "330481",
    "330482", "330483", "330502", "330503", "330521", "330522", "330523", "330602", "330603", "330604",
    "330624", "330681", "330683", "330702", "330703", "330723", "330726", "330727", "330781", "330782",
    "330783", "330784", "330802", "330803", "330822", "330824", "330825", "330881", "330902", "330903",
    "330921", "330922", "331002", "331003", "331004", "331022", "331023", "331024", "331081", "331082",
    "331083", "331102", "331121", "331122", "331123", "331124", "331125", "331126", "331127", "331181",
]  # fmt: skip
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志红文斌宇浩然晨曦欣怡子涵梓萱俊杰思远"
UNIT_HEADERS = [
    "机构代码",
    "机构名称",
    "机构类型",
    "序列",
    "区划代码",
    "上级机构代码",
    "事业单位类别",
    "核定内设机构数",
]
PEOPLE_HEADERS = [
    "身份证号", "姓名", "性别", "出生日期", "民族", "政治面貌", "学历", "人员类别", "机构代码", "内设机构代码",
    "编制类型", "职数类别", "进编日期", "人员状态", "离编日期", "核销日期",
]  # fmt: skip


def generate(folder: Path, *, people: int, seed: int = 1) -> dict[str, int]:
    rng = random.Random(seed)
    regions = [r for r in REGIONS if region_code_known(r)]
    folder.mkdir(parents=True, exist_ok=True)
    per_region_units = max(3, people // 33 // len(regions))
    units: list[tuple] = []  # (code, kind, staffing type, size)
    unit_rows, quota_rows, position_rows, loan_rows, limit_rows = [], [], [], [], []
    serial = 0
    for region in regions:
        organs = 0
        for i in range(per_region_units):
            serial += 1
            code = f"U{serial:06d}"
            if i % 4 == 0:
                kind, sequence, staffing = (
                    ("党委工作机关", "党委", "行政编制") if i % 8 == 0 else ("政府工作部门", "政府", "行政编制")
                )
                organs += 1
                unit_rows.append([code, f"{region}区第{i}部门", kind, sequence, region, "", "", 3])
                for d in range(1, 3):
                    unit_rows.append([f"{code}-{d}", f"第{d}科", "内设机构", "", "", code, "", ""])
                units.append((code, kind, staffing, f"{code}-1"))
                parent = code
            else:
                unit_rows.append([code, f"{region}区第{i}中心", "事业单位", "", "", parent, "公益一类", ""])
                units.append((code, "事业单位", "事业编制", ""))
        limit_rows.append([region, "党政机构", organs + (0 if rng.random() < 0.05 else 2)])
    # People spread over units; each unit's quota is its headcount plus a little room.
    counts = [0] * len(units)
    for _ in range(people):
        counts[rng.randrange(len(units))] += 1
    today = dt.date(2026, 6, 30)
    seq = 0
    used: set[str] = set()
    with (folder / "人员.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(PEOPLE_HEADERS)
        for index, (code, kind, staffing, division) in enumerate(units):
            n = counts[index]
            r = rng.random()
            approved = n - 1 if r < 0.01 else (int(n * 1.6) + 1 if r < 0.02 else n + rng.randint(0, 2))
            quota_rows.append([code, staffing, max(approved, 0)])
            position_rows.append([code, "正职", 1])
            position_rows.append([code, "副职", 2 if rng.random() > 0.01 else 0])
            if rng.random() < 0.02:
                due = dt.date(2026, rng.randint(1, 12), 28)
                loan_rows.append([code, staffing, 1, "2024-01-01", due.isoformat(), "使用中"])
            for k in range(n):
                seq += 1
                male = rng.random() < 0.55
                birth = dt.date(1972, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 30))
                if rng.random() < 0.002:
                    birth = dt.date(1960, 3, 3)  # past retirement age
                region = regions[seq % len(regions)]
                tail = (seq % 499) * 2 + (1 if male else 0)
                first17 = f"{region}{birth:%Y%m%d}{tail:03d}"
                while first17 in used:  # keep ID numbers unique
                    tail = (tail + 2) % 1000
                    first17 = f"{region}{birth:%Y%m%d}{tail:03d}"
                used.add(first17)
                left = written_off = ""
                status = "在编"
                if rng.random() < 0.03:
                    status = "调出"
                    left_day = dt.date(2026, rng.randint(1, 6), rng.randint(1, 28))
                    left = left_day.isoformat()
                    written_off = "" if rng.random() < 0.1 else (left_day + dt.timedelta(days=3)).isoformat()
                person_type = staffing
                if rng.random() < 0.002:
                    person_type = "工勤编制" if kind == "事业单位" else "事业编制"  # mixed staffing
                writer.writerow(
                    [
                        first17 + id_check_character(first17),
                        SURNAMES[seq % len(SURNAMES)] + GIVEN[(seq * 7) % len(GIVEN)] + GIVEN[(seq * 13) % len(GIVEN)],
                        "男" if male else "女",
                        birth.isoformat(),
                        "汉族",
                        "中国共产党党员" if seq % 3 else "群众",
                        "大学本科毕业",
                        "公务员" if kind != "事业单位" else "事业专业技术人员",
                        code,
                        division if division and k % 3 == 0 else "",
                        person_type,
                        "正职" if k == 0 else ("副职" if k in (1, 2) else ""),
                        (today - dt.timedelta(days=rng.randrange(400, 9000))).isoformat(),
                        status,
                        left,
                        written_off,
                    ]
                )
    for name, headers, rows in (
        ("机构", UNIT_HEADERS, unit_rows),
        ("编制", ["机构代码", "编制类型", "核定数"], quota_rows),
        ("职数", ["机构代码", "职数类别", "核定数"], position_rows),
        ("周转编制", ["机构代码", "编制类型", "数量", "使用日期", "回收日期", "状态"], loan_rows),
        ("限额", ["区划代码", "限额类别", "限额数"], limit_rows),
    ):
        with (folder / f"{name}.csv").open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(headers)
            writer.writerows(rows)
    return {
        "机构": len(unit_rows),
        "编制": len(quota_rows),
        "职数": len(position_rows),
        "周转编制": len(loan_rows),
        "限额": len(limit_rows),
        "人员": people,
    }


def to_xlsx(folder: Path, path: Path) -> Path:
    """The CSV folder as one .xlsx workbook, as Excel users keep it: a sheet per CSV, dates as date
    cells, everything else as text (openpyxl's write-only mode: rows stream to the file)."""
    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    for sheet_path in sorted(folder.glob("*.csv")):
        sheet = book.create_sheet(sheet_path.stem)
        with sheet_path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle)
            headers = next(reader)
            sheet.append(headers)
            dates = [i for i, header in enumerate(headers) if header.endswith("日期")]
            for row in reader:
                cells: list[object] = [cell or None for cell in row]
                for i in dates:
                    if row[i]:
                        cells[i] = dt.date.fromisoformat(row[i])
                sheet.append(cells)
    partial = path.with_name(f"{path.name}.partial")
    book.save(partial)
    partial.replace(path)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description="生成省级规模的标准工作簿（CSV 文件夹）")
    parser.add_argument("folder", type=Path)
    parser.add_argument("--people", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    counts = generate(args.folder, people=args.people, seed=args.seed)
    sys.stdout.write(f"{counts}\n")


if __name__ == "__main__":
    main()
