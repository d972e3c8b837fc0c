"""Deterministic generator of the demo district 越城区 (330602) as a standard workbook (interchange.md §1).

``build_demo_workbook()`` returns the six sheets 机构, 编制, 职数, 周转编制, 限额 and 人员 as rows keyed by
the Chinese headers, in the column order of :data:`bianzhi.registry.importer.schema.SHEETS`. The
same seed gives the same workbook on every run and under any ``PYTHONHASHSEED``: all randomness
comes from one ``random.Random(seed)`` and one ``Faker("zh_CN")`` seeded with ``seed_instance``, and
nothing iterates over a set.

The district looks like a real Zhejiang county-level register: party and government organs of
越城区 with their internal divisions, the people's congress, CPPCC, court, procuratorate, mass
organisations, its 15 街道, about 170 public institutions (schools, community health centres,
service centres under departments and 街道), and some 6,000 people with valid ID numbers.

It is clean as of :data:`AS_OF` (2026-06-30) except for a realistic handful of violations of each
monitoring rule of domain.md §4, planted on purpose; :data:`PLANTED` says how many alerts each rule
must give as of that day:

* ``over_staffing`` (3): 区住房和城乡建设局 行政编制 (+1), the first 初中 事业编制 (+2), and
  区财政局 行政编制 (+2) — the last only because its turnover loan of 2 was returned (已回收).
* ``over_positions`` (2): 区农业农村局 has four 副职 for three approved; 区重大项目服务中心 has a
  正职 in post but no 正职 row in 职数.
* ``over_limit`` (1): 区综合行政执法局 has six active 内设机构 for five approved. The 党政机构 and
  事业单位 limits of 330602 hold; 区委宣传部 has six 内设机构 for five approved, one of them abolished.
* ``mixed_staffing`` (4): a 事业编制 person in 区发展和改革局, a 工勤编制 person in 区图书馆, a
  事业编制 person in 塔山街道 and a 行政编制 person in 区社会保险事业管理中心 (each unit has a quota
  of 1 of that type, so none of them is also over-staffed).
* ``over_retirement_age`` (5): people on staff past their statutory retirement month (domain.md §5).
* ``overdue_turnover`` (2): loans still 使用中 after their 回收日期.
* ``late_write_off`` (4): people who left in May or June 2026, not written off, deadline passed.
* ``vacancy_idle`` (3): 区文物保护管理所 事业编制, 区统计局 工勤编制 and 区水利水电工程建设服务中心
  事业编制: vacancy ≥ 20 % and nobody of that unit and type joined after 2025-06-30.

Everywhere else the data are built not to trigger these rules: actual ≤ approved, leaders within
approved positions, vacancy rates under 20 % or someone joining in the last year, nobody past
retirement, every leaver written off by the deadline or still within it.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import random
from dataclasses import dataclass, field
from pathlib import Path

from faker import Faker

from bianzhi.core.validators import credit_check_character, id_check_character, organisation_check_character
from bianzhi.core.workdays import write_off_deadline
from bianzhi.registry.importer.schema import SHEETS
from bianzhi.registry.retirement import retirement_month

__all__ = [
    "AS_OF",
    "DEFAULT_PEOPLE",
    "DEFAULT_SEED",
    "DISTRICT",
    "MIN_PEOPLE",
    "PLANTED",
    "DemoWorkbook",
    "build_demo_workbook",
]

#: The demo's reference day: the planted violations are relative to it.
AS_OF = dt.date(2026, 6, 30)
#: 越城区, in 330600 绍兴市, 330000 浙江省 (GB/T 2260).
DISTRICT = "330602"
DEFAULT_SEED = 20260630
DEFAULT_PEOPLE = 6000
#: Below this the fixed structure (about 250 units, each with a few people) does not fit.
MIN_PEOPLE = 1000

#: Number of alerts each monitoring rule must give on the demo as of :data:`AS_OF`.
PLANTED: dict[str, int] = {
    "over_staffing": 3,
    "over_positions": 2,
    "over_limit": 1,
    "mixed_staffing": 4,
    "over_retirement_age": 5,
    "overdue_turnover": 2,
    "late_write_off": 4,
    "vacancy_idle": 3,
}

# vacancy_idle looks at 进编日期 after this day, up to AS_OF (domain.md §4).
_IDLE_SINCE = dt.date(2025, 6, 30)
# Nobody on staff (but the planted cases) has a retirement month before this.
_FIRST_RETIREMENT = dt.date(2026, 7, 1)
_EARLIEST_ENTRY = dt.date(1985, 1, 1)
_EARLIEST_LEFT = dt.date(2021, 1, 1)

ADMIN = "行政编制"
POLITICAL_LEGAL = "政法专项编制"
INSTITUTIONAL = "事业编制"
WORKER = "工勤编制"
_TYPE_ORDER = (ADMIN, POLITICAL_LEGAL, INSTITUTIONAL, WORKER)

HEAD = "正职"
DEPUTY = "副职"
DIVISION_HEAD = "内设机构正职"
DIVISION_DEPUTY = "内设机构副职"

ON_STAFF = "在编"
CIVIL_SERVANT = "公务员"
REFERENCE_MANAGED = "参公人员"
MANAGER = "事业管理人员"
PROFESSIONAL = "事业专业技术人员"
INSTITUTION_WORKER = "事业工勤人员"
ORGAN_WORKER = "机关工勤人员"

INSTITUTION = "事业单位"
DIVISION = "内设机构"

_PARTY = "中共绍兴市越城区委"
_CITY = "绍兴市越城区"

# ---------------------------------------------------------------------------
# The catalogue of units
# ---------------------------------------------------------------------------

# (key, full name, nominal 行政编制 on staff, internal divisions)
_PARTY_ORGANS = (
    ("区委办", f"{_PARTY}办公室", 26, "秘书科 综合科 督查科 信息科 机要科"),
    ("组织部", f"{_PARTY}组织部", 22, "办公室 组织科 干部科 干部监督科 公务员管理科 人才工作科"),
    ("宣传部", f"{_PARTY}宣传部", 16, "办公室 理论教育科 新闻科 文明创建科 文艺科"),
    ("统战部", f"{_PARTY}统战部", 12, "办公室 党派科 民族宗教科 经济联络科"),
    ("政法委", f"{_PARTY}政法委员会", 9, "办公室 综治科 执法监督科 维稳指导科"),
    ("编办", f"{_PARTY}机构编制委员会办公室", 8, "综合科 机构编制科 事业单位登记管理科"),
    ("社工部", f"{_PARTY}社会工作部", 10, "办公室 社会工作科 基层治理科"),
    ("网信办", f"{_PARTY}网络安全和信息化委员会办公室", 7, "综合科 网络管理科"),
    ("巡察办", f"{_PARTY}巡察工作领导小组办公室", 10, "综合科 巡察指导科"),
    ("老干部局", f"{_PARTY}老干部局", 7, "综合科 服务管理科"),
    ("机关工委", "中共绍兴市越城区直属机关工作委员会", 6, "办公室 组织宣传科"),
    ("政研室", f"{_PARTY}政策研究室", 5, ""),
    ("改革办", f"{_PARTY}全面深化改革委员会办公室", 5, ""),
    ("外办", f"{_PARTY}外事工作委员会办公室", 4, ""),
    ("台办", f"{_PARTY}台湾工作办公室", 4, ""),
    ("财经办", f"{_PARTY}财经委员会办公室", 5, ""),
    ("金融办", f"{_PARTY}金融委员会办公室", 5, ""),
    ("国安办", f"{_PARTY}国家安全委员会办公室", 4, ""),
    ("机要保密局", f"{_PARTY}机要保密局", 5, ""),
)

_GOVERNMENT = (
    ("政府办", f"{_CITY}人民政府办公室", 26, "秘书科 综合科 督查科 政务公开科"),
    ("发改局", f"{_CITY}发展和改革局", 20, "办公室 综合规划科 投资科 产业发展科 价格科"),
    ("经信局", f"{_CITY}经济和信息化局", 17, "办公室 工业经济科 数字经济科 节能与循环经济科"),
    ("教体局", f"{_CITY}教育体育局", 28, "办公室 基础教育科 人事科 计划财务科 体育科 安全管理科"),
    ("科技局", f"{_CITY}科学技术局", 9, "办公室 科技创新科"),
    ("民政局", f"{_CITY}民政局", 14, "办公室 社会救助科 养老服务科 社会组织管理科"),
    ("司法局", f"{_CITY}司法局", 12, "办公室 法治督察科 行政复议科 法律服务管理科"),
    ("财政局", f"{_CITY}财政局", 28, "办公室 预算科 国库科 行政政法科 教科文科 经济建设科 社会保障科 会计科"),
    ("人社局", f"{_CITY}人力资源和社会保障局", 22, "办公室 就业促进科 人才开发科 事业单位人事管理科 劳动关系科"),
    ("住建局", f"{_CITY}住房和城乡建设局", 20, "办公室 建筑业管理科 房地产市场监管科 城市建设科"),
    ("交通局", f"{_CITY}交通运输局", 14, "办公室 规划建设科 运输管理科"),
    ("水利局", f"{_CITY}水利局", 11, "办公室 水利工程科"),
    ("农业农村局", f"{_CITY}农业农村局", 18, "办公室 农村经营管理科 种植业科 乡村振兴科"),
    ("商务局", f"{_CITY}商务局", 11, "办公室 外贸科 商贸流通科"),
    ("文广旅局", f"{_CITY}文化广电旅游局", 14, "办公室 文化产业科 旅游发展科 文物科"),
    ("卫健局", f"{_CITY}卫生健康局", 18, "办公室 医政医管科 疾病预防控制科 基层卫生科 人口家庭科"),
    ("退役军人局", f"{_CITY}退役军人事务局", 9, "办公室 优抚科"),
    ("应急局", f"{_CITY}应急管理局", 14, "办公室 安全生产综合协调科 防汛抗旱科 监督管理科"),
    ("审计局", f"{_CITY}审计局", 12, "办公室 财政审计科 经济责任审计科"),
    ("统计局", f"{_CITY}统计局", 9, "办公室 综合统计科"),
    ("医保局", f"{_CITY}医疗保障局", 9, "办公室 医保基金监管科"),
    ("综合执法局", f"{_CITY}综合行政执法局", 38, "办公室 政策法规科 执法监督科 市容管理科 环卫管理科 数字城管科"),
)

# Set up in the 2019 and 2024 institutional reforms.
_ESTABLISHED = {
    "退役军人局": dt.date(2019, 3, 12),
    "应急局": dt.date(2019, 3, 12),
    "医保局": dt.date(2019, 3, 12),
    "社工部": dt.date(2024, 3, 28),
    "金融办": dt.date(2024, 3, 28),
    "国安办": dt.date(2019, 3, 12),
}

# (key, full name, kind, managing unit, nominal 行政编制, divisions)
_DEPARTMENT_AGENCIES = (
    ("档案局", f"{_CITY}档案局", "区委办", 6, ""),
    ("机关事务局", f"{_CITY}机关事务管理局", "政府办", 9, "综合科 公物管理科"),
    ("国动办", f"{_CITY}国防动员办公室", "政府办", 6, ""),
)

# (full name, the unit its office is in): no staffing of their own.
_COORDINATION = (
    (f"{_CITY}防汛防台抗旱指挥部办公室", "应急局"),
    (f"{_CITY}爱国卫生运动委员会办公室", "卫健局"),
    (f"{_PARTY}全面依法治区委员会办公室", "司法局"),
)

# (key, full name, nominal 行政编制, divisions, head title, deputy title)
_MASS_ORGANISATIONS = (
    ("总工会", f"{_CITY}总工会", 12, "办公室 组织宣传部 权益保障部", "主席", "副主席"),
    ("团区委", "共青团绍兴市越城区委员会", 6, "", "书记", "副书记"),
    ("妇联", f"{_CITY}妇女联合会", 6, "", "主席", "副主席"),
    ("科协", f"{_CITY}科学技术协会", 5, "", "主席", "副主席"),
    ("残联", f"{_CITY}残疾人联合会", 8, "办公室 康复就业部", "理事长", "副理事长"),
    ("工商联", f"{_CITY}工商业联合会", 6, "", "主席", "副主席"),
)

_TOWNS = (
    "塔山",
    "府山",
    "北海",
    "城南",
    "稽山",
    "迪荡",
    "东湖",
    "皋埠",
    "灵芝",
    "斗门",
    "马山",
    "孙端",
    "陶堰",
    "鉴湖",
    "东浦",
)
_RURAL_TOWNS = frozenset({"皋埠", "斗门", "马山", "孙端", "陶堰", "鉴湖", "东浦"})
_TOWN_DIVISIONS = "党政办公室 党建工作办公室 经济发展办公室 社会事务管理办公室 平安建设办公室"
_TOWN_DEPUTY_TITLES = (
    "党工委副书记",
    "办事处副主任",
    "纪工委书记",
    "办事处副主任",
    "人武部部长",
    "党工委委员",
    "办事处副主任",
)

# Public institutions under a department:
# (managing unit key or None for a top-level one, full name, nominal 事业编制, profile,
#  事业单位类别, 经费形式, 参公, 机构规格, key or "")
_INSTITUTIONS = (
    (None, f"{_PARTY}党校", 18, "partyschool", "公益一类", "财政全额", False, "正科级", ""),
    ("区委办", f"{_CITY}档案馆", 8, "culture", "公益一类", "财政全额", True, "股级", ""),
    ("区委办", f"{_CITY}党史研究中心", 5, "centre", "公益一类", "财政全额", False, "", ""),
    ("组织部", f"{_CITY}党员教育服务中心", 6, "centre", "公益一类", "财政全额", False, "股级", ""),
    ("组织部", f"{_CITY}人才服务中心", 9, "centre", "公益一类", "财政全额", False, "股级", "人才中心"),
    ("宣传部", f"{_CITY}融媒体中心", 48, "media", "公益二类", "财政差额", False, "正科级", "融媒体中心"),
    ("宣传部", f"{_CITY}文明创建指导中心", 5, "centre", "公益一类", "财政全额", False, "", ""),
    ("统战部", f"{_CITY}民族宗教事务服务中心", 4, "centre", "公益一类", "财政全额", False, "", ""),
    ("政法委", f"{_CITY}社会治理中心", 22, "centre", "公益一类", "财政全额", False, "副科级", "社会治理中心"),
    ("编办", f"{_CITY}机构编制信息中心", 4, "centre", "公益一类", "财政全额", False, "股级", ""),
    ("老干部局", f"{_CITY}老干部活动中心", 5, "centre", "公益一类", "财政全额", False, "", ""),
    ("巡察办", f"{_CITY}巡察服务中心", 4, "centre", "公益一类", "财政全额", False, "", ""),
    ("纪委", f"{_CITY}廉政教育中心", 5, "centre", "公益一类", "财政全额", False, "", ""),
    ("人大", f"{_CITY}人大代表联络服务中心", 4, "centre", "公益一类", "财政全额", False, "", ""),
    ("政协", f"{_CITY}政协委员服务中心", 4, "centre", "公益一类", "财政全额", False, "", ""),
    ("政府办", f"{_CITY}政务服务中心", 18, "centre", "公益一类", "财政全额", False, "副科级", ""),
    ("政府办", f"{_CITY}金融服务中心", 6, "centre", "公益一类", "财政全额", False, "", ""),
    ("发改局", f"{_CITY}重大项目服务中心", 10, "centre", "公益一类", "财政全额", False, "股级", "重大项目中心"),
    ("发改局", f"{_CITY}价格认证中心", 5, "centre", "公益一类", "财政全额", False, "", ""),
    ("发改局", f"{_CITY}能源监测中心", 4, "centre", "公益一类", "财政全额", False, "", ""),
    ("经信局", f"{_CITY}中小企业服务中心", 8, "centre", "公益一类", "财政全额", False, "股级", ""),
    ("经信局", f"{_CITY}经济运行监测中心", 5, "centre", "公益一类", "财政全额", False, "", ""),
    ("教体局", f"{_CITY}教师发展中心", 24, "school", "公益一类", "财政全额", False, "副科级", ""),
    ("教体局", f"{_CITY}学生资助管理中心", 4, "centre", "公益一类", "财政全额", False, "", ""),
    ("教体局", f"{_CITY}教育技术中心", 8, "centre", "公益一类", "财政全额", False, "股级", ""),
    ("教体局", f"{_CITY}业余体育学校", 14, "school", "公益一类", "财政全额", False, "股级", ""),
    ("科技局", f"{_CITY}科技创新服务中心", 6, "centre", "公益一类", "财政全额", False, "", "科创中心"),
    ("民政局", f"{_CITY}社会福利中心", 26, "welfare", "公益二类", "财政差额", False, "股级", "福利中心"),
    ("民政局", f"{_CITY}殡葬管理所", 10, "centre", "公益二类", "财政差额", False, "", ""),
    ("民政局", f"{_CITY}救助管理站", 6, "welfare", "公益一类", "财政全额", False, "", ""),
    ("司法局", f"{_CITY}公证处", 12, "centre", "公益二类", "自收自支", False, "股级", ""),
    ("司法局", f"{_CITY}法律援助中心", 6, "centre", "公益一类", "财政全额", False, "", ""),
    ("财政局", f"{_CITY}财政国库支付中心", 12, "centre", "公益一类", "财政全额", True, "股级", ""),
    ("财政局", f"{_CITY}财政投资评审中心", 8, "centre", "公益一类", "财政全额", False, "", ""),
    ("财政局", f"{_CITY}政府采购中心", 6, "centre", "公益一类", "财政全额", False, "", ""),
    ("人社局", f"{_CITY}就业管理服务中心", 14, "centre", "公益一类", "财政全额", True, "股级", ""),
    ("人社局", f"{_CITY}社会保险事业管理中心", 24, "centre", "公益一类", "财政全额", True, "副科级", "社保中心"),
    ("人社局", f"{_CITY}劳动人事争议仲裁院", 8, "centre", "公益一类", "财政全额", True, "", ""),
    ("住建局", f"{_CITY}建设工程质量安全管理中心", 16, "centre", "公益一类", "财政全额", False, "股级", ""),
    ("住建局", f"{_CITY}房屋征收管理中心", 10, "centre", "公益一类", "财政全额", False, "", ""),
    ("住建局", f"{_CITY}城市建设服务中心", 0, "centre", "公益一类", "财政全额", False, "", "城建中心"),
    ("交通局", f"{_CITY}交通运输服务中心", 14, "centre", "公益一类", "财政全额", False, "股级", ""),
    ("交通局", f"{_CITY}公路养护中心", 18, "centre", "公益二类", "财政差额", False, "", ""),
    ("水利局", f"{_CITY}水利水电工程建设服务中心", 10, "centre", "公益一类", "财政全额", False, "", "水利中心"),
    ("水利局", f"{_CITY}河湖管理中心", 8, "centre", "公益一类", "财政全额", False, "", ""),
    ("农业农村局", f"{_CITY}农业技术推广中心", 16, "agri", "公益一类", "财政全额", False, "股级", ""),
    ("农业农村局", f"{_CITY}动物疫病预防控制中心", 10, "agri", "公益一类", "财政全额", False, "", ""),
    ("农业农村局", f"{_CITY}农村经营管理服务中心", 6, "centre", "公益一类", "财政全额", False, "", ""),
    ("商务局", f"{_CITY}招商服务中心", 10, "centre", "公益一类", "财政全额", False, "股级", "招商中心"),
    ("商务局", f"{_CITY}电子商务发展中心", 5, "centre", "暂未分类", "财政全额", False, "", ""),
    ("文广旅局", f"{_CITY}文化馆", 15, "culture", "公益一类", "财政全额", False, "股级", ""),
    ("文广旅局", f"{_CITY}图书馆", 14, "culture", "公益一类", "财政全额", False, "股级", "图书馆"),
    ("文广旅局", f"{_CITY}文物保护管理所", 9, "culture", "公益一类", "财政全额", False, "", "文保所"),
    ("文广旅局", f"{_CITY}非物质文化遗产保护中心", 5, "culture", "公益一类", "财政全额", False, "", ""),
    ("文广旅局", f"{_CITY}旅游服务中心", 6, "centre", "公益二类", "财政差额", False, "", ""),
    ("卫健局", f"{_CITY}疾病预防控制中心", 42, "cdc", "公益一类", "财政全额", False, "副科级", "疾控中心"),
    ("卫健局", f"{_CITY}妇幼保健院", 55, "health", "公益二类", "财政差额", False, "副科级", ""),
    ("卫健局", f"{_CITY}卫生健康综合服务中心", 6, "centre", "公益一类", "财政全额", False, "", ""),
    ("退役军人局", f"{_CITY}退役军人服务中心", 6, "centre", "公益一类", "财政全额", False, "", ""),
    ("应急局", f"{_CITY}应急管理保障中心", 8, "centre", "公益一类", "财政全额", False, "", ""),
    ("审计局", f"{_CITY}审计服务中心", 6, "centre", "公益一类", "财政全额", False, "", ""),
    ("统计局", f"{_CITY}统计普查中心", 5, "centre", "公益一类", "财政全额", False, "", ""),
    ("医保局", f"{_CITY}医疗保障服务中心", 12, "centre", "公益一类", "财政全额", True, "股级", ""),
    ("综合执法局", f"{_CITY}综合行政执法队", 55, "enforcement", "公益一类", "财政全额", True, "副科级", ""),
    ("综合执法局", f"{_CITY}环境卫生管理中心", 30, "welfare", "公益一类", "财政全额", False, "股级", ""),
    ("综合执法局", f"{_CITY}市政设施养护中心", 16, "centre", "公益二类", "财政差额", False, "", ""),
    ("机关事务局", f"{_CITY}机关后勤服务中心", 12, "welfare", "公益一类", "财政全额", False, "", ""),
    ("总工会", f"{_CITY}工人文化宫", 6, "culture", "公益二类", "财政差额", False, "", ""),
    ("团区委", f"{_CITY}青少年宫", 10, "culture", "公益二类", "财政差额", False, "", ""),
    ("残联", f"{_CITY}残疾人服务中心", 6, "welfare", "公益一类", "财政全额", False, "", ""),
)

_PRIMARY_SCHOOLS = (
    "鲁迅小学",
    "塔山小学",
    "元培小学",
    "蕺山小学",
    "树人小学",
    "秋瑾小学",
    "北海小学",
    "昌安小学",
    "城南小学",
    "稽山小学",
    "迪荡小学",
    "东湖小学",
    "阳明小学",
    "成章小学",
    "越州小学",
    "袍江小学",
    "皋埠中心小学",
    "灵芝中心小学",
    "斗门中心小学",
    "马山中心小学",
    "孙端中心小学",
    "陶堰中心小学",
    "鉴湖中心小学",
    "东浦中心小学",
)
_MIDDLE_SCHOOLS = (
    "建功中学",
    "元培中学",
    "树人中学",
    "稽山中学",
    "迪荡中学",
    "阳明中学",
    "皋埠中学",
    "斗门中学",
    "马山中学",
    "东浦中学",
)
_KINDERGARTENS = (
    "实验幼儿园",
    "塔山幼儿园",
    "府山幼儿园",
    "北海幼儿园",
    "城南幼儿园",
    "迪荡幼儿园",
    "镜湖幼儿园",
    "东湖幼儿园",
    "皋埠中心幼儿园",
    "灵芝中心幼儿园",
    "斗门中心幼儿园",
    "马山中心幼儿园",
    "陶堰中心幼儿园",
    "东浦中心幼儿园",
)
_HEALTH_CENTRE_TOWNS = ("塔山", "府山", "北海", "城南", "稽山", "迪荡", "东湖", "皋埠", "灵芝", "斗门", "马山", "鉴湖")

# 重点领域 tags (interchange.md §1).
_TAGS = {
    "发改局": "中心工作",
    "科技局": "高层次人才、中心工作",
    "教体局": "民生保障",
    "民政局": "民生保障",
    "卫健局": "民生保障",
    "人才中心": "高层次人才",
    "社会治理中心": "中心工作",
    "重大项目中心": "中心工作",
    "招商中心": "中心工作",
    "疾控中心": "民生保障",
    "科创中心": "高层次人才",
}


@dataclass(eq=False)
class _Unit:
    code: str
    name: str
    kind: str
    parent: _Unit | None
    sequence: str  # effective 序列 (own or inherited)
    states_sequence: bool  # whether the row states 序列 and 区划代码
    profile: str = "organ"
    rank: str | None = None
    institution_class: str | None = None
    civil_servant_managed: bool = False
    funding: str | None = None
    credit_code: str | None = None
    approved_divisions: int | None = None
    tags: str | None = None
    established: dt.date | None = None
    abolished: dt.date | None = None
    #: nominal number of people on staff per staffing type, main type first
    staffing: dict[str, int] = field(default_factory=dict)
    divisions: list[_Unit] = field(default_factory=list)
    heads: int = 0  # approved 正职
    deputies: int = 0  # approved 副职
    division_deputies: int = 0  # approved 内设机构副职
    head_titles: tuple[str, ...] = ()
    deputy_titles: tuple[str, ...] = ()

    @property
    def is_institution(self) -> bool:
        return self.kind == INSTITUTION

    @property
    def active_divisions(self) -> list[_Unit]:
        return [d for d in self.divisions if d.abolished is None or d.abolished > AS_OF]

    @property
    def main_type(self) -> str:
        return next(iter(self.staffing))


def _unit_titles(name: str) -> tuple[str, str]:
    """The post titles of a unit's 正职 and 副职, from the end of its name."""
    for ending, head, deputy in (
        ("党校", "常务副校长", "副校长"),
        ("人民法院", "院长", "副院长"),
        ("人民检察院", "检察长", "副检察长"),
        ("纪律检查委员会", "书记", "副书记"),
        ("委员会", "书记", "副书记"),
        ("幼儿园", "园长", "副园长"),
        ("学校", "校长", "副校长"),
        ("小学", "校长", "副校长"),
        ("中学", "校长", "副校长"),
        ("部", "部长", "副部长"),
        ("局", "局长", "副局长"),
        ("馆", "馆长", "副馆长"),
        ("宫", "主任", "副主任"),
        ("所", "所长", "副所长"),
        ("站", "站长", "副站长"),
        ("院", "院长", "副院长"),
        ("队", "队长", "副队长"),
    ):
        if name.endswith(ending):
            return head, deputy
    return "主任", "副主任"


def _division_titles(name: str) -> tuple[str, str]:
    """The post titles of an internal division's head and deputy."""
    if name.endswith("科"):
        return "科长", "副科长"
    if name.endswith("股"):
        return "股长", "副股长"
    if name.endswith("庭"):
        return "庭长", "副庭长"
    if name.endswith("局"):
        return "局长", "副局长"
    if name.endswith("检察部") or name.endswith("政治部"):
        return "主任", "副主任"
    if name.endswith("部"):
        return "部长", "副部长"
    return "主任", "副主任"


class _Catalogue:
    """Builds the units of the district in a fixed order."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.units: list[_Unit] = []
        self.key: dict[str, _Unit] = {}
        self._number = 0
        self._credit_bodies: set[str] = set()

    def add(
        self,
        name: str,
        kind: str,
        *,
        parent: _Unit | None = None,
        sequence: str | None = None,
        key: str = "",
        divisions: str = "",
        **attrs: object,
    ) -> _Unit:
        self._number += 1
        if parent is None:
            assert sequence is not None  # nosec B101 # demo generator self-check, not a security check
            effective, states = sequence, True
        else:
            effective = parent.sequence
            states = self.rng.random() < 0.15  # most children inherit 序列 and 区划代码
        unit = _Unit(
            code=f"YC-{self._number:03d}",
            name=name,
            kind=kind,
            parent=parent,
            sequence=effective,
            states_sequence=states,
        )
        for attr, value in attrs.items():
            setattr(unit, attr, value)
        head, deputy = _unit_titles(name)
        if not unit.head_titles:
            unit.head_titles = (head,)
        if not unit.deputy_titles:
            unit.deputy_titles = (deputy,)
        self.units.append(unit)
        if key:
            self.key[key] = unit
            unit.tags = _TAGS.get(key)
        for division in divisions.split():
            self.add_division(unit, division)
        return unit

    def add_division(self, unit: _Unit, name: str, *, established=None, abolished=None) -> _Unit:
        division = _Unit(
            code=f"{unit.code}-{len(unit.divisions) + 1:02d}",
            name=name,
            kind=DIVISION,
            parent=unit,
            sequence=unit.sequence,
            states_sequence=False,
            established=established,
            abolished=abolished,
        )
        unit.divisions.append(division)
        self.units.append(division)
        return division

    def organ(self, key: str, name: str, kind: str, sequence: str | None, size: int, divisions: str, **attrs) -> _Unit:
        rng = self.rng
        staffing = attrs.pop("staffing", None) or {ADMIN: size}
        if WORKER not in staffing and rng.random() < 0.65:
            staffing[WORKER] = rng.randint(1, 3)
        established = _ESTABLISHED.get(key)
        if established is None and rng.random() < 0.4:
            established = _random_date(rng, dt.date(1984, 1, 1), dt.date(2010, 12, 31))
        unit = self.add(
            name,
            kind,
            sequence=sequence,
            key=key,
            divisions=divisions,
            staffing=staffing,
            rank=attrs.pop("rank", "正科级"),
            established=established,
            **attrs,
        )
        main = next(iter(staffing.values()))
        unit.heads = unit.heads or 1
        unit.deputies = unit.deputies or (rng.randint(3, 4) if main >= 20 else rng.randint(2, 3) if main >= 8 else 2)
        return unit

    def institution(
        self,
        parent: _Unit | None,
        name: str,
        size: int,
        profile: str,
        institution_class: str,
        funding: str,
        civil_servant_managed: bool = False,
        rank: str = "",
        key: str = "",
        sequence: str | None = None,
        established: dt.date | None = None,
    ) -> _Unit:
        rng = self.rng
        if established is None and rng.random() < 0.45:
            established = _random_date(rng, dt.date(1952, 1, 1), dt.date(2018, 12, 31))
        unit = self.add(
            name,
            INSTITUTION,
            parent=parent,
            sequence=sequence,
            key=key,
            profile=profile,
            institution_class=institution_class,
            funding=funding,
            civil_servant_managed=civil_servant_managed,
            rank=rank or None,
            established=established,
            staffing={INSTITUTIONAL: size} if size else {},
        )
        if size:
            unit.heads = 1
            unit.deputies = 3 if size >= 40 else 2 if size >= 15 else 1
        return unit

    def credit_codes(self) -> None:
        """About 80 % of the units (not internal divisions) get a valid 统一社会信用代码 (GB 32100-2015)."""
        rng = self.rng
        for unit in self.units:
            if unit.kind == DIVISION or rng.random() >= 0.8:
                continue
            if unit.kind == INSTITUTION:
                category = "12"
            elif unit.kind == "群团机关":
                category = "13"
            else:
                category = "11"
            while True:
                if category == "12" and rng.random() < 0.4:
                    body = "MB" + "".join(rng.choice("0123456789") for _ in range(5)) + rng.choice("0123456789ABCDEFG")
                elif category == "12":
                    body = f"47{rng.randrange(10**6):06d}"
                elif category == "13":
                    body = f"5{rng.randrange(10**7):07d}"
                else:
                    body = f"00{rng.randrange(10**6):06d}"
                if body not in self._credit_bodies:
                    break
            self._credit_bodies.add(body)
            first17 = f"{category}{DISTRICT}{body}{organisation_check_character(body)}"
            unit.credit_code = first17 + credit_check_character(first17)


def _build_units(rng: random.Random) -> _Catalogue:
    c = _Catalogue(rng)
    for key, name, size, divisions in _PARTY_ORGANS:
        staffing = {ADMIN: size, POLITICAL_LEGAL: 7} if key == "政法委" else None
        c.organ(key, name, "党委工作机关", "党委", size, divisions, staffing=staffing)
    # 区委宣传部: six divisions approved five, one of them abolished on 2024-01-01 (no over_limit).
    c.add_division(c.key["宣传部"], "对外宣传科", established=dt.date(2012, 3, 1), abolished=dt.date(2024, 1, 1))
    c.organ(
        "纪委",
        "中共绍兴市越城区纪律检查委员会",
        "纪检监察机关",
        "党委",
        45,
        "办公室 组织部 宣传部 党风政风监督室 信访室 案件监督管理室 第一纪检监察室 第二纪检监察室 第三纪检监察室 案件审理室",
    )
    c.organ("人大", f"{_CITY}人大常委会办公室", "人大机关", "人大", 18, "综合科 代表工作科 法制工作科 财政经济工作科")
    c.organ("政协", "中国人民政治协商会议绍兴市越城区委员会办公室", "政协机关", "政协", 14, "综合科 委员联络科 提案科")
    for key, name, size, divisions in _GOVERNMENT:
        staffing = {ADMIN: size, POLITICAL_LEGAL: 32} if key == "司法局" else None
        if key == "统计局":
            staffing = {ADMIN: size, WORKER: 2}  # its 工勤编制 is the planted idle staffing
        c.organ(key, name, "政府工作部门", "政府", size, divisions, staffing=staffing)
    for key, name, managing, size, divisions in _DEPARTMENT_AGENCIES:
        c.organ(key, name, "部门管理机构", None, size, divisions, parent=c.key[managing], rank="副科级")
    for name, managing in _COORDINATION:
        c.add(name, "议事协调机构", parent=c.key[managing], rank="不定级")
    c.organ(
        "法院",
        f"{_CITY}人民法院",
        "审判机关",
        "法院",
        105,
        "办公室 政治部 立案庭 刑事审判庭 民事审判第一庭 民事审判第二庭 行政审判庭 执行局 审判管理办公室",
        staffing={POLITICAL_LEGAL: 105, WORKER: 4},
        rank=None,
        deputies=4,
    )
    c.organ(
        "检察院",
        f"{_CITY}人民检察院",
        "检察机关",
        "检察院",
        58,
        "办公室 政治部 第一检察部 第二检察部 第三检察部 第四检察部 第五检察部",
        staffing={POLITICAL_LEGAL: 58, WORKER: 3},
        rank=None,
        deputies=3,
    )
    for key, name, size, divisions, head, deputy in _MASS_ORGANISATIONS:
        c.organ(
            key,
            name,
            "群团机关",
            "群团",
            size,
            divisions,
            rank="正科级" if size >= 8 else "副科级",
            head_titles=(head,),
            deputy_titles=(deputy,),
        )
    for town in _TOWNS:
        divisions = _TOWN_DIVISIONS + (" 基层治理综合信息指挥室" if rng.random() < 0.5 else "")
        size = rng.randint(32, 52)
        c.organ(
            town,
            f"{_CITY}{town}街道",
            "乡镇街道",
            "乡镇街道",
            size,
            divisions,
            staffing={ADMIN: size, WORKER: rng.randint(1, 3)},
            heads=2,
            deputies=rng.randint(5, 7),
            head_titles=("党工委书记", "办事处主任"),
            deputy_titles=_TOWN_DEPUTY_TITLES,
        )

    # Public institutions.
    for managing, name, size, profile, klass, funding, managed, rank, key in _INSTITUTIONS:
        parent = c.key[managing] if managing else None
        unit = c.institution(
            parent,
            name,
            size,
            profile,
            klass,
            funding,
            managed,
            rank,
            key,
            sequence="党委" if parent is None else None,
        )
        if key == "城建中心":  # merged into 住建局's other centres at the end of 2025
            unit.established = dt.date(2002, 5, 20)
            unit.abolished = dt.date(2025, 12, 31)
    education = c.key["教体局"]
    for name in _PRIMARY_SCHOOLS:
        unit = c.institution(
            education,
            f"{_CITY}{name}",
            rng.randint(45, 110),
            "school",
            "公益一类",
            "财政全额",
            rank="副科级" if rng.random() < 0.4 else "股级",
        )
        unit.deputies = rng.randint(2, 3)
    for index, name in enumerate(_MIDDLE_SCHOOLS):
        c.institution(
            education,
            f"{_CITY}{name}",
            rng.randint(55, 115),
            "school",
            "公益一类",
            "财政全额",
            rank="副科级",
            key="初中" if index == 0 else "",
        )
    for name in _KINDERGARTENS:
        unit = c.institution(
            education, f"{_CITY}{name}", rng.randint(15, 35), "kindergarten", "公益一类", "财政全额", rank="股级"
        )
        unit.deputies = rng.randint(1, 2)
    health = c.key["卫健局"]
    for town in _HEALTH_CENTRE_TOWNS:
        unit = c.institution(
            health,
            f"{_CITY}{town}街道社区卫生服务中心",
            rng.randint(30, 75),
            "health",
            "公益二类",
            "财政差额",
            rank="股级",
        )
        unit.deputies = 2
        if town in ("塔山", "迪荡"):
            unit.tags = "民生保障"
    for town in _TOWNS:
        parent = c.key[town]
        c.institution(parent, f"{_CITY}{town}街道党群服务中心", rng.randint(6, 12), "centre", "公益一类", "财政全额")
        c.institution(parent, f"{_CITY}{town}街道便民服务中心", rng.randint(6, 12), "centre", "公益一类", "财政全额")
        if town in _RURAL_TOWNS:
            c.institution(
                parent, f"{_CITY}{town}街道农业农村服务中心", rng.randint(5, 10), "agri", "公益一类", "财政全额"
            )

    # 核定内设机构数: the active divisions, sometimes one more; 区综合行政执法局 is one short (over_limit).
    for unit in c.units:
        active = unit.active_divisions
        if not unit.divisions:
            continue
        if unit is c.key["综合执法局"]:
            unit.approved_divisions = len(active) - 1
        elif unit is c.key["宣传部"]:
            unit.approved_divisions = len(active)
        else:
            unit.approved_divisions = len(active) + (1 if rng.random() < 0.2 else 0)
        unit.division_deputies = max(1, min(len(active), len(active) // 2 + rng.randint(0, 2)))
    c.key["农业农村局"].deputies = 3  # and four 副职 in post: over_positions
    c.credit_codes()
    return c


# ---------------------------------------------------------------------------
# People
# ---------------------------------------------------------------------------

_ID_REGIONS = (
    ("330602", 40),
    ("330621", 12),
    ("330682", 6),
    ("330681", 6),
    ("330683", 5),
    ("330624", 3),
    ("330603", 2),
    ("330102", 2),
    ("330106", 2),
    ("330203", 2),
    ("330302", 2),
    ("330381", 1),
    ("330402", 1),
    ("330502", 1),
    ("330702", 2),
    ("330782", 1),
    ("330802", 1),
    ("331002", 1),
    ("331081", 1),
    ("332501", 1),
    ("340104", 1),
    ("360102", 1),
    ("420106", 1),
    ("410105", 1),
    ("320106", 1),
    ("510107", 1),
)
_ID_REGION_CODES = tuple(code for code, _ in _ID_REGIONS)
_ID_REGION_WEIGHTS = tuple(weight for _, weight in _ID_REGIONS)

# 民族 of the non-Han 1.5 %; 畲族 is Zhejiang's largest minority.
_ETHNICITIES = (
    ("畲族", 8),
    ("回族", 4),
    ("土家族", 3),
    ("苗族", 3),
    ("满族", 2),
    ("壮族", 2),
    ("蒙古族", 1),
    ("布依族", 1),
    ("彝族", 1),
)
_ETHNICITY_NAMES = tuple(name for name, _ in _ETHNICITIES)

# Given names by gender: (single characters, older two-character names, newer two-character names).
# Faker's zh_CN provider does not tell men's given names from women's, so only surnames come from it.
_GIVEN_NAMES = {
    "男": (
        tuple("伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆旭宁龙林亮成峰晨博彬坤岩文毅峻昊哲晖骏瑞晟"),
        tuple(
            "建华 建国 建军 志强 国强 国华 建平 海峰 海波 伟民 文斌 晓东 晓峰 立新 卫东 志刚 永强 建明 利民 国良".split()
        ),
        tuple(
            "家豪 浩然 宇轩 子轩 俊杰 梓豪 一鸣 嘉诚 天宇 志远 明哲 思远 博文 泽宇 皓轩 佳豪 浩宇 俊豪 子豪 宇航".split()
        ),
    ),
    "女": (
        tuple("芳娜敏静丽艳娟霞燕玲丹萍红英梅莉婷晶颖雪慧倩琴洁琳欣瑜璐佳琪蕾"),
        tuple(
            "秀英 红霞 秀兰 桂英 玉兰 丽娟 海燕 春梅 雪梅 丽华 晓燕 晓红 美玲 燕萍 丹丹 婷婷 小红 建芬 素琴 月娟".split()
        ),
        tuple(
            "佳怡 欣怡 梓涵 诗涵 雨婷 思雨 雅琪 一诺 可欣 子涵 梦瑶 佳琪 语嫣 诗琪 思佳 晓雯 嘉欣 心怡 雨欣 静怡".split()
        ),
    ),
}
# Share of (single, older, newer) given names by birth year.
_GIVEN_NAME_STYLE = ((1978, (45, 55, 0)), (1990, (50, 35, 15)), (9999, (35, 10, 55)))
_ETHNICITY_WEIGHTS = tuple(weight for _, weight in _ETHNICITIES)

_DEMOCRATIC_PARTIES = {
    "school": ("中国民主促进会会员", "中国民主同盟盟员"),
    "kindergarten": ("中国民主促进会会员",),
    "health": ("中国农工民主党党员", "九三学社社员"),
    "cdc": ("中国农工民主党党员", "九三学社社员"),
}
_ALL_DEMOCRATIC_PARTIES = (
    "中国国民党革命委员会会员",
    "中国民主同盟盟员",
    "中国民主建国会会员",
    "中国民主促进会会员",
    "中国农工民主党党员",
    "中国致公党党员",
    "九三学社社员",
)

_EDUCATION_AGE = {
    "博士研究生毕业": 28,
    "硕士研究生毕业": 25,
    "大学本科毕业": 22,
    "大学专科毕业": 21,
    "中等专科毕业": 19,
    "技工学校毕业": 19,
    "职业高中毕业": 18,
    "普通高中毕业": 18,
    "初中毕业": 16,
}
_DEGREE = {"博士研究生毕业": "博士", "硕士研究生毕业": "硕士"}

# (education, weight) for the young and for those aged 50 and over.
_EDUCATION_MIX: dict[str, tuple[tuple[tuple[str, ...], tuple[int, ...]], tuple[tuple[str, ...], tuple[int, ...]]]] = {
    "cadre": (
        (("博士研究生毕业", "硕士研究生毕业", "大学本科毕业", "大学专科毕业"), (1, 22, 70, 7)),
        (("硕士研究生毕业", "大学本科毕业", "大学专科毕业", "中等专科毕业"), (8, 62, 25, 5)),
    ),
    "teacher": (
        (("硕士研究生毕业", "大学本科毕业", "大学专科毕业"), (12, 83, 5)),
        (("大学本科毕业", "大学专科毕业", "中等专科毕业"), (60, 30, 10)),
    ),
    "kindergarten": (
        (("硕士研究生毕业", "大学本科毕业", "大学专科毕业"), (2, 65, 33)),
        (("大学本科毕业", "大学专科毕业", "中等专科毕业"), (20, 50, 30)),
    ),
    "doctor": (
        (("博士研究生毕业", "硕士研究生毕业", "大学本科毕业", "大学专科毕业"), (2, 25, 65, 8)),
        (("硕士研究生毕业", "大学本科毕业", "大学专科毕业", "中等专科毕业"), (5, 55, 30, 10)),
    ),
    "nurse": (
        (("硕士研究生毕业", "大学本科毕业", "大学专科毕业"), (3, 55, 42)),
        (("大学本科毕业", "大学专科毕业", "中等专科毕业"), (10, 60, 30)),
    ),
    "professional": (
        (("博士研究生毕业", "硕士研究生毕业", "大学本科毕业", "大学专科毕业"), (1, 20, 69, 10)),
        (("硕士研究生毕业", "大学本科毕业", "大学专科毕业", "中等专科毕业"), (5, 55, 35, 5)),
    ),
    "worker": (
        (("大学本科毕业", "大学专科毕业", "普通高中毕业", "中等专科毕业", "技工学校毕业"), (8, 32, 25, 17, 18)),
        (("大学专科毕业", "普通高中毕业", "中等专科毕业", "技工学校毕业", "初中毕业"), (20, 35, 15, 15, 15)),
    ),
}
_DOWNGRADE = {"博士研究生毕业": "硕士研究生毕业", "硕士研究生毕业": "大学本科毕业", "大学本科毕业": "大学专科毕业"}

# Professional title ladders: junior, intermediate, deputy senior, senior.
_TITLE_LADDERS = {
    "teacher": ("二级教师", "一级教师", "高级教师", "正高级教师"),
    "doctor": ("医师", "主治医师", "副主任医师", "主任医师"),
    "nurse": ("护师", "主管护师", "副主任护师", "主任护师"),
    "technician": ("技师", "主管技师", "副主任技师", "主任技师"),
    "journalist": ("助理记者", "记者", "主任记者", "高级记者"),
    "librarian": ("助理馆员", "馆员", "副研究馆员", "研究馆员"),
    "agronomist": ("助理农艺师", "农艺师", "高级农艺师", "正高级农艺师"),
    "engineer": ("助理工程师", "工程师", "高级工程师", "正高级工程师"),
    "economist": ("助理经济师", "经济师", "高级经济师", "正高级经济师"),
    "lecturer": ("助教", "讲师", "副教授", "教授"),
    "social_worker": ("助理社会工作师", "社会工作师", "高级社会工作师", "高级社会工作师"),
}
# profile -> (title families, weights)
_PROFILE_FAMILIES: dict[str, tuple[tuple[str, ...], tuple[int, ...]]] = {
    "school": (("teacher",), (1,)),
    "kindergarten": (("teacher",), (1,)),
    "health": (("doctor", "nurse", "technician"), (50, 38, 12)),
    "cdc": (("doctor", "technician"), (50, 50)),
    "media": (("journalist", "engineer"), (80, 20)),
    "culture": (("librarian",), (1,)),
    "agri": (("agronomist", "engineer"), (75, 25)),
    "partyschool": (("lecturer",), (1,)),
    "welfare": (("social_worker", "nurse"), (50, 50)),
    "centre": (("engineer", "economist"), (50, 50)),
    "enforcement": (("engineer",), (1,)),
}
_FAMILY_EDUCATION = {
    "teacher": "teacher",
    "doctor": "doctor",
    "technician": "doctor",
    "nurse": "nurse",
}
# Share of 事业管理人员 / 事业专业技术人员 / 事业工勤人员 in an institution that is not 参公.
_CATEGORY_MIX = {
    "school": (4, 93, 3),
    "kindergarten": (5, 90, 5),
    "health": (6, 88, 6),
    "cdc": (10, 85, 5),
    "media": (20, 72, 8),
    "culture": (30, 60, 10),
    "agri": (25, 65, 10),
    "partyschool": (35, 55, 10),
    "welfare": (25, 45, 30),
    "centre": (50, 38, 12),
    "enforcement": (50, 40, 10),
}
_MALE_SHARE = {
    "organ": 0.6,
    "school": 0.3,
    "kindergarten": 0.03,
    "health": 0.35,
    "cdc": 0.45,
    "media": 0.5,
    "culture": 0.4,
    "agri": 0.6,
    "partyschool": 0.5,
    "welfare": 0.35,
    "centre": 0.5,
    "enforcement": 0.75,
}
# (low, high, mode) of the age on AS_OF by role.
_AGES = {
    "head": (38.0, 59.0, 51.0),
    "deputy": (32.0, 59.0, 46.0),
    "div_head": (29.0, 58.0, 42.0),
    "div_deputy": (27.0, 56.0, 36.0),
    "staff": (22.6, 60.0, 37.0),
    "worker": (24.0, 60.0, 48.0),
}
_ROLE_ORDER = {"head": 0, "deputy": 1, "div_head": 2, "div_deputy": 3, "staff": 4, "worker": 4}


@dataclass(eq=False)
class _Person:
    unit: _Unit
    staffing_type: str
    category: str
    role: str
    gender: str
    birth: dt.date
    id_number: str = ""
    name: str = ""
    ethnicity: str = "汉族"
    political_status: str = "群众"
    education: str = "大学本科毕业"
    degree: str = "学士"
    title: str | None = None
    division: _Unit | None = None
    post: str | None = None
    position: str | None = None
    entry: dt.date | None = None
    status: str = ON_STAFF
    left: dt.date | None = None
    written_off: dt.date | None = None
    original_age: int | None = None
    planted: bool = False

    def row(self) -> dict[str, object]:
        return {
            "身份证号": self.id_number,
            "姓名": self.name,
            "性别": self.gender,
            "出生日期": self.birth,
            "民族": self.ethnicity,
            "政治面貌": self.political_status,
            "学历": self.education,
            "学位": self.degree,
            "职称": self.title,
            "人员类别": self.category,
            "机构代码": self.unit.code,
            "内设机构代码": self.division.code if self.division else None,
            "编制类型": self.staffing_type,
            "职务": self.post,
            "职数类别": self.position,
            "进编日期": self.entry,
            "人员状态": self.status,
            "离编日期": self.left,
            "核销日期": self.written_off,
            "原退休年龄": self.original_age,
        }


@dataclass(eq=False)
class _Pair:
    """One unit and staffing type: its approved quota and the people occupying it."""

    unit: _Unit
    staffing_type: str
    weight: int
    minimum: int
    plan: str = "regular"  # regular | excess | idle | mixed
    excess: int = 0
    actual: int = 0
    quota: int = 0
    loans_in_use: int = 0
    people: list[_Person] = field(default_factory=list)


def _random_date(rng: random.Random, first: dt.date, last: dt.date) -> dt.date:
    return dt.date.fromordinal(rng.randint(first.toordinal(), last.toordinal()))


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _retires(person: _Person) -> dt.date:
    return retirement_month(
        birth_date=person.birth,
        gender=person.gender,
        person_category=person.category,
        original_age=person.original_age,
    )


class _Generator:
    def __init__(self, seed: int, people: int) -> None:
        self.rng = random.Random(seed)  # nosec B311 # reproducible demo data from a seed, not a secret
        self.fake = Faker("zh_CN")
        self.fake.seed_instance(seed)
        self.people = people
        self.catalogue = _build_units(self.rng)
        self.key = self.catalogue.key
        self.ids: set[str] = set()
        self.pairs: list[_Pair] = []
        self.leavers: list[_Person] = []
        self.loans: list[dict[str, object]] = []

    # -- people, attribute by attribute ------------------------------------------------------

    def _category(self, unit: _Unit, staffing_type: str, role: str) -> str:
        if staffing_type == WORKER:
            return ORGAN_WORKER
        if not unit.is_institution:
            return CIVIL_SERVANT
        if unit.civil_servant_managed:
            return INSTITUTION_WORKER if role == "staff" and self.rng.random() < 0.07 else REFERENCE_MANAGED
        if role != "staff":
            return MANAGER
        mix = _CATEGORY_MIX[unit.profile]
        return self.rng.choices((MANAGER, PROFESSIONAL, INSTITUTION_WORKER), mix)[0]

    def _gender(self, unit: _Unit, category: str) -> str:
        share = 0.65 if category in (ORGAN_WORKER, INSTITUTION_WORKER) else _MALE_SHARE[unit.profile]
        return "男" if self.rng.random() < share else "女"

    def _birth(self, age: float) -> dt.date:
        return dt.date.fromordinal(AS_OF.toordinal() - int(age * 365.2425))

    def _family(self, unit: _Unit) -> str:
        families, weights = _PROFILE_FAMILIES[unit.profile]
        return self.rng.choices(families, weights)[0]

    def _education(self, person: _Person, family: str | None, latest: dt.date) -> None:
        if person.category in (ORGAN_WORKER, INSTITUTION_WORKER):
            group = "worker"
        elif family is None:
            group = "cadre"
        elif person.unit.profile == "kindergarten":
            group = "kindergarten"
        else:
            group = _FAMILY_EDUCATION.get(family, "professional")
        age = (AS_OF - person.birth).days / 365.2425
        young, old = _EDUCATION_MIX[group]
        names, weights = old if age >= 50 else young
        education = self.rng.choices(names, weights)[0]
        # Nobody graduates after the day they could have joined.
        while _add_years(person.birth, _EDUCATION_AGE[education]) > latest and education in _DOWNGRADE:
            education = _DOWNGRADE[education]
        person.education = education
        if education == "大学本科毕业":
            person.degree = "学士" if self.rng.random() < 0.93 else "无"
        else:
            person.degree = _DEGREE.get(education, "无")

    def _entry(self, person: _Person, latest: dt.date) -> dt.date:
        """进编日期: a few years after graduating, never before 1985 nor after ``latest``."""
        rng = self.rng
        earliest = max(_add_years(person.birth, _EDUCATION_AGE[person.education]), _EARLIEST_ENTRY)
        if earliest >= latest:
            return latest
        entry = earliest + dt.timedelta(days=int(rng.random() ** 1.6 * 6 * 365))
        if entry > latest:
            entry = _random_date(rng, earliest, latest)
        return entry

    def _title(self, person: _Person, family: str | None) -> None:
        if family is None or person.category in (ORGAN_WORKER, INSTITUTION_WORKER, REFERENCE_MANAGED):
            return
        if person.category == MANAGER and person.role == "staff" and self.rng.random() < 0.6:
            return
        rng = self.rng
        age = (AS_OF - person.birth).days / 365.2425
        if age < 28:
            level = 0
        elif age < 38:
            level = 1 if rng.random() < 0.8 else 0
        elif age < 50:
            level = 2 if rng.random() < 0.45 else 1
        else:
            roll = rng.random()
            level = 3 if roll < 0.08 else 2 if roll < 0.65 else 1
        if person.original_age == 60:
            level = max(level, 2)
        person.title = _TITLE_LADDERS[family][level]

    def _political_status(self, person: _Person) -> str:
        rng = self.rng
        age = (AS_OF - person.birth).days / 365.2425
        roll = rng.random()
        if person.role == "head":
            return "中国共产党党员"
        if person.role == "deputy":
            # A non-CPC deputy head is found in government departments and public institutions.
            if person.unit.kind in ("政府工作部门", INSTITUTION) and roll >= 0.93:
                return rng.choice((*_ALL_DEMOCRATIC_PARTIES, "无党派民主人士"))
            return "中国共产党党员"
        if person.role != "staff":
            return "中国共产党党员" if roll < 0.92 else "群众"
        if person.category in (ORGAN_WORKER, INSTITUTION_WORKER):
            return "中国共产党党员" if roll < 0.3 else "群众"
        organ = person.category in (CIVIL_SERVANT, REFERENCE_MANAGED)
        if age < 28:
            table = (0.5, 0.6, 0.9) if organ else (0.25, 0.3, 0.75)
            if roll < table[0]:
                return "中国共产党党员"
            if roll < table[1]:
                return "中国共产党预备党员"
            if roll < table[2]:
                return "中国共产主义青年团团员"
            return "群众"
        party, masses = (0.85, 0.93) if organ else (0.45, 0.9)
        if roll < party:
            return "中国共产党党员"
        if roll < masses:
            return "群众"
        if roll < masses + (0.05 if organ else 0.08):
            parties = _DEMOCRATIC_PARTIES.get(person.unit.profile, _ALL_DEMOCRATIC_PARTIES)
            return rng.choice(parties)
        return "无党派民主人士"

    def _identity(self, person: _Person) -> None:
        rng = self.rng
        while True:
            region = rng.choices(_ID_REGION_CODES, _ID_REGION_WEIGHTS)[0]
            sequence = rng.randrange(500) * 2 + (1 if person.gender == "男" else 0)
            first17 = f"{region}{person.birth:%Y%m%d}{sequence:03d}"
            number = first17 + id_check_character(first17)
            if number not in self.ids:
                break
        self.ids.add(number)
        person.id_number = number
        person.name = self.fake.last_name() + self._given_name(person)
        roll = rng.random()
        person.ethnicity = "汉族" if roll < 0.985 else rng.choices(_ETHNICITY_NAMES, _ETHNICITY_WEIGHTS)[0]

    def _given_name(self, person: _Person) -> str:
        pools = _GIVEN_NAMES[person.gender]
        weights = next(w for year, w in _GIVEN_NAME_STYLE if person.birth.year < year)
        pool = self.rng.choices(pools, weights)[0]
        return self.rng.choice(pool)

    def _finish(self, person: _Person, family: str | None, latest_entry: dt.date) -> None:
        """Education, entry, title, political status, ID number and name of a person whose birth is set."""
        self._education(person, family, latest_entry)
        person.entry = self._entry(person, latest_entry)
        self._title(person, family)
        person.political_status = self._political_status(person)
        self._identity(person)

    def on_staff(
        self,
        unit: _Unit,
        staffing_type: str,
        role: str = "staff",
        *,
        category: str | None = None,
        gender: str | None = None,
        birth: dt.date | None = None,
        idle: bool = False,
    ) -> _Person:
        """A person on staff on AS_OF, not past retirement (unless ``birth`` is forced)."""
        rng = self.rng
        category = category or self._category(unit, staffing_type, role)
        gender = gender or self._gender(unit, category)
        family = self._family(unit) if category in (PROFESSIONAL, MANAGER) and unit.profile != "organ" else None
        age_role = "worker" if category in (ORGAN_WORKER, INSTITUTION_WORKER) else role
        person = _Person(unit, staffing_type, category, role, gender, birth or AS_OF)
        if birth is None:
            low, high, mode = _AGES[age_role]
            if idle:
                low = max(low, 25.0)
            while True:
                age = rng.triangular(low, high, mode)
                person.birth = self._birth(age)
                person.original_age = None
                if gender == "女" and age >= 50 and category in (PROFESSIONAL, MANAGER) and rng.random() < 0.15:
                    person.original_age = 60  # women senior experts and cadres who retire at 60
                if _retires(person) >= _FIRST_RETIREMENT:
                    break
        # The people of a planted idle staffing all joined before the last year.
        self._finish(person, family, _IDLE_SINCE if idle else AS_OF)
        return person

    def leaver(self, unit: _Unit, staffing_type: str, status: str, left: dt.date | None = None) -> _Person:
        """A person who left the staffing before AS_OF (retired, transferred out, resigned or died)."""
        rng = self.rng
        category = self._category(unit, staffing_type, "staff")
        gender = self._gender(unit, category)
        family = self._family(unit) if category in (PROFESSIONAL, MANAGER) and unit.profile != "organ" else None
        person = _Person(unit, staffing_type, category, "staff", gender, AS_OF, status=status)
        if status == "退休":
            while True:
                person.birth = self._birth(rng.uniform(50.0, 68.0))
                month = _retires(person)
                if month == left if left else _EARLIEST_LEFT <= month <= AS_OF:
                    break
            person.left = left or month
        else:
            person.left = left or _random_date(rng, _EARLIEST_LEFT, AS_OF)
            low, high = (26.0, 40.0) if status == "辞职" else (28.0, 50.0)
            while True:
                person.birth = dt.date.fromordinal(person.left.toordinal() - int(rng.uniform(low, high) * 365.2425))
                if _retires(person) > person.left:
                    break
        self._finish(person, family, person.left - dt.timedelta(days=60))
        return person

    # -- the plan ------------------------------------------------------------------------------

    def make_pairs(self) -> None:
        k = self.key
        planted_min = 8
        special = {
            (k["住建局"], ADMIN): ("excess", 1),
            (k["初中"], INSTITUTIONAL): ("excess", 2),
            (k["财政局"], ADMIN): ("excess", 2),
            (k["文保所"], INSTITUTIONAL): ("idle", 0),
            (k["统计局"], WORKER): ("idle", 0),
            (k["水利中心"], INSTITUTIONAL): ("idle", 0),
        }
        roomy_keys = ("农业农村局", "重大项目中心", "民政局", "福利中心", "区委办", "人社局", "法院")
        roomy = {k[name] for name in roomy_keys} | {k[loan[0]] for loan in _LOANS}
        for unit in self.catalogue.units:
            if unit.abolished is not None or unit.kind == DIVISION:
                continue
            for staffing_type, size in unit.staffing.items():
                plan, excess = special.get((unit, staffing_type), ("regular", 0))
                if staffing_type == WORKER:
                    minimum = 2 if unit in roomy else 1
                elif plan != "regular" or unit in roomy:
                    minimum = planted_min
                else:
                    minimum = 3
                self.pairs.append(_Pair(unit, staffing_type, size, minimum, plan, excess))
        # 混编混岗: one person each, in a unit that holds a quota of 1 of that type.
        for name, staffing_type in (("发改局", INSTITUTIONAL), ("图书馆", WORKER), ("塔山", INSTITUTIONAL)):
            self.pairs.append(_Pair(k[name], staffing_type, 1, 1, "mixed"))
        self.pairs.append(_Pair(k["社保中心"], ADMIN, 1, 1, "mixed"))

    def allocate(self, on_staff: int) -> None:
        """Share the people on staff among the pairs, in proportion to their nominal sizes."""
        fixed = [p for p in self.pairs if p.plan == "mixed"]
        scaled = [p for p in self.pairs if p.plan != "mixed"]
        for pair in fixed:
            pair.actual = 1
        rest = on_staff - len(fixed) - sum(p.minimum for p in scaled)
        if rest < 0:
            raise ValueError(f"people must be at least {MIN_PEOPLE}")
        total = sum(p.weight for p in scaled)
        shares = [rest * p.weight / total for p in scaled]
        floors = [math.floor(s) for s in shares]
        leftover = rest - sum(floors)
        order = sorted(range(len(scaled)), key=lambda i: (-(shares[i] - floors[i]), i))
        for i in order[:leftover]:
            floors[i] += 1
        for pair, extra in zip(scaled, floors, strict=True):
            pair.actual = pair.minimum + extra

    def staff_units(self) -> None:
        """People on staff, pair by pair, with the leaders of each unit within its approved positions."""
        k = self.key
        for pair in self.pairs:
            unit = pair.unit
            if pair.plan == "mixed":
                category = {WORKER: ORGAN_WORKER, ADMIN: CIVIL_SERVANT}.get(pair.staffing_type, MANAGER)
                person = self.on_staff(unit, pair.staffing_type, category=category)
                person.planted = True
                pair.people.append(person)
                continue
            roles: list[tuple[str, _Unit | None]] = []
            is_main = pair.staffing_type == unit.main_type
            if is_main:
                capacity = pair.actual - 1  # at least one person who leads nothing
                heads = unit.heads if unit is k["重大项目中心"] else min(unit.heads, capacity)
                if unit is not k["重大项目中心"] and heads == 1 and self.rng.random() < 0.06:
                    heads = 0  # a vacant head post
                deputies = unit.deputies - (1 if self.rng.random() < 0.3 else 0)
                if unit is k["农业农村局"]:
                    deputies = unit.deputies + 1  # over_positions: four 副职 for three
                deputies = min(deputies, capacity - heads)
                roles += [("head", None)] * heads + [("deputy", None)] * deputies
                room = capacity - heads - deputies
                approved_heads = unit.approved_divisions or 0
                for division in unit.active_divisions[:approved_heads]:
                    if room > 0 and self.rng.random() < 0.9:
                        roles.append(("div_head", division))
                        room -= 1
                active = unit.active_divisions
                for _ in range(unit.division_deputies if active else 0):
                    if room > 0 and self.rng.random() < 0.8:
                        roles.append(("div_deputy", self.rng.choice(active)))
                        room -= 1
            roles += [("staff", None)] * (pair.actual - len(roles))
            head_titles = iter(unit.head_titles * 2)
            deputy_titles = iter(unit.deputy_titles * 8)
            for role, division in roles:
                person = self.on_staff(unit, pair.staffing_type, role, idle=pair.plan == "idle")
                if role == "head":
                    person.position, person.post = HEAD, next(head_titles)
                elif role == "deputy":
                    person.position, person.post = DEPUTY, next(deputy_titles)
                elif role in ("div_head", "div_deputy"):
                    assert division is not None  # nosec B101 # demo generator self-check, not a security check
                    head, deputy = _division_titles(division.name)
                    person.division = division
                    if role == "div_head":
                        person.position, person.post = DIVISION_HEAD, head
                    else:
                        person.position, person.post = DIVISION_DEPUTY, deputy
                elif unit.active_divisions and not unit.is_institution:
                    share = 0.3 if pair.staffing_type == WORKER else 0.55
                    if self.rng.random() < share:
                        person.division = self.rng.choice(unit.active_divisions)
                pair.people.append(person)

    def plant_over_age(self) -> None:
        """Five people on staff past their statutory retirement month (domain.md §5)."""
        k = self.key
        first_health = next(u for u in self.catalogue.units if u.name.endswith("社区卫生服务中心"))
        second_primary = [u for u in self.catalogue.units if u.name.endswith("小学")][1]
        cases = (
            (k["民政局"], ADMIN, CIVIL_SERVANT, "男", dt.date(1964, 12, 10)),  # retires 2024-12
            (k["福利中心"], INSTITUTIONAL, INSTITUTION_WORKER, "女", dt.date(1975, 3, 5)),  # 2025-05
            (first_health, INSTITUTIONAL, PROFESSIONAL, "男", dt.date(1965, 7, 18)),  # 2025-09
            (second_primary, INSTITUTIONAL, PROFESSIONAL, "女", dt.date(1970, 9, 23)),  # 2025-12
            (k["法院"], WORKER, ORGAN_WORKER, "男", dt.date(1965, 11, 2)),  # 2026-02
        )
        for unit, staffing_type, category, gender, birth in cases:
            pair = self._pair(unit, staffing_type)
            index = next(i for i, p in enumerate(pair.people) if p.role == "staff" and not p.planted)
            old = pair.people[index]
            self.ids.discard(old.id_number)
            person = self.on_staff(unit, staffing_type, category=category, gender=gender, birth=birth)
            person.division = old.division
            person.planted = True
            assert _retires(person) < dt.date(AS_OF.year, AS_OF.month, 1)  # nosec B101 # demo generator self-check, not a security check
            pair.people[index] = person

    def make_loans(self) -> None:
        for key, staffing_type, quantity, start, due, status in _LOANS:
            unit = self.key[key]
            self.loans.append(
                {
                    "机构代码": unit.code,
                    "编制类型": staffing_type,
                    "数量": quantity,
                    "使用日期": start,
                    "回收日期": due,
                    "状态": status,
                }
            )
            if status == "使用中" and start <= AS_OF:
                self._pair(unit, staffing_type).loans_in_use += quantity

    def set_quotas(self) -> None:
        """Approved staffing: a little above actual, with recent recruitment where the vacancy is large."""
        rng = self.rng
        for pair in self.pairs:
            actual = pair.actual
            if pair.plan == "mixed":
                pair.quota = 1
                continue
            if pair.plan == "excess":
                pair.quota = actual - pair.excess - pair.loans_in_use
                continue
            if pair.plan == "idle":
                pair.quota = actual + max(2, math.ceil(actual * 0.35))
                assert (pair.quota - actual) / pair.quota >= 0.2  # nosec B101 # demo generator self-check, not a security check
                continue
            if rng.random() < 0.88:
                slack = rng.randint(0, max(0, math.ceil(actual * 0.25) - 1))  # vacancy under 20 %
            else:
                slack = rng.randint(math.ceil(actual * 0.25), math.ceil(actual * 0.4) + 1)  # recruiting
            approved = actual + slack
            pair.quota = approved - pair.loans_in_use
            assert pair.quota >= 1, pair.unit.name  # nosec B101 # demo generator self-check, not a security check
            if slack / approved >= 0.2 and not any(p.entry and p.entry > _IDLE_SINCE for p in pair.people):
                # Someone joined in the last year: the vacancy is being used, not sleeping.
                candidates = [p for p in pair.people if p.role == "staff" and not p.planted]
                candidates = candidates or [p for p in pair.people if not p.planted]
                newcomer = min(candidates, key=lambda p: (-p.birth.toordinal(), p.id_number))
                earliest = _add_years(newcomer.birth, _EDUCATION_AGE[newcomer.education])
                newcomer.entry = _random_date(rng, max(earliest, _IDLE_SINCE + dt.timedelta(days=1)), AS_OF)

    def make_leavers(self, count: int) -> None:
        """People who left: mostly written off within ten working days; four planted late ones."""
        rng = self.rng
        k = self.key
        primaries = [u for u in self.catalogue.units if u.name.endswith("小学")]
        first_health = next(u for u in self.catalogue.units if u.name.endswith("社区卫生服务中心"))
        planted = (
            (k["人社局"], ADMIN, "调出", dt.date(2026, 5, 6)),
            (primaries[2], INSTITUTIONAL, "辞职", dt.date(2026, 5, 20)),
            (k["区委办"], ADMIN, "退休", dt.date(2026, 6, 1)),
            (first_health, INSTITUTIONAL, "调出", dt.date(2026, 6, 8)),
        )
        for unit, staffing_type, status, left in planted:
            person = self.leaver(unit, staffing_type, status, left)
            assert person.left == left and write_off_deadline(left) < AS_OF  # nosec B101 # demo generator self-check, not a security check
            person.planted = True
            self.leavers.append(person)
        eligible = [p for p in self.pairs if p.plan in ("regular", "excess")]
        weights = [p.actual for p in eligible]
        for _ in range(count - len(planted)):
            pair = rng.choices(eligible, weights)[0]
            status = rng.choices(("退休", "调出", "辞职", "死亡"), (55, 30, 12, 3))[0]
            person = self.leaver(pair.unit, pair.staffing_type, status)
            deadline = write_off_deadline(person.left)
            if deadline < AS_OF:
                late = rng.random() < 0.08
                days = rng.randint(12, 40) if late else rng.randint(1, 12)
                person.written_off = min(person.left + dt.timedelta(days=days), AS_OF)
            elif rng.random() < 0.5:
                written_off = person.left + dt.timedelta(days=rng.randint(1, 6))
                person.written_off = written_off if written_off <= AS_OF else None
            self.leavers.append(person)

    def _pair(self, unit: _Unit, staffing_type: str) -> _Pair:
        return next(p for p in self.pairs if p.unit is unit and p.staffing_type == staffing_type and p.plan != "mixed")

    # -- the sheets ----------------------------------------------------------------------------

    def sheets(self) -> dict[str, list[dict[str, object]]]:
        units = self.catalogue.units
        order = {unit.code: index for index, unit in enumerate(units)}

        unit_rows = []
        for unit in units:
            top = unit.parent is None
            states = top or unit.states_sequence
            unit_rows.append(
                {
                    "机构代码": unit.code,
                    "机构名称": unit.name,
                    "统一社会信用代码": unit.credit_code,
                    "上级机构代码": unit.parent.code if unit.parent else None,
                    "机构类型": unit.kind,
                    "序列": unit.sequence if states and unit.kind != DIVISION else None,
                    "机构规格": unit.rank,
                    "事业单位类别": unit.institution_class,
                    "参公": ("是" if unit.civil_servant_managed else "否") if unit.is_institution else None,
                    "经费形式": unit.funding,
                    "区划代码": DISTRICT if states and unit.kind != DIVISION else None,
                    "核定内设机构数": unit.approved_divisions,
                    "重点领域": unit.tags,
                    "成立日期": unit.established,
                    "撤销日期": unit.abolished,
                }
            )

        quota_rows = [
            {"机构代码": p.unit.code, "编制类型": p.staffing_type, "核定数": p.quota}
            for p in sorted(self.pairs, key=lambda p: (order[p.unit.code], _TYPE_ORDER.index(p.staffing_type)))
        ]

        position_rows = []
        for unit in units:
            if unit.kind == DIVISION or unit.abolished is not None or not unit.heads:
                continue
            approved = {HEAD: unit.heads, DEPUTY: unit.deputies}
            if unit is self.key["重大项目中心"]:
                del approved[HEAD]  # over_positions: a 正职 in post, no 正职 row
            if unit.divisions:
                approved[DIVISION_HEAD] = unit.approved_divisions or 0
                approved[DIVISION_DEPUTY] = unit.division_deputies
            for category, count in approved.items():
                position_rows.append({"机构代码": unit.code, "职数类别": category, "核定数": count})

        active = [u for u in units if u.abolished is None or u.abolished > AS_OF]
        party_government = sum(1 for u in active if u.kind in ("党委工作机关", "政府工作部门"))
        institutions = sum(1 for u in active if u.kind == INSTITUTION)
        limit_rows: list[dict[str, object]] = [
            {"区划代码": DISTRICT, "限额类别": "党政机构", "限额数": party_government + 1},
            {"区划代码": DISTRICT, "限额类别": "事业单位", "限额数": institutions + self.rng.randint(3, 8)},
        ]

        people = [p for pair in self.pairs for p in pair.people] + self.leavers
        people.sort(
            key=lambda p: (
                order[p.unit.code],
                p.status != ON_STAFF,
                _ROLE_ORDER[p.role],
                p.division.code if p.division else "~",
                p.entry or AS_OF,
                p.id_number,
            )
        )
        sheets = {
            "机构": unit_rows,
            "编制": quota_rows,
            "职数": position_rows,
            "周转编制": self.loans,
            "限额": limit_rows,
            "人员": [p.row() for p in people],
        }
        # Every row keyed by every header of its sheet, in the declared order.
        return {
            spec.name: [{c.header: row.get(c.header) for c in spec.columns} for row in sheets[spec.name]]
            for spec in SHEETS
        }


# (unit key, staffing type, 数量, 使用日期, 回收日期, 状态)
_LOANS = (
    ("人才中心", INSTITUTIONAL, 2, dt.date(2025, 3, 1), dt.date(2027, 2, 28), "使用中"),
    ("疾控中心", INSTITUTIONAL, 3, dt.date(2024, 9, 1), dt.date(2027, 8, 31), "使用中"),
    ("社会治理中心", INSTITUTIONAL, 2, dt.date(2025, 7, 15), dt.date(2028, 7, 14), "使用中"),
    ("社工部", ADMIN, 2, dt.date(2024, 5, 1), dt.date(2027, 4, 30), "使用中"),
    ("初中", INSTITUTIONAL, 3, dt.date(2020, 9, 1), dt.date(2023, 8, 31), "已回收"),
    ("综合执法局", ADMIN, 2, dt.date(2026, 1, 10), dt.date(2027, 12, 31), "使用中"),
    ("招商中心", INSTITUTIONAL, 2, dt.date(2025, 10, 1), dt.date(2028, 9, 30), "使用中"),
    # overdue_turnover: still in use after the due date
    ("融媒体中心", INSTITUTIONAL, 2, dt.date(2023, 7, 1), dt.date(2026, 3, 31), "使用中"),
    ("交通局", ADMIN, 1, dt.date(2024, 1, 15), dt.date(2026, 1, 14), "使用中"),
    # returned; 区财政局 is over-staffed only because its loan went back
    ("财政局", ADMIN, 2, dt.date(2023, 6, 1), dt.date(2026, 5, 31), "已回收"),
    ("发改局", ADMIN, 2, dt.date(2021, 3, 1), dt.date(2023, 2, 28), "已回收"),
    ("卫健局", ADMIN, 1, dt.date(2022, 6, 1), dt.date(2024, 5, 31), "已回收"),
)


# ---------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------


def _csv_cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


@dataclass
class DemoWorkbook:
    """The demo district as the six sheets of the standard workbook."""

    #: sheet name -> rows, each keyed by every header of the sheet (schema.SHEETS order); values are
    #: str, int, datetime.date or None
    sheets: dict[str, list[dict[str, object]]]

    def write_csv_folder(self, folder: Path) -> Path:
        """Write 机构.csv … 人员.csv (UTF-8 with BOM, so Excel opens them; dates YYYY-MM-DD) into ``folder``."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        for spec in SHEETS:
            headers = [c.header for c in spec.columns]
            with (folder / f"{spec.name}.csv").open("w", encoding="utf-8-sig", newline="") as handle:
                writer = csv.writer(handle)
                writer.writerow(headers)
                writer.writerows([_csv_cell(row.get(h)) for h in headers] for row in self.sheets.get(spec.name, []))
        return folder

    def write_xlsx(self, path: Path) -> Path:
        """Write one .xlsx workbook: 身份证号 as text cells, dates as date cells, bold frozen header row."""
        from openpyxl import Workbook
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import Font
        from openpyxl.utils import get_column_letter

        path = Path(path)
        workbook = Workbook(write_only=True)
        bold = Font(bold=True)
        for spec in SHEETS:
            sheet = workbook.create_sheet(spec.name)
            sheet.freeze_panes = "A2"
            for index, column in enumerate(spec.columns, start=1):
                wide = column.kind in ("id", "date") or column.header in ("机构名称", "统一社会信用代码")
                sheet.column_dimensions[get_column_letter(index)].width = (
                    40 if column.header == "机构名称" else (20 if wide else 12)
                )
            header_cells = []
            for column in spec.columns:
                cell = WriteOnlyCell(sheet, value=column.header)
                cell.font = bold
                header_cells.append(cell)
            sheet.append(header_cells)
            for row in self.sheets.get(spec.name, []):
                values: list[object] = []
                for column in spec.columns:
                    value = row.get(column.header)
                    if column.kind == "id" and value is not None:
                        cell = WriteOnlyCell(sheet, value=str(value))
                        cell.number_format = "@"
                        values.append(cell)
                    elif isinstance(value, dt.date):
                        cell = WriteOnlyCell(sheet, value=value)
                        cell.number_format = "yyyy-mm-dd"
                        values.append(cell)
                    else:
                        values.append(value)
                sheet.append(values)
        workbook.save(path)
        return path


def build_demo_workbook(*, seed: int = DEFAULT_SEED, people: int = DEFAULT_PEOPLE) -> DemoWorkbook:
    """Build the demo district 越城区 with exactly ``people`` rows in 人员 (at least :data:`MIN_PEOPLE`).

    About 5 % of them have left the staffing (retired, transferred out, resigned, died); the rest are
    on staff on :data:`AS_OF`. The same ``seed`` and ``people`` always give the same workbook.
    """
    if isinstance(people, bool) or not isinstance(people, int) or people < MIN_PEOPLE:
        raise ValueError(f"people must be an integer of at least {MIN_PEOPLE}, not {people!r}")
    generator = _Generator(seed, people)
    leavers = max(10, round(people * 0.05))
    generator.make_pairs()
    generator.allocate(people - leavers)
    generator.staff_units()
    generator.plant_over_age()
    generator.make_loans()
    generator.set_quotas()
    generator.make_leavers(leavers)
    return DemoWorkbook(sheets=generator.sheets())
