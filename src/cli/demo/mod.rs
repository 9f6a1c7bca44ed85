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

use indicatif::{ProgressBar, ProgressStyle};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

use crate::access::store::AccessStore;
use crate::access::{Access, NewUser, Role};
use crate::app::AppStore;
use crate::assets::store::AssetsStore;
use crate::cli::{print_out, verify_text};
use crate::collective::store::CollectiveStore;
use crate::collective::Collective;
use crate::domain::area::AreaM2Hundredths;
use crate::domain::ids::{CommunityId, HouseholdId, VoucherId};
use crate::domain::period::Period;
use crate::error::{Error, Result};
use crate::fees::rules::{FeeBasis, HouseholdKind};
use crate::fees::store::FeesStore;
use crate::fees::units::NewUnit;
use crate::fees::{FeeItemSpec, Fees};
use crate::ledger::voucher::VoucherInput;
use crate::ledger::{Book, Ledger, PaymentVouchers};
use crate::public_revenue::store::PublicRevenueStore;
use crate::public_revenue::PublicRevenue;
use crate::report::{self, statement};
use crate::spending::Spending;
use crate::store::AnyStore;
use crate::store::Store;
use crate::subsidies::store::SubsidiesStore;
use crate::subsidies::Subsidies;
use crate::verify;

mod generate;
mod wings;
use generate::*;
use wings::*;

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
        reverse_duplicate_repair(ledger, company, period).await?;
    }
    if carry.subsidy_wing {
        subsidy_month(ledger, company, period, carry.cleaning_to_record_fen).await?;
        assets_month(ledger, company, period).await?;
        public_revenue_month(ledger, company, period, carry.ads_to_record_fen).await?;
    }
    if period.month() == 12 {
        accrue_income_tax(ledger, company, period, carry).await?;
        year_end(ledger, [company, collective], period, carry.subsidy_wing).await?;
    }
    for book in [company, collective] {
        ledger.close_period(book, period, REVIEWER).await?;
    }
    Ok(())
}

/// A repair booked twice by mistake: the accountant reverses the duplicate in red.
async fn reverse_duplicate_repair<S: FeesStore>(ledger: &Ledger<S>, company: &Book, period: Period) -> Result<()> {
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
    Ok(())
}

/// December's year end: both books carry their year forward; in the demo's last year
/// (`last_year`) the company's profit goes to the collective first and the collective
/// distributes after.
async fn year_end<S: FeesStore + AccessStore + SubsidiesStore + PublicRevenueStore + CollectiveStore>(
    ledger: &Ledger<S>,
    [company, collective]: [&Book; 2],
    december: Period,
    last_year: bool,
) -> Result<()> {
    if last_year {
        // The company's year is complete: its profit goes to the collective before either
        // book carries its year forward (the collective's 投资收益 is of this year).
        // A demo of few households runs at a loss, and a loss is not transferred.
        let co = Collective::new(ledger);
        if co.year_profit(company, december.year()).await? > 0 {
            co.transfer_profit(company, collective, december.year(), day(december, 31), MAKER).await?;
        }
    }
    for book in [company, collective] {
        if let Some(id) = ledger.draft_year_end(book, december.year(), MAKER).await? {
            ledger.review(book, id, REVIEWER).await?;
            ledger.post(book, id, REVIEWER).await?;
        }
    }
    if last_year {
        distribute_year(ledger, company, collective, december).await?;
    }
    Ok(())
}

async fn enter<S: FeesStore>(ledger: &Ledger<S>, book: &Book, input: &VoucherInput) -> Result<VoucherId> {
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

/// Where the demo is built: the database the user named, which must be new, or the demo's own
/// file, removed first.
fn fresh_demo_db(db: Option<&str>) -> Result<&str> {
    match db {
        Some(db) => {
            if !crate::store::is_postgres(db) && crate::store::sqlite_file(db)?.exists() {
                return Err(Error::invalid("--db", format!("演示数据须建在新数据库上，文件 {db} 已存在（请删除或换一个 --db）")));
            }
            Ok(db)
        }
        None => {
            for suffix in ["", "-wal", "-shm"] {
                let path = format!("{DEFAULT_DEMO_DB}{suffix}");
                if std::path::Path::new(&path).exists() {
                    std::fs::remove_file(&path)?;
                }
            }
            Ok(DEFAULT_DEMO_DB)
        }
    }
}

fn month_progress() -> ProgressBar {
    // A bar on the terminal only: indicatif draws nothing when stderr is not one.
    // The demo builds three years, month by month.
    ProgressBar::new(3 * 12)
        .with_style(ProgressStyle::with_template("{bar:36} {pos}/{len} 月  {msg}").unwrap_or_else(|_| ProgressStyle::default_bar()))
}

/// The demo's last year as its reports show it: both books' 科目余额表 and statements, the
/// company's 现金流量表, collection rate, aging, budget execution and public revenue.
async fn year_reports<S: AppStore>(s: &S, ledger: &Ledger<S>, books: &DemoBooks, december: Period) -> Result<String> {
    let january = december.first_of_year();
    let mut out = String::new();
    for book in [&books.company, &books.collective] {
        out += &report::trial_balance(s, book, january, december, 1).await?.to_table().to_text();
        out.push('\n');
    }
    for book in [&books.company, &books.collective] {
        for balance_sheet in [true, false] {
            out += &statement::statement(s, book, statement::for_book(book, balance_sheet), december).await?.to_table().to_text();
            out.push('\n');
        }
    }
    out += &statement::statement(s, &books.company, "cash_flow", december).await?.to_table().to_text();
    out.push('\n');
    let mut rates = crate::fees::reports::collection(s, &books.company, january, december).await?;
    rates.lines.retain(|l| l.building == "全部");
    out += &rates.to_table().to_text();
    out.push('\n');
    out += &crate::fees::reports::aging(s, &books.company, december, false).await?.to_table().to_text();
    out.push('\n');
    out += &Spending::new(ledger).budget_execution(&books.company, december).await?.to_table().to_text();
    out.push('\n');
    out += &PublicRevenue::new(ledger).report(&books.company, december).await?.to_table().to_text();
    out.push('\n');
    Ok(out)
}

/// Builds the demo community on a new database, gives it a street and one user per role with a
/// password, prints its reports, `verify` and the users; then, unless `serve` is None, serves it.
pub(crate) async fn run_demo(db: Option<&str>, seed: u64, year: i32, households: usize, serve: Option<&str>) -> Result<i32> {
    let db = fresh_demo_db(db)?;
    let s = AnyStore::create(db).await?;
    s.pin_writer_here();
    {
        let ledger = Ledger::new(s.clone());
        let progress = month_progress();
        let books = build_showing(&ledger, seed, year, households, &progress).await?;
        progress.set_message("校验账簿");
        let december = Period::new(year, 12).ok_or_else(|| Error::invalid("--year", year.to_string()))?;
        let mut out = format!("演示社区“{}”已建于 {db}（种子 {seed}）\n\n", COMMUNITY);
        out += &year_reports(&s, &ledger, &books, december).await?;
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
    }
}
