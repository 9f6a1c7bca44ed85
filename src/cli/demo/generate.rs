//! The demo's seeded generator (pure): the company's and the collective's ordinary vouchers
//! month by month, the households with their paying habits, and the household file.

use crate::domain::ids::HouseholdId;
use crate::domain::money::Fen;
use crate::domain::period::Period;
use crate::ledger::voucher::{Dimensions, LineInput, VoucherInput};
use chrono::NaiveDate;
use rand::rngs::SmallRng;
use rand::Rng;

pub(super) fn line(summary: &str, account: &str, debit: i64, credit: i64) -> LineInput {
    LineInput {
        summary: summary.into(),
        account: account.into(),
        debit: Fen(debit),
        credit: Fen(credit),
        dimensions: Dimensions::default(),
    }
}

pub(super) fn tagged(summary: &str, account: &str, debit: i64, credit: i64, category: &str) -> LineInput {
    let mut l = line(summary, account, debit, credit);
    l.dimensions.service_category = Some(category.into());
    l
}

/// An amount in fen around `base_yuan`, ±`spread_permille`‰, with random fen: integer
/// arithmetic only, so no float ever touches an amount.
pub(super) fn around(rng: &mut SmallRng, base_yuan: i64, spread_permille: i64) -> i64 {
    let factor = 1000 + rng.gen_range(-spread_permille..=spread_permille);
    base_yuan * 100 * factor / 1000 + rng.gen_range(0..100)
}

/// Day `d` of the month, or its last day in a shorter month.
pub(super) fn day(period: Period, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(period.year(), period.month(), d).unwrap_or(period.last_day())
}

/// The company's vouchers of one month.
/// What one month leaves the next to settle: accrued outsourcing fees and wages, cash on hand.
#[derive(Default)]
pub(super) struct Carry {
    pub(super) outsourcing_payable_fen: i64,
    pub(super) wages_payable_fen: i64,
    /// What last month's payments brought in cash and through WeChat/Alipay.
    pub(super) cash_collected_fen: i64,
    pub(super) wallet_collected_fen: i64,
    /// In the last year the subsidy is kept by its wing: the cleaning fee it pays for is an
    /// expense tagged to the program, and receipts and releases are the wing's vouchers.
    pub(super) subsidy_wing: bool,
    pub(super) cleaning_to_record_fen: i64,
    /// The month's elevator advertising, recorded by the public-revenue wing in the last year.
    pub(super) ads_to_record_fen: i64,
    /// 企业所得税 accrued in December, paid in January.
    pub(super) income_tax_payable_fen: i64,
    /// The first month, whose opening balances still wait to move.
    pub(super) first_month: bool,
}

pub(super) fn company_month(rng: &mut SmallRng, p: Period, carry: &mut Carry) -> Vec<VoucherInput> {
    let mut out = Vec::new();
    let v = |date: NaiveDate, attachments: u32, lines: Vec<LineInput>| VoucherInput { date, attachments, lines };
    // Property and parking fees arrive as payments against bills (see `collect`); the cashier
    // banks last month's cash takings, keeping a float (备用金), and sweeps the QR-code wallet.
    if carry.cash_collected_fen > 300_000 {
        let banked = carry.cash_collected_fen - 300_000;
        out.push(v(day(p, 3), 1, vec![line("现金送存银行", "100201", banked, 0), line("现金送存银行", "1001", 0, banked)]));
    }
    if carry.wallet_collected_fen > 0 {
        let swept = carry.wallet_collected_fen;
        out.push(v(
            day(p, 3),
            1,
            vec![line("微信、支付宝收款转存银行", "100201", swept, 0), line("微信、支付宝收款转存银行", "1012", 0, swept)],
        ));
    }
    let parking = around(rng, 6_000, 100);
    out.push(v(day(p, 12), 1, vec![line("临时停车收费", "1001", parking, 0), line("临时停车收费", "500102", 0, parking)]));
    // Outsourced services are accrued at month end and paid the next month.
    if carry.outsourcing_payable_fen > 0 {
        let paid = carry.outsourcing_payable_fen;
        out.push(v(day(p, 8), 3, vec![line("支付上月外包服务费", "2202", paid, 0), line("支付上月外包服务费", "100201", 0, paid)]));
    }
    carry.outsourcing_payable_fen = 0;
    for (code, category, base, label) in [
        ("540101", "保洁", 82_000, "计提本月保洁外包费"),
        ("540102", "绿化", 31_000, "计提本月绿化养护费"),
        ("540103", "秩序维护", 112_000, "计提本月秩序维护（保安）费"),
    ] {
        let fen = around(rng, base, 50);
        carry.outsourcing_payable_fen += fen;
        if carry.subsidy_wing && code == "540101" {
            carry.cleaning_to_record_fen = fen;
            continue;
        }
        out.push(v(day(p, 28), 1, vec![tagged(label, code, fen, 0, category), line(label, "2202", 0, fen)]));
    }
    let repairs = around(rng, 14_000, 600);
    out.push(v(day(p, 18), 2, vec![tagged("公共设施维修", "540104", repairs, 0, "维修养护"), line("公共设施维修", "100201", 0, repairs)]));
    out.extend(company_costs(rng, p, carry));
    out
}

/// The company's month, second half: utilities, wages, office, public revenue, taxes, bank
/// charges and the district subsidy.
pub(super) fn company_costs(rng: &mut SmallRng, p: Period, carry: &mut Carry) -> Vec<VoucherInput> {
    let mut out = Vec::new();
    let v = |date: NaiveDate, attachments: u32, lines: Vec<LineInput>| VoucherInput { date, attachments, lines };
    let power = around(rng, if matches!(p.month(), 1 | 7 | 8 | 12) { 36_000 } else { 26_000 }, 100);
    out.push(v(
        day(p, 16),
        1,
        vec![tagged("支付公共区域电费、水费", "540105", power, 0, "公共能耗"), line("支付公共区域电费、水费", "100201", 0, power)],
    ));
    if carry.wages_payable_fen > 0 {
        let wages = carry.wages_payable_fen;
        out.push(v(day(p, 10), 1, vec![line("发放上月工资", "221101", wages, 0), line("发放上月工资", "100201", 0, wages)]));
    }
    let staff = around(rng, 96_000, 20);
    let managers = around(rng, 34_000, 20);
    carry.wages_payable_fen = staff + managers;
    out.push(v(
        day(p, 28),
        1,
        vec![
            tagged("计提本月工资", "540106", staff, 0, "人员薪酬"),
            line("计提本月工资", "560202", managers, 0),
            line("计提本月工资", "221101", 0, staff + managers),
        ],
    ));
    let office = around(rng, 1_800, 500);
    out.push(v(day(p, 14), 2, vec![tagged("购买办公用品", "560201", office, 0, "办公"), line("购买办公用品", "1001", 0, office)]));
    // Public revenue belongs to the owners (民法典 第282条): held as a liability, not revenue.
    let ads = around(rng, 8_000, 150);
    carry.ads_to_record_fen = ads;
    if !carry.subsidy_wing {
        out.push(v(
            day(p, 6),
            1,
            vec![line("收取电梯广告费（公共收益）", "100201", ads, 0), line("收取电梯广告费（公共收益）", "224101", 0, ads)],
        ));
    }
    // The company bills no VAT (its fees are 免征 under the demo's setting), so it accrues no
    // surtax on it; the VAT it owed when the books were opened is paid in the first month, and
    // each year's 企业所得税, accrued in December, in the January after.
    if carry.first_month {
        out.push(v(
            day(p, 15),
            1,
            vec![line("缴纳上年应交增值税", "222101", 1_245_000, 0), line("缴纳上年应交增值税", "100201", 0, 1_245_000)],
        ));
    }
    if carry.income_tax_payable_fen > 0 {
        let tax = std::mem::take(&mut carry.income_tax_payable_fen);
        out.push(v(day(p, 15), 1, vec![line("缴纳上年企业所得税", "222104", tax, 0), line("缴纳上年企业所得税", "100201", 0, tax)]));
    }
    let fee = around(rng, 150, 300);
    out.push(v(day(p, 21), 1, vec![line("银行手续费", "5603", fee, 0), line("银行手续费", "100201", 0, fee)]));
    // The district's management subsidy arrives each quarter and is released month by month
    // as the costs it pays for are incurred (递延收益 → 营业外收入).
    if carry.subsidy_wing {
        return out;
    }
    // The first quarter is released from the 150,000.00 deferred at the opening; the district's
    // money for it arrived the year before.
    if p.month() % 3 == 1 && !carry.first_month {
        out.push(v(
            day(p, 9),
            1,
            vec![line("收到区财政物业管理补贴", "100201", 15_000_000, 0), line("收到区财政物业管理补贴", "240101", 0, 15_000_000)],
        ));
    }
    out.push(v(day(p, 28), 1, vec![line("结转本月补贴收入", "240101", 5_000_000, 0), line("结转本月补贴收入", "530101", 0, 5_000_000)]));
    out
}

/// The collective's vouchers of one month.
pub(super) fn collective_month(rng: &mut SmallRng, p: Period) -> Vec<VoucherInput> {
    let v = |date: NaiveDate, attachments: u32, lines: Vec<LineInput>| VoucherInput { date, attachments, lines };
    let rent = around(rng, 126_000, 50);
    let admin = around(rng, 9_000, 300);
    let mut out = vec![
        v(day(p, 5), 2, vec![line("收取商铺、厂房租金", "10201", rent, 0), line("收取商铺、厂房租金", "50101", 0, rent)]),
        v(day(p, 25), 2, vec![line("支付办公及会议费用", "513", admin, 0), line("支付办公及会议费用", "10201", 0, admin)]),
    ];
    if p.month() == 6 {
        out.push(v(
            day(p, 18),
            1,
            vec![line("收到村级组织运转补助", "10201", 8_000_000, 0), line("收到村级组织运转补助", "503", 0, 8_000_000)],
        ));
    }
    if p.month() == 9 {
        let charity = around(rng, 30_000, 100);
        out.push(v(day(p, 9), 1, vec![line("重阳节慰问老年成员", "514", charity, 0), line("重阳节慰问老年成员", "10201", 0, charity)]));
    }
    out
}

/// How a household pays, drawn once per household: the mix a resettlement community's office
/// reports (many pay once a year at the office, some by QR code each month, some never).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Habit {
    /// WeChat/Alipay each month, a few days after the bill.
    Monthly,
    /// Cash at the office at the start of each quarter, for what is open.
    Quarterly,
    /// Bank transfer each January for the year ahead (a prepayment).
    Yearly,
    /// Part of what is open, every four months or so.
    Partial,
    /// Long arrears: a little in December, some years.
    Chronic,
}

pub(super) struct DemoHousehold {
    pub(super) id: HouseholdId,
    pub(super) habit: Habit,
    /// 元 per month at the current rates, for the yearly prepayers' estimate.
    pub(super) monthly_fen: i64,
}

/// The community's households as the office's spreadsheet lists them.
pub(super) fn households_csv(rng: &mut SmallRng, count: usize, first: Period) -> String {
    let mut csv = String::from("楼栋,单元,房号,建筑面积,类型,业主,电话,入住日期\n");
    let surnames = ["王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "胡", "朱", "高", "林"];
    let given = ["建国", "秀英", "桂兰", "志强", "丽华", "国庆", "海燕", "德明", "春梅", "永福", "玉珍", "文斌"];
    let name = |rng: &mut SmallRng| format!("{}{}", surnames[rng.gen_range(0..surnames.len())], given[rng.gen_range(0..given.len())]);
    let shops = count * 3 / 100;
    let homes = count - shops;
    // 18 floors × 4 rooms × 2 units = 144 homes a building.
    for i in 0..homes {
        let (building, rest) = (i / 144 + 1, i % 144);
        let (unit, floor, room) = (rest / 72 + 1, rest % 72 / 4 + 1, rest % 4 + 1);
        let area = rng.gen_range(6_000..14_000);
        // One in twenty moves in during the three years, billed by days that month.
        let move_in = if rng.gen_range(0..20) == 0 {
            let q = (0..rng.gen_range(1..36)).fold(first, |p, _| p.next());
            day(q, rng.gen_range(2..28)).to_string()
        } else {
            String::new()
        };
        csv += &format!(
            "{building},{unit},{floor}{room:02},{}.{:02},住宅,{},139{:08},{move_in}\n",
            area / 100,
            area % 100,
            name(rng),
            rng.gen_range(0..100_000_000)
        );
    }
    for i in 0..shops {
        let area = rng.gen_range(3_000..12_000);
        csv += &format!(
            "商业街,,S{:03},{}.{:02},商铺,{}商行,138{:08},\n",
            i + 1,
            area / 100,
            area % 100,
            name(rng),
            rng.gen_range(0..100_000_000)
        );
    }
    csv
}
