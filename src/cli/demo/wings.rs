//! The demo's months in the other wings: payments by habit, the subsidy and its
//! reconciliation, public revenue, the collective's distribution, income tax and fixed assets.

use super::generate::*;
use super::*;
use crate::access::store::AccessStore;
use crate::assets::store::AssetsStore;
use crate::collective::plan::Provisions;
use crate::collective::store::CollectiveStore;
use crate::collective::Collective;
use crate::domain::category::Category;
use crate::domain::ids::HouseholdId;
use crate::domain::money::Fen;
use crate::domain::period::Period;
use crate::error::Result;
use crate::fees::rules::HouseholdKind;
use crate::fees::store::FeesStore;
use crate::fees::{Fees, Method, PaymentRequest};
use crate::ledger::voucher::VoucherInput;
use crate::ledger::{Book, Ledger};
use crate::public_revenue::store::PublicRevenueStore;
use crate::public_revenue::{PublicRevenue, RevenueInput, Source, UseInput};
use crate::spending::{ExpenseInput, Spending};
use crate::subsidies::store::SubsidiesStore;
use crate::subsidies::{DisbursementInput, ProgramInput, ReceiptInput, SignSide, Subsidies, Treatment};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

/// Payments recorded in one transaction, as the cashiers' desk groups them when busy
/// (`http::batch`): each keeps its own receipt and voucher, in the order of the month's list.
const PAYMENTS_PER_GROUP: usize = 64;

/// One month of payments by habit; returns (cash, WeChat/Alipay) takings for the banking.
pub(super) async fn collect<S: FeesStore>(
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
    // (household, amount, method, day, idempotency key) of each payment of the month.
    let mut month = Vec::new();
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
        month.push((h.id, amount, method, day(period, rng.gen_range(3..26)), format!("demo-{key}")));
    }
    let (mut cash, mut wallet) = (0, 0);
    for group in month.chunks(PAYMENTS_PER_GROUP) {
        let requests: Vec<PaymentRequest> = group
            .iter()
            .map(|(household_id, amount, method, paid_on, idempotency_key)| PaymentRequest {
                household_id: *household_id,
                amount: Fen(*amount),
                method: *method,
                paid_on: *paid_on,
                idempotency_key,
                cashier: CASHIER,
                bill_ids: None,
                note: Default::default(),
            })
            .collect();
        for answer in fees.pay_many(book, &requests, &()).await {
            answer?;
        }
        for (_, amount, method, _, _) in group {
            match method {
                Method::Cash => cash += amount,
                Method::Wechat | Method::Alipay => wallet += amount,
                Method::Bank => {}
            }
        }
    }
    Ok((cash, wallet))
}

/// The finance office's user in the demo.
pub const OFFICER: &str = "office";
/// The last year's subsidy: one program, paid each quarter.
pub(super) const SUBSIDY_QUARTER_FEN: i64 = 30_000_000;

pub(super) fn subsidy_document(year: i32) -> String {
    format!("示范区财〔{year}〕15号")
}

/// The last year's month of the subsidy: the program in January, each quarter's disbursement
/// and receipt, the month's cleaning fee as an expense tagged to the program, and the month's
/// release of 递延收益.
pub(super) async fn subsidy_month<S: FeesStore + AccessStore + SubsidiesStore>(
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
pub(super) async fn public_revenue_month<S: FeesStore + AccessStore + SubsidiesStore + PublicRevenueStore + CollectiveStore>(
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
pub(super) async fn distribute_year<S: FeesStore + AccessStore + SubsidiesStore + PublicRevenueStore + CollectiveStore>(
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
pub(super) async fn subsidy_reconciliations<S: FeesStore + AccessStore + SubsidiesStore>(ledger: &Ledger<S>, year: i32) -> Result<()> {
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
pub(super) async fn accrue_income_tax<S: FeesStore + CollectiveStore>(
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
pub(super) async fn assets_month<S: FeesStore + AccessStore + SubsidiesStore + AssetsStore>(
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
