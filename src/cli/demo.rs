//! `mingzhang demo`: a demo community made by a seeded generator, so that a newcomer sees the
//! whole product on a fresh SQLite file with no setup. The same seed gives the same books.
//!
//! The community: a resettlement community of about 3,000 households whose collective owns a
//! property company. Two books: the company (小企业会计准则) and the collective's joint-stock
//! cooperative (农村集体经济组织会计制度). Three years of what such books really carry: monthly
//! billing, payments by each household's habit (on time, quarterly, a year ahead, partial,
//! chronic arrears), parking spaces and storage rooms held by the homes as units of their
//! own, and the company's and collective's other vouchers.

use std::collections::HashMap;

use chrono::NaiveDate;
use indicatif::{ProgressBar, ProgressStyle};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

use crate::access::store::AccessStore;
use crate::access::{Access, NewUser, Role};
use crate::assets::store::AssetsStore;
use crate::cli::{print_out, verify_text};
use crate::collective::plan::Provisions;
use crate::collective::store::CollectiveStore;
use crate::collective::Collective;
use crate::domain::area::AreaM2Hundredths;
use crate::domain::category::Category;
use crate::domain::ids::{CommunityId, HouseholdId};
use crate::domain::money::Fen;
use crate::domain::period::Period;
use crate::error::{Error, Result};
use crate::fees::rules::{FeeBasis, HouseholdKind};
use crate::fees::store::FeesStore;
use crate::fees::units::NewUnit;
use crate::fees::{FeeItemSpec, Fees, Method, PaymentRequest};
use crate::ledger::voucher::{Dimensions, LineInput, VoucherInput};
use crate::ledger::{Book, Ledger, PaymentVouchers};
use crate::public_revenue::store::PublicRevenueStore;
use crate::public_revenue::{PublicRevenue, RevenueInput, Source, UseInput};
use crate::report::{self, statement};
use crate::spending::{ExpenseInput, Spending};
use crate::store::AnyStore;
use crate::store::Store;
use crate::subsidies::store::SubsidiesStore;
use crate::subsidies::{DisbursementInput, ProgramInput, ReceiptInput, SignSide, Subsidies, Treatment};
use crate::verify;
use crate::with_store;

pub const COMMUNITY: &str = "幸福里安置社区";
pub const MAKER: &str = "王会计";
pub const REVIEWER: &str = "李主管";
pub const CASHIER: &str = "赵出纳";

/// The people the demo's books record, users of the community from the start (everyone
/// recorded is a user); `mingzhang demo` gives them passwords (with --no-serve too).
const PEOPLE: [(&str, Role); 3] = [(MAKER, Role::Accountant), (REVIEWER, Role::Reviewer), (CASHIER, Role::Cashier)];

const COMPANY_OPENING: &str = "科目编码,科目名称,借方余额,贷方余额
1001,库存现金,18600.00,
100201,基本存款户,1436950.00,
1012,其他货币资金,42300.00,
1221,其他应收款,15000.00,
1411,周转材料,23800.00,
1601,固定资产,486000.00,
1602,累计折旧,,132400.00
2202,应付账款,,86500.00
221101,工资,,96300.00
222101,应交增值税,,12450.00
224101,公共收益,,168300.00
224102,押金及保证金,,60000.00
240101,政府补助,,150000.00
3001,实收资本,,1000000.00
3101,盈余公积,,42000.00
310404,未分配利润,,274700.00
";

const COLLECTIVE_OPENING: &str = "科目编码,科目名称,借方余额,贷方余额
101,库存现金,5200.00,
10201,基本存款户,3860000.00,
141,长期投资,1000000.00,
151,固定资产,8650000.00,
152,累计折旧,,1730000.00
21101,应付成员收益分配,,120000.00
301,资本,,10500000.00
311,公积公益金,,985200.00
32202,未分配收益,,180000.00
";

pub struct DemoBooks {
    pub company: Book,
    pub collective: Book,
    pub year: i32,
}

fn line(summary: &str, account: &str, debit: i64, credit: i64) -> LineInput {
    LineInput {
        summary: summary.into(),
        account: account.into(),
        debit: Fen(debit),
        credit: Fen(credit),
        dimensions: Dimensions::default(),
    }
}

fn tagged(summary: &str, account: &str, debit: i64, credit: i64, category: &str) -> LineInput {
    let mut l = line(summary, account, debit, credit);
    l.dimensions.service_category = Some(category.into());
    l
}

/// An amount in fen around `base_yuan`, ±`spread_permille`‰, with random fen: integer
/// arithmetic only, so no float ever touches an amount.
fn around(rng: &mut SmallRng, base_yuan: i64, spread_permille: i64) -> i64 {
    let factor = 1000 + rng.gen_range(-spread_permille..=spread_permille);
    base_yuan * 100 * factor / 1000 + rng.gen_range(0..100)
}

/// Day `d` of the month, or its last day in a shorter month.
fn day(period: Period, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(period.year(), period.month(), d).unwrap_or(period.last_day())
}

/// The company's vouchers of one month.
/// What one month leaves the next to settle: accrued outsourcing fees and wages, cash on hand.
#[derive(Default)]
struct Carry {
    outsourcing_payable_fen: i64,
    wages_payable_fen: i64,
    /// What last month's payments brought in cash and through WeChat/Alipay.
    cash_collected_fen: i64,
    wallet_collected_fen: i64,
    /// In the last year the subsidy is kept by its wing: the cleaning fee it pays for is an
    /// expense tagged to the program, and receipts and releases are the wing's vouchers.
    subsidy_wing: bool,
    cleaning_to_record_fen: i64,
    /// The month's elevator advertising, recorded by the public-revenue wing in the last year.
    ads_to_record_fen: i64,
    /// 企业所得税 accrued in December, paid in January.
    income_tax_payable_fen: i64,
    /// The first month, whose opening balances still wait to move.
    first_month: bool,
}

fn company_month(rng: &mut SmallRng, p: Period, carry: &mut Carry) -> Vec<VoucherInput> {
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
fn company_costs(rng: &mut SmallRng, p: Period, carry: &mut Carry) -> Vec<VoucherInput> {
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
fn collective_month(rng: &mut SmallRng, p: Period) -> Vec<VoucherInput> {
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
enum Habit {
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

struct DemoHousehold {
    id: HouseholdId,
    habit: Habit,
    /// 元 per month at the current rates, for the yearly prepayers' estimate.
    monthly_fen: i64,
}

/// The community's households as the office's spreadsheet lists them.
fn households_csv(rng: &mut SmallRng, count: usize, first: Period) -> String {
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

/// Parking spaces and storage rooms as units of the homes that hold them: one home in eight
/// holds a parking space (P0001…), one in twenty-five a storage room (C001…, 6–12 m²), from
/// the demo's first month or the day it moved in. Returns what each adds to its holder's
/// monthly fees.
async fn demo_units<S: FeesStore>(
    fees: &Fees<S>,
    community_id: CommunityId,
    rng: &mut SmallRng,
    start: Period,
) -> Result<HashMap<HouseholdId, i64>> {
    let mut monthly_fen: HashMap<HouseholdId, i64> = HashMap::new();
    let (mut parking, mut storage) = (0, 0);
    for h in fees.households(community_id).await?.into_iter().filter(|h| h.kind == HouseholdKind::Residential) {
        let from = h.move_in_date.map_or(start.first_day(), |d| d.max(start.first_day()));
        let label = crate::fees::household_label(&h);
        if rng.gen_range(0..8) == 0 {
            parking += 1;
            let code = format!("P{parking:04}");
            let unit = NewUnit { code: &code, kind: HouseholdKind::Parking, area_m2_hundredths: None, household: &label, from };
            fees.add_unit(community_id, &unit).await?;
            *monthly_fen.entry(h.id).or_default() += 12_000;
        }
        if rng.gen_range(0..25) == 0 {
            storage += 1;
            let (code, area) = (format!("C{storage:03}"), AreaM2Hundredths(rng.gen_range(600..1_200)));
            let unit = NewUnit { code: &code, kind: HouseholdKind::Storage, area_m2_hundredths: Some(area), household: &label, from };
            fees.add_unit(community_id, &unit).await?;
            *monthly_fen.entry(h.id).or_default() += area.0 * 60 / 100;
        }
    }
    Ok(monthly_fen)
}

/// Builds the demo on `ledger`: community, both books, opening balances, households, fee
/// standards, and three years to December of `year`: monthly billing, payments by each
/// household's habit, the company's and the collective's other vouchers entered, reviewed and
/// posted, one error corrected by a red-ink reversal, every month closed and every year's
/// profit carried forward.
pub async fn build<S: FeesStore + AccessStore + SubsidiesStore + PublicRevenueStore + CollectiveStore + AssetsStore>(
    ledger: &Ledger<S>,
    seed: u64,
    year: i32,
    household_count: usize,
) -> Result<DemoBooks> {
    build_showing(ledger, seed, year, household_count, &ProgressBar::hidden()).await
}

/// [`build`], advancing `progress` by one for each month built.
async fn build_showing<S: FeesStore + AccessStore + SubsidiesStore + PublicRevenueStore + CollectiveStore + AssetsStore>(
    ledger: &Ledger<S>,
    seed: u64,
    year: i32,
    household_count: usize,
    progress: &ProgressBar,
) -> Result<DemoBooks> {
    let fees = Fees::new(ledger);
    let mut rng = SmallRng::seed_from_u64(seed);
    let mut carry = Carry::default();
    let community = ledger.create_community(COMMUNITY).await?;
    let access = Access::new(ledger.store.clone());
    for (username, role) in PEOPLE {
        match access.user(username).await {
            // A database that has them already (a test's) lends them this community too.
            Ok(user) => access.add_to_community(&user.username, community.id).await?,
            Err(Error::NotFound { .. }) => {
                let new =
                    NewUser { username, display_name: username, roles: &[role], communities: &[community.id], street: "", password: None };
                access.add_user(&new).await?;
            }
            Err(e) => return Err(e),
        }
    }
    // The finance office of the community's street disburses the district's subsidy and signs
    // its reconciliations; `demo` gives it a password.
    access.set_street(community.id, DEMO_STREET).await?;
    if access.user(OFFICER).await.is_err() {
        let new = NewUser {
            username: OFFICER,
            display_name: "街道财政所 陈",
            roles: &[Role::FinanceOffice],
            communities: &[],
            street: DEMO_STREET,
            password: None,
        };
        access.add_user(&new).await?;
    }
    let start = Period::new(year - 2, 1).expect("January");
    let company = ledger.create_book(community.id, "company", "幸福里物业服务有限公司", "small_enterprise", start).await?;
    // The company's cashier closes each day (日结): one payment voucher per day and method.
    fees.set_payment_vouchers(&company, PaymentVouchers::Daily).await?;
    let company = ledger.book(community.id, "company").await?;
    let collective = ledger.create_book(community.id, "collective", "幸福里股份经济合作社", "rural_collective", start).await?;
    ledger.import_opening(&company, COMPANY_OPENING).await?;
    ledger.import_opening(&collective, COLLECTIVE_OPENING).await?;

    let households = fee_setup(&fees, &company, community.id, &mut rng, (start, year), household_count).await?;
    let mut receipt_key = 0u64;
    for period in start.through(Period::new(year, 12).expect("December")) {
        progress.set_message(format!("{period} 计费、收款、记账"));
        progress.inc(1);
        fees.run_billing(&company, period, &[], REVIEWER).await?;
        let (cash, wallet) = collect(&fees, &company, &households, period, &mut rng, &mut receipt_key).await?;
        fees.close_days(&company, period.last_day(), REVIEWER).await?;
        books_month(ledger, [&company, &collective], period, year, &mut rng, &mut carry, (cash, wallet)).await?;
    }
    subsidy_reconciliations(ledger, year).await?;
    Ok(DemoBooks { company, collective, year })
}

/// The company's fee items, standards and households, each household with its payment habit.
async fn fee_setup<S: FeesStore>(
    fees: &Fees<S>,
    company: &Book,
    community_id: CommunityId,
    rng: &mut SmallRng,
    (start, year): (Period, i32),
    household_count: usize,
) -> Result<Vec<DemoHousehold>> {
    fees.import_households(community_id, households_csv(rng, household_count, start).as_bytes()).await?;
    let spec = |code, name, basis, account| FeeItemSpec {
        code,
        name,
        basis,
        revenue_account: account,
        late_fee_ppm_per_day: 0,
        late_fee_cap_percent: 0,
    };
    fees.add_fee_item(company, &spec("WYF", "物业服务费", FeeBasis::PerM2Month, "500101")).await?;
    fees.add_fee_item(company, &spec("TCF", "车位停车费", FeeBasis::FixedMonth, "500102")).await?;
    // 物业费 rose from 1.20 to 1.35 元/m² in the last year (the notice was published); past
    // bills keep the old rate.
    let rise = Period::new(year, 1).expect("January").first_day();
    fees.add_fee_standard(company, "WYF", HouseholdKind::Residential, "1.20", start.first_day(), Some(rise)).await?;
    fees.add_fee_standard(company, "WYF", HouseholdKind::Residential, "1.35", rise, None).await?;
    fees.add_fee_standard(company, "WYF", HouseholdKind::Commercial, "2.80", start.first_day(), None).await?;
    fees.add_fee_standard(company, "TCF", HouseholdKind::Parking, "120", start.first_day(), None).await?;
    fees.add_fee_standard(company, "WYF", HouseholdKind::Storage, "0.60", start.first_day(), None).await?;
    let units_fen = demo_units(fees, community_id, rng, start).await?;
    Ok(fees
        .households(community_id)
        .await?
        .into_iter()
        .map(|h| {
            let habit = match rng.gen_range(0..100) {
                0..=14 => Habit::Monthly,
                15..=39 => Habit::Quarterly,
                40..=74 => Habit::Yearly,
                75..=89 => Habit::Partial,
                _ => Habit::Chronic,
            };
            let monthly_fen = match h.kind {
                HouseholdKind::Parking => 12_000,
                HouseholdKind::Commercial => h.area_m2_hundredths.0 * 280 / 100,
                _ => h.area_m2_hundredths.0 * 135 / 100,
            } + units_fen.get(&h.id).copied().unwrap_or(0);
            DemoHousehold { id: h.id, habit, monthly_fen }
        })
        .collect())
}

/// One month of both books' own vouchers (the company's after its collections are known),
/// the March correction, the year-end carry-forward, and the close.
async fn books_month<S: FeesStore + AccessStore + SubsidiesStore + PublicRevenueStore + CollectiveStore + AssetsStore>(
    ledger: &Ledger<S>,
    [company, collective]: [&Book; 2],
    period: Period,
    year: i32,
    rng: &mut SmallRng,
    carry: &mut Carry,
    (cash, wallet): (i64, i64),
) -> Result<()> {
    carry.subsidy_wing = period.year() == year;
    carry.first_month = period == Period::new(year - 2, 1).expect("January");
    let mut company_vouchers = company_month(rng, period, carry);
    carry.cash_collected_fen = cash;
    carry.wallet_collected_fen = wallet;
    company_vouchers.sort_by_key(|v| v.date);
    for input in &company_vouchers {
        enter(ledger, company, input).await?;
    }
    let mut collective_vouchers = collective_month(rng, period);
    collective_vouchers.sort_by_key(|v| v.date);
    for input in &collective_vouchers {
        enter(ledger, collective, input).await?;
    }
    if period == Period::new(year, 3).expect("March") {
        // A repair booked twice by mistake: the accountant reverses the duplicate in red.
        let duplicate = VoucherInput {
            date: day(period, 22),
            attachments: 1,
            lines: vec![
                tagged("更换单元门禁（重复录入）", "540104", 420_000, 0, "维修养护"),
                line("更换单元门禁（重复录入）", "100201", 0, 420_000),
            ],
        };
        let posted = enter(ledger, company, &duplicate).await?;
        let reversal = ledger.reverse(company, posted, MAKER, day(period, 23)).await?;
        ledger.review(company, reversal, REVIEWER).await?;
        ledger.post(company, reversal, REVIEWER).await?;
    }
    if carry.subsidy_wing {
        subsidy_month(ledger, company, period, carry.cleaning_to_record_fen).await?;
        assets_month(ledger, company, period).await?;
        public_revenue_month(ledger, company, period, carry.ads_to_record_fen).await?;
    }
    if period.month() == 12 {
        accrue_income_tax(ledger, company, period, carry).await?;
    }
    let last_december = carry.subsidy_wing && period.month() == 12;
    if last_december {
        // The company's year is complete: its profit goes to the collective before either
        // book carries its year forward (the collective's 投资收益 is of this year).
        // A demo of few households runs at a loss, and a loss is not transferred.
        let co = Collective::new(ledger);
        if co.year_profit(company, period.year()).await? > 0 {
            co.transfer_profit(company, collective, period.year(), day(period, 31), MAKER).await?;
        }
    }
    if period.month() == 12 {
        for book in [company, collective] {
            if let Some(id) = ledger.draft_year_end(book, period.year(), MAKER).await? {
                ledger.review(book, id, REVIEWER).await?;
                ledger.post(book, id, REVIEWER).await?;
            }
        }
    }
    if last_december {
        distribute_year(ledger, company, collective, period).await?;
    }
    for book in [company, collective] {
        ledger.close_period(book, period, REVIEWER).await?;
    }
    Ok(())
}

/// One month of payments by habit; returns (cash, WeChat/Alipay) takings for the banking.
async fn collect<S: FeesStore>(
    fees: &Fees<S>,
    book: &Book,
    households: &[DemoHousehold],
    period: Period,
    rng: &mut SmallRng,
    key: &mut u64,
) -> Result<(i64, i64)> {
    let open = fees.open_bills(book, None).await?;
    let mut open_by_household: std::collections::HashMap<HouseholdId, i64> = std::collections::HashMap::new();
    for b in &open {
        *open_by_household.entry(b.household_id).or_default() += b.open_fen;
    }
    let (mut cash, mut wallet) = (0, 0);
    for h in households {
        let owed = open_by_household.get(&h.id).copied().unwrap_or(0);
        let (amount, method) = match h.habit {
            Habit::Monthly if owed > 0 => (owed, if rng.gen_bool(0.6) { Method::Wechat } else { Method::Alipay }),
            Habit::Quarterly if period.month() % 3 == 1 && owed > 0 => (owed, Method::Cash),
            Habit::Yearly if period.month() == 1 => ((owed + 12 * h.monthly_fen).div_euclid(100) * 100, Method::Bank),
            Habit::Partial if period.month() % 4 == 2 && owed > 0 => ((owed * rng.gen_range(40..80) / 100).max(100), Method::Cash),
            Habit::Chronic if period.month() == 12 && owed > 0 && rng.gen_bool(0.4) => {
                ((owed * rng.gen_range(10..40) / 100).max(100), Method::Cash)
            }
            _ => continue,
        };
        if amount <= 0 {
            continue;
        }
        *key += 1;
        let paid_on = day(period, rng.gen_range(3..26));
        let idempotency_key = format!("demo-{key}");
        let request = PaymentRequest {
            household_id: h.id,
            amount: Fen(amount),
            method,
            paid_on,
            idempotency_key: &idempotency_key,
            cashier: CASHIER,
            bill_ids: None,
            note: Default::default(),
        };
        fees.pay(book, &request).await?;
        match method {
            Method::Cash => cash += amount,
            Method::Wechat | Method::Alipay => wallet += amount,
            Method::Bank => {}
        }
    }
    Ok((cash, wallet))
}

/// The finance office's user in the demo.
pub const OFFICER: &str = "office";
/// The last year's subsidy: one program, paid each quarter.
const SUBSIDY_QUARTER_FEN: i64 = 30_000_000;

fn subsidy_document(year: i32) -> String {
    format!("示范区财〔{year}〕15号")
}

/// The last year's month of the subsidy: the program in January, each quarter's disbursement
/// and receipt, the month's cleaning fee as an expense tagged to the program, and the month's
/// release of 递延收益.
async fn subsidy_month<S: FeesStore + AccessStore + SubsidiesStore>(
    ledger: &Ledger<S>,
    company: &Book,
    period: Period,
    cleaning_fen: i64,
) -> Result<()> {
    let subsidies = Subsidies::new(ledger);
    let community = ledger.community(Some(COMMUNITY)).await?;
    let doc = subsidy_document(period.year());
    if period.month() == 1 {
        let program = ProgramInput {
            document_no: &doc,
            purpose: "安置小区物业管理补贴",
            approved: Fen(4 * SUBSIDY_QUARTER_FEN),
            starts_on: period.first_day(),
            ends_on: Period::new(period.year() + 1, 1).expect("January").first_day(),
            treatment: Treatment::Deferred,
            eligible: vec![Category::Cleaning],
        };
        subsidies.add_program(company, &program, MAKER).await?;
        // The year's budget by service category, as the company's plan set it.
        let spending = Spending::new(ledger);
        for (category, yuan) in [
            (Category::Cleaning, 1_000_000),
            (Category::Greening, 380_000),
            (Category::Security, 1_300_000),
            (Category::Repairs, 180_000),
            (Category::Energy, 350_000),
            (Category::Payroll, 1_150_000),
            (Category::Office, 24_000),
        ] {
            spending.set_budget(company, period.year(), category, Fen(yuan * 100), MAKER).await?;
        }
    }
    if period.month() % 3 == 1 {
        let quarter = (period.month() - 1) / 3 + 1;
        let reference = format!("GK{}{quarter:02}", period.year());
        let disbursed = DisbursementInput {
            row: 0,
            program: doc.clone(),
            date: day(period, 5),
            amount: Fen(SUBSIDY_QUARTER_FEN),
            payee: company.row.name.clone(),
            reference: reference.clone(),
        };
        subsidies.disburse(&community, &[disbursed], OFFICER).await?;
        // The third quarter's transfer arrives 2,000.00 short: the reconciliation finds it.
        let received = if quarter == 3 { SUBSIDY_QUARTER_FEN - 200_000 } else { SUBSIDY_QUARTER_FEN };
        let input = ReceiptInput { date: day(period, 9), amount: Fen(received), reference: &reference, bank_account: None };
        subsidies.receive(company, &doc, &input, MAKER).await?;
    }
    let cleaning = ExpenseInput {
        date: day(period, 28),
        category: Category::Cleaning,
        supplier: "洁美保洁服务有限公司",
        summary: "计提本月保洁外包费",
        amount: Fen(cleaning_fen),
        payable: true,
        program: Some(&doc),
    };
    Spending::new(ledger).record(company, &cleaning, MAKER).await?;
    subsidies.release(company, period, MAKER).await?;
    Ok(())
}

/// The last year's public revenue: the split rule in January (the company keeps 30 % as its
/// management fee), the month's advertising (and March's rental of the square), the month's
/// split, and in June a repair of the common parts paid from the owners' share.
async fn public_revenue_month<S: FeesStore + AccessStore + SubsidiesStore + PublicRevenueStore + CollectiveStore>(
    ledger: &Ledger<S>,
    company: &Book,
    period: Period,
    ads_fen: i64,
) -> Result<()> {
    let revenue = PublicRevenue::new(ledger);
    if period.month() == 1 {
        revenue.set_rule(company, period.first_day(), 300, &format!("{}年业主大会决议第2号", period.year()), MAKER).await?;
    }
    let ads =
        RevenueInput { date: day(period, 6), source: Source::Advertising, payer: "分众传媒（电梯广告）", amount: Fen(ads_fen) };
    revenue.receive(company, &ads, MAKER).await?;
    if period.month() == 3 {
        let venue =
            RevenueInput {
                date: day(period, 15), source: Source::Venue, payer: "社区广场场地租赁（商户促销）", amount: Fen(360_000)
            };
        revenue.receive(company, &venue, MAKER).await?;
    }
    if period.month() == 6 {
        let repair = UseInput {
            date: day(period, 20),
            purpose: "小区围墙及健身器材维修",
            decision: &format!("{}年业主委员会决议第5号", period.year()),
            amount: Fen(1_500_000),
        };
        revenue.spend(company, &repair, MAKER).await?;
    }
    revenue.split(company, period, MAKER).await?;
    Ok(())
}

/// The collective's members (one per home of the first 400, with 1 to 5 shares) and the year's
/// distribution: 10 % to 公积公益金, 5 % to 福利费, the rest by shares, paid the same day.
async fn distribute_year<S: FeesStore + AccessStore + SubsidiesStore + PublicRevenueStore + CollectiveStore>(
    ledger: &Ledger<S>,
    company: &Book,
    collective: &Book,
    period: Period,
) -> Result<()> {
    let mut rng = SmallRng::seed_from_u64(u64::from(period.key() as u32) ^ 0xC011_EC71);
    let homes = Fees::new(ledger).households(company.row.community_id).await?;
    let mut roster = String::from("成员编号,姓名,户,股数\n");
    for (i, h) in homes.iter().filter(|h| h.kind == HouseholdKind::Residential).take(400).enumerate() {
        roster += &format!("XF{:04},{},{},{}\n", i + 1, h.owner_name, crate::fees::household_label(h), rng.gen_range(1..=5));
    }
    let co = Collective::new(ledger);
    co.import_roster(collective, roster.as_bytes(), MAKER).await?;
    let provisions = Provisions { reserve_bp: 1_000, welfare_bp: 500 };
    let d = co.distribute(collective, period.year(), None, provisions, day(period, 31), MAKER).await?;
    co.pay(collective, d.row.id, day(period, 31), MAKER).await?;
    Ok(())
}

/// The last year's reconciliations: the first two quarters signed by both sides, the third
/// (the short transfer) signed by the company and awaiting the finance office, and the year
/// made and not yet signed.
async fn subsidy_reconciliations<S: FeesStore + AccessStore + SubsidiesStore>(ledger: &Ledger<S>, year: i32) -> Result<()> {
    let subsidies = Subsidies::new(ledger);
    let community = ledger.community(Some(COMMUNITY)).await?;
    let doc = subsidy_document(year);
    let quarter_start = |q: u32| Period::new(year + (q / 4) as i32, (q % 4) * 3 + 1).expect("quarter").first_day();
    for q in 0..3 {
        let s = subsidies.reconcile(&community, &doc, quarter_start(q), quarter_start(q + 1), MAKER).await?;
        subsidies.sign(&community, s.reconciliation.id, SignSide::Company, REVIEWER).await?;
        if q < 2 {
            subsidies.sign(&community, s.reconciliation.id, SignSide::FinanceOffice, OFFICER).await?;
        }
    }
    subsidies.reconcile(&community, &doc, quarter_start(0), quarter_start(4), OFFICER).await?;
    Ok(())
}

/// 制单 → 审核 → 记账, by two different people, as the books are really kept.
/// 计提企业所得税 on the year's profit before tax, at the 小型微利企业 rate the demo company
/// pays (应纳税所得额 减按25%计入, 税率20%: 5 % of the profit, 财政部 税务总局公告2023年第12号,
/// to 2027); a year at a loss accrues none.
async fn accrue_income_tax<S: FeesStore + CollectiveStore>(
    ledger: &Ledger<S>,
    company: &Book,
    december: Period,
    carry: &mut Carry,
) -> Result<()> {
    let profit = Collective::new(ledger).year_profit(company, december.year()).await?;
    let tax = (profit * 5 + 50) / 100;
    if profit <= 0 || tax <= 0 {
        return Ok(());
    }
    let summary = format!("计提{}年度企业所得税（小型微利企业，实际税负 5%）", december.year());
    let accrual = VoucherInput {
        date: december.last_day(),
        attachments: 1,
        lines: vec![line(&summary, "5801", tax, 0), line(&summary, "222104", 0, tax)],
    };
    enter(ledger, company, &accrual).await?;
    carry.income_tax_payable_fen = tax;
    Ok(())
}

/// The last year's CCTV upgrade (监控系统改造): bought in March for 100,000.00, 80,000.00 of it
/// paid by the district's grant for the asset (与资产相关的政府补助, 小企业会计准则 第62条); the card
/// depreciates from April over five years, and the grant is released from 递延收益 in step.
async fn assets_month<S: FeesStore + AccessStore + SubsidiesStore + AssetsStore>(
    ledger: &Ledger<S>,
    company: &Book,
    period: Period,
) -> Result<()> {
    let doc = format!("示范区财〔{}〕16号", period.year());
    if period.month() == 3 {
        let subsidies = Subsidies::new(ledger);
        let community = ledger.community(Some(COMMUNITY)).await?;
        let program = ProgramInput {
            document_no: &doc,
            purpose: "安置小区监控系统改造补助",
            approved: Fen(8_000_000),
            starts_on: period.first_day(),
            ends_on: Period::new(period.year() + 1, 1).expect("January").first_day(),
            treatment: Treatment::Asset,
            eligible: vec![Category::Security],
        };
        subsidies.add_program(company, &program, MAKER).await?;
        let reference = format!("GK{}CCTV", period.year());
        let disbursed = DisbursementInput {
            row: 0,
            program: doc.clone(),
            date: day(period, 6),
            amount: Fen(8_000_000),
            payee: company.row.name.clone(),
            reference: reference.clone(),
        };
        subsidies.disburse(&community, &[disbursed], OFFICER).await?;
        let input = ReceiptInput { date: day(period, 9), amount: Fen(8_000_000), reference: &reference, bank_account: None };
        subsidies.receive(company, &doc, &input, MAKER).await?;
        let bought = VoucherInput {
            date: day(period, 20),
            attachments: 3,
            lines: vec![line("购入监控系统（改造）", "1601", 10_000_000, 0), line("购入监控系统（改造）", "100201", 0, 10_000_000)],
        };
        enter(ledger, company, &bought).await?;
        let card = crate::assets::CardInput {
            code: "JK-01",
            name: "监控系统",
            category: "电子设备",
            in_service_on: day(period, 20),
            original: Fen(10_000_000),
            life_months: 60,
            residual_rate_percent: rust_decimal::Decimal::from(5),
            method: crate::assets::Method::StraightLine,
            expense_account: Some("540103"),
            program: Some(&doc),
            funded: Some(Fen(8_000_000)),
            opening_accumulated: None,
        };
        crate::assets::Assets::new(ledger).add(company, &card, MAKER).await?;
    }
    if period.month() > 3 {
        crate::assets::Assets::new(ledger).depreciate(company, period, REVIEWER).await?;
    }
    Ok(())
}

async fn enter<S: FeesStore>(ledger: &Ledger<S>, book: &Book, input: &VoucherInput) -> Result<i64> {
    let id = ledger.draft(book, MAKER, input).await?;
    ledger.review(book, id, REVIEWER).await?;
    ledger.post(book, id, REVIEWER).await?;
    Ok(id)
}

/// The street the demo community belongs to: the demo finance office reads it.
const DEMO_STREET: &str = "示范街道";

/// One demo user per role, each with a new random password, printed with them; and the access
/// code of one household, for the resident's page.
async fn demo_users<S: FeesStore + AccessStore>(s: &S, access: &Access<S>, community: CommunityId) -> Result<String> {
    const USERS: [(&str, &str, Role); 2] = [("admin", "系统管理员", Role::Admin), ("auditor", "赵审计", Role::Auditor)];
    let mut out = String::from("\n演示用户（密码每次随机生成；会计、审核、出纳、财政所即账上记录的经办人）：\n");
    for (username, role) in PEOPLE.into_iter().chain([(OFFICER, Role::FinanceOffice)]) {
        let password = crate::access::secret::random_token()[..12].to_string();
        access.set_password(username, &password).await?;
        out += &format!("  {:<16} {username:<12} 密码 {password}\n", role.label());
    }
    for (username, name, role) in USERS {
        let password = crate::access::secret::random_token()[..12].to_string();
        let communities = if role == Role::FinanceOffice || role == Role::Admin { vec![] } else { vec![community] };
        let street = if role == Role::FinanceOffice { DEMO_STREET } else { "" };
        let new = NewUser { username, display_name: name, roles: &[role], communities: &communities, street, password: Some(&password) };
        access.add_user(&new).await?;
        out += &format!("  {:<16} {username:<12} 密码 {password}\n", role.label());
    }
    let fees = Fees::new(&Ledger::new(s.clone()));
    if let Some(h) = fees.households(community).await?.first() {
        let code = access.issue_household_code(community, h.id).await?;
        out += &format!("\n住户 {} 的查询码：{code}（公示页 → 查询本户账单）\n", crate::fees::household_label(h));
    }
    Ok(out + "\n")
}

/// The demo's own file: rebuilt on every run, so the README command can be run again.
const DEFAULT_DEMO_DB: &str = "mingzhang-demo.db";

/// Builds the demo community on a new database, gives it a street and one user per role with a
/// password, prints its reports, `verify` and the users; then, unless `serve` is None, serves it.
pub(crate) async fn run_demo(db: Option<&str>, seed: u64, year: i32, households: usize, serve: Option<&str>) -> Result<i32> {
    let db = match db {
        Some(db) => {
            if !crate::store::is_postgres(db) && crate::store::sqlite_file(db)?.exists() {
                return Err(Error::invalid("--db", format!("演示数据须建在新数据库上，文件 {db} 已存在（请删除或换一个 --db）")));
            }
            db
        }
        None => {
            for suffix in ["", "-wal", "-shm"] {
                let path = format!("{DEFAULT_DEMO_DB}{suffix}");
                if std::path::Path::new(&path).exists() {
                    std::fs::remove_file(&path)?;
                }
            }
            DEFAULT_DEMO_DB
        }
    };
    let store = AnyStore::create(db).await?;
    store.pin_writer_here();
    with_store!(store, s => {
        let ledger = Ledger::new(s.clone());
        // A bar on the terminal only: indicatif draws nothing when stderr is not one.
        // The demo builds three years, month by month.
        let progress = ProgressBar::new(3 * 12).with_style(
            ProgressStyle::with_template("{bar:36} {pos}/{len} 月  {msg}").unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        let books = build_showing(&ledger, seed, year, households, &progress).await?;
        progress.set_message("校验账簿");
        let december = Period::new(year, 12).ok_or_else(|| Error::invalid("--year", year.to_string()))?;
        let january = december.first_of_year();
        let mut out = format!("演示社区“{}”已建于 {db}（种子 {seed}）\n\n", COMMUNITY);
        for book in [&books.company, &books.collective] {
            out += &report::trial_balance(&s, book, january, december, 1).await?.to_table().to_text();
            out.push('\n');
        }
        for book in [&books.company, &books.collective] {
            for balance_sheet in [true, false] {
                out += &statement::statement(&s, book, statement::for_book(book, balance_sheet), december).await?.to_table().to_text();
                out.push('\n');
            }
        }
        out += &statement::statement(&s, &books.company, "cash_flow", december).await?.to_table().to_text();
        out.push('\n');
        let mut rates = crate::fees::reports::collection(&s, &books.company, january, december).await?;
        rates.lines.retain(|l| l.building == "全部");
        out += &rates.to_table().to_text();
        out.push('\n');
        out += &crate::fees::reports::aging(&s, &books.company, december, false).await?.to_table().to_text();
        out.push('\n');
        out += &Spending::new(&ledger).budget_execution(&books.company, december).await?.to_table().to_text();
        out.push('\n');
        out += &PublicRevenue::new(&ledger).report(&books.company, december).await?.to_table().to_text();
        out.push('\n');
        let community = ledger.community(Some(COMMUNITY)).await?;
        let subsidies = Subsidies::new(&ledger).overview(std::slice::from_ref(&community)).await?;
        out += &crate::subsidies::paper::overview_table(&subsidies).to_text();
        out.push('\n');
        progress.set_message("发布公示");
        let published = crate::disclosure::publish::publish_year(&s, &community, year, MAKER, REVIEWER).await?;
        out += &format!("已发布公示 {} 期（{}），见公示页 /c/{}/disclosures\n\n", published.len(), published.join("、"), community.id.0);
        let report = verify::verify_all(&s).await?;
        progress.finish_and_clear();
        out += &verify_text(&report);
        let access = Access::new(s.clone());
        access.set_street(books.company.row.community_id, DEMO_STREET).await?;
        // The same users and passwords either way, so that a database built with --no-serve
        // can be tried on the web with `serve` later.
        out += &demo_users(&s, &access, books.company.row.community_id).await?;
        let Some(listen) = serve else {
            print_out(&out);
            s.close().await;
            return Ok(if report.is_clean() { 0 } else { 2 });
        };
        crate::http::init_logging();
        crate::http::serve(s, listen, &out, std::time::Duration::from_secs(60 * 60), None).await?;
        Ok(0)
    })
}
