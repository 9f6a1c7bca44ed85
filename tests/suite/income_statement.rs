//! The 利润表 shows each revenue, cost and expense line as its net movement (SY): corrections
//! booked on the other side (ordinary vouchers take no red ink) are netted, and the year-end
//! carry-forward is left out, so December and the year still show the year's figures and the
//! net profit ties to 未分配利润 on the balance sheet.

use crate::common;

use common::*;
use mingzhang::domain::period::Period;
use mingzhang::fees::store::FeesStore;
use mingzhang::ledger::{Book, Ledger};
use mingzhang::report::statement::{self, Statement};

// 利润表 lines (reports/income_statement.toml).
const REVENUE: u32 = 1;
const COST: u32 = 2;
const ADMIN: u32 = 14;
const FINANCE: u32 = 18;
const INVESTMENT: u32 = 20;
const OPERATING_PROFIT: u32 = 21;
const INCOME_TAX: u32 = 31;
const NET_PROFIT: u32 = 32;
// 资产负债表 line 51, 未分配利润 (reports/balance_sheet.toml).
const RETAINED: u32 = 51;

async fn income_statement<S: FeesStore>(ledger: &Ledger<S>, book: &Book, month: Period) -> Statement {
    let is = statement::statement(&ledger.store, book, "income_statement", month).await.unwrap();
    assert!(is.checks_hold(), "{:?}", is.checks);
    is
}

/// (本年累计金额, 本月金额) of one line, in fen.
fn year_and_month(s: &Statement, line: u32) -> (i64, i64) {
    (s.value(line, 0).unwrap().0, s.value(line, 1).unwrap().0)
}

async fn interest_income<S: FeesStore>(ledger: Ledger<S>, _url: &str) {
    let book = company_book(&ledger).await;
    post(&ledger, &book, &voucher(date(2025, 1, 10), vec![line("5603", 20_000, 0), line("100201", 0, 20_000)])).await;
    post(&ledger, &book, &voucher(date(2025, 1, 21), vec![line("100201", 5_000, 0), line("5603", 0, 5_000)])).await;
    let jan = income_statement(&ledger, &book, period(2025, 1)).await;
    assert_eq!(year_and_month(&jan, FINANCE), (15_000, 15_000), "bank charge 200.00 less interest income 50.00");
    assert_eq!(year_and_month(&jan, NET_PROFIT), (-15_000, -15_000));

    post(&ledger, &book, &voucher(date(2025, 2, 10), vec![line("5603", 1_000, 0), line("100201", 0, 1_000)])).await;
    let feb = income_statement(&ledger, &book, period(2025, 2)).await;
    assert_eq!(year_and_month(&feb, FINANCE), (16_000, 1_000));
}

#[tokio::test]
async fn interest_income_credited_to_finance_costs_reduces_them() {
    on_fresh_store!(interest_income)
}

async fn sales_return<S: FeesStore>(ledger: Ledger<S>, _url: &str) {
    let book = company_book(&ledger).await;
    post(&ledger, &book, &voucher(date(2025, 1, 5), vec![line("1001", 100_000, 0), line("500101", 0, 100_000)])).await;
    post(&ledger, &book, &voucher(date(2025, 1, 20), vec![line("500101", 10_000, 0), line("1001", 0, 10_000)])).await;
    let jan = income_statement(&ledger, &book, period(2025, 1)).await;
    assert_eq!(year_and_month(&jan, REVENUE), (90_000, 90_000), "revenue 1,000.00 less a return of 100.00");

    // 其他业务收入 is part of the same line.
    post(&ledger, &book, &voucher(date(2025, 2, 3), vec![line("1001", 20_000, 0), line("505101", 0, 20_000)])).await;
    let feb = income_statement(&ledger, &book, period(2025, 2)).await;
    assert_eq!(year_and_month(&feb, REVENUE), (110_000, 20_000));
    assert_eq!(year_and_month(&feb, NET_PROFIT), (110_000, 20_000));
}

#[tokio::test]
async fn a_sales_return_debited_to_revenue_reduces_it() {
    on_fresh_store!(sales_return)
}

async fn investment_loss<S: FeesStore>(ledger: Ledger<S>, _url: &str) {
    let book = company_book(&ledger).await;
    post(&ledger, &book, &voucher(date(2025, 3, 2), vec![line("1101", 500_000, 0), line("100201", 0, 500_000)])).await;
    post(&ledger, &book, &voucher(date(2025, 3, 15), vec![line("100201", 10_000, 0), line("5111", 0, 10_000)])).await;
    post(&ledger, &book, &voucher(date(2025, 3, 28), vec![line("5111", 30_000, 0), line("1101", 0, 30_000)])).await;
    let mar = income_statement(&ledger, &book, period(2025, 3)).await;
    assert_eq!(year_and_month(&mar, INVESTMENT), (-20_000, -20_000), "a gain of 100.00 and a loss of 300.00");
    assert_eq!(year_and_month(&mar, OPERATING_PROFIT), (-20_000, -20_000));
    assert_eq!(year_and_month(&mar, NET_PROFIT), (-20_000, -20_000));
}

#[tokio::test]
async fn an_investment_loss_debited_to_investment_income_shows_negative() {
    on_fresh_store!(investment_loss)
}

/// A year whose 财务费用 ends in credit: 30.00 of bank charges in June, 80.00 of interest in
/// December. Year: 营业收入 4,500.00, 营业成本 2,000.00, 财务费用 −50.00, 管理费用 200.00,
/// 所得税费用 100.00, 净利润 2,250.00. December: 财务费用 −80.00, 净利润 −220.00.
async fn book_the_year<S: FeesStore>(ledger: &Ledger<S>, book: &Book) {
    post(ledger, book, &voucher(date(2025, 1, 8), vec![line("100201", 500_000, 0), line("500101", 0, 500_000)])).await;
    post(ledger, book, &voucher(date(2025, 3, 12), vec![line("500101", 50_000, 0), line("100201", 0, 50_000)])).await;
    post(ledger, book, &voucher(date(2025, 6, 30), vec![line("540101", 200_000, 0), line("100201", 0, 200_000)])).await;
    post(ledger, book, &voucher(date(2025, 6, 30), vec![line("5603", 3_000, 0), line("100201", 0, 3_000)])).await;
    post(ledger, book, &voucher(date(2025, 12, 21), vec![line("100201", 8_000, 0), line("5603", 0, 8_000)])).await;
    post(ledger, book, &voucher(date(2025, 12, 28), vec![line("560201", 20_000, 0), line("1001", 0, 20_000)])).await;
    post(ledger, book, &voucher(date(2025, 12, 31), vec![line("5801", 10_000, 0), line("222104", 0, 10_000)])).await;
}

fn assert_year_figures(dec: &Statement, when: &str) {
    assert_eq!(year_and_month(dec, REVENUE), (450_000, 0), "{when}");
    assert_eq!(year_and_month(dec, COST), (200_000, 0), "{when}");
    assert_eq!(year_and_month(dec, FINANCE), (-5_000, -8_000), "{when}: net interest income shows as a negative 财务费用");
    assert_eq!(year_and_month(dec, ADMIN), (20_000, 20_000), "{when}");
    assert_eq!(year_and_month(dec, INCOME_TAX), (10_000, 10_000), "{when}");
    assert_eq!(year_and_month(dec, NET_PROFIT), (225_000, -22_000), "{when}");
}

async fn carry_forward_left_out<S: FeesStore>(ledger: Ledger<S>, _url: &str) {
    let book = company_book(&ledger).await;
    book_the_year(&ledger, &book).await;
    let december = period(2025, 12);
    let before = income_statement(&ledger, &book, december).await;
    assert_year_figures(&before, "before the carry-forward");

    let id = ledger.draft_year_end(&book, 2025, "会计甲").await.unwrap().expect("the year has profit and loss to carry forward");
    ledger.review(&book, id, "主管乙").await.unwrap();
    ledger.post(&book, id, "主管乙").await.unwrap();
    // The carry-forward did empty the 损益 accounts: 财务费用 closes at zero.
    let tb = mingzhang::report::trial_balance(&ledger.store, &book, december, december, 1).await.unwrap();
    let finance = tb.rows.iter().find(|r| r.code == "5603").unwrap();
    assert_eq!((finance.totals.debit_fen, finance.totals.credit_fen, finance.closing_fen), (5_000, 8_000, 0));

    let after = income_statement(&ledger, &book, december).await;
    assert_year_figures(&after, "after the carry-forward");
    assert_eq!(after.rows.iter().map(|r| &r.values).collect::<Vec<_>>(), before.rows.iter().map(|r| &r.values).collect::<Vec<_>>());

    // The two statements tie: the year's 净利润 is the change in 未分配利润.
    let bs = statement::statement(&ledger.store, &book, "balance_sheet", december).await.unwrap();
    assert!(bs.checks_hold(), "{:?}", bs.checks);
    let (closing, year_start) = (bs.value(RETAINED, 0).unwrap().0, bs.value(RETAINED, 1).unwrap().0);
    assert_eq!((closing, year_start), (225_000, 0));
    assert_eq!(closing - year_start, after.value(NET_PROFIT, 0).unwrap().0);
}

#[tokio::test]
async fn december_and_the_year_leave_out_the_carry_forward_and_tie_to_the_balance_sheet() {
    on_fresh_store!(carry_forward_left_out)
}

/// A carry-forward reversed in red ink and drawn again (e.g. after a late adjustment) is left
/// out too: both it and its reversal are carry-forward movements, not the year's.
async fn carry_forward_reversed<S: FeesStore>(ledger: Ledger<S>, _url: &str) {
    let book = company_book(&ledger).await;
    book_the_year(&ledger, &book).await;
    let december = period(2025, 12);
    let first = ledger.draft_year_end(&book, 2025, "会计甲").await.unwrap().unwrap();
    ledger.review(&book, first, "主管乙").await.unwrap();
    ledger.post(&book, first, "主管乙").await.unwrap();
    let reversal = ledger.reverse(&book, first, "会计甲", date(2025, 12, 31)).await.unwrap();
    ledger.review(&book, reversal, "主管乙").await.unwrap();
    ledger.post(&book, reversal, "主管乙").await.unwrap();
    assert_year_figures(&income_statement(&ledger, &book, december).await, "after the reversal");

    // A late adjustment, then the carry-forward again.
    post(&ledger, &book, &voucher(date(2025, 12, 31), vec![line("5603", 1_000, 0), line("100201", 0, 1_000)])).await;
    let second = ledger.draft_year_end(&book, 2025, "会计甲").await.unwrap().unwrap();
    ledger.review(&book, second, "主管乙").await.unwrap();
    ledger.post(&book, second, "主管乙").await.unwrap();
    let dec = income_statement(&ledger, &book, december).await;
    assert_eq!(year_and_month(&dec, FINANCE), (-4_000, -7_000));
    assert_eq!(year_and_month(&dec, NET_PROFIT), (224_000, -23_000));
    let bs = statement::statement(&ledger.store, &book, "balance_sheet", december).await.unwrap();
    assert_eq!(bs.value(RETAINED, 0).unwrap().0 - bs.value(RETAINED, 1).unwrap().0, 224_000);
}

#[tokio::test]
async fn a_reversed_carry_forward_is_left_out_too() {
    on_fresh_store!(carry_forward_reversed)
}

async fn taxes_by_kind<S: FeesStore>(ledger: Ledger<S>, _url: &str) {
    let book = company_book(&ledger).await;
    let taxes = [("540301", 7_000), ("540302", 3_000), ("540303", 2_000), ("540304", 10_000), ("540307", 500)];
    let mut lines: Vec<_> = taxes.iter().map(|(code, fen)| line(code, *fen, 0)).collect();
    lines.push(line("222102", 0, 22_500));
    post(&ledger, &book, &voucher(date(2025, 3, 31), lines)).await;
    let is = income_statement(&ledger, &book, period(2025, 3)).await;
    // Line 3 is 税金及附加 in all; 6 城建税; 9 城镇土地使用税、房产税、车船税、印花税; 10 教育费附加 (and 地方教育附加).
    assert_eq!(year_and_month(&is, 3), (22_500, 22_500));
    assert_eq!(year_and_month(&is, 6), (7_000, 7_000));
    assert_eq!(year_and_month(&is, 9), (10_500, 10_500));
    assert_eq!(year_and_month(&is, 10), (5_000, 5_000));
    assert_eq!(year_and_month(&is, 4), (0, 0), "消费税");
    assert_eq!(is.value(5, 0), None, "营业税 is no more");
}

#[tokio::test]
async fn taxes_and_surcharges_fill_their_lines_from_the_sub_account_of_each_tax() {
    on_fresh_store!(taxes_by_kind)
}

async fn surtax_accrual<S: FeesStore>(ledger: Ledger<S>, _url: &str) {
    use mingzhang::ledger::surtax::SurtaxRates;
    let book = company_book(&ledger).await;
    // March: 300.00 VAT on 10,000.00 of fees; February's 200.00 paid in March is not a base.
    post(
        &ledger,
        &book,
        &voucher(date(2025, 3, 5), vec![line("1001", 1_030_000, 0), line("500101", 0, 1_000_000), line("222101", 0, 30_000)]),
    )
    .await;
    post(&ledger, &book, &voucher(date(2025, 3, 15), vec![line("222101", 20_000, 0), line("100201", 0, 20_000)])).await;
    let rates = SurtaxRates { city_percent: 7, halved: false };
    let id = ledger.draft_surtax_accrual(&book, period(2025, 3), rates, "会计甲").await.unwrap().expect("a voucher");
    let (v, lines) = ledger.voucher(&book, id).await.unwrap();
    assert_eq!(v.voucher_date, date(2025, 3, 31));
    let by_code: Vec<(String, i64, i64)> =
        lines.iter().map(|l| (book.code_of(l.account_id).unwrap().to_string(), l.debit_fen, l.credit_fen)).collect();
    assert_eq!(
        by_code,
        vec![
            ("540301".into(), 2_100, 0),
            ("540302".into(), 900, 0),
            ("540303".into(), 600, 0),
            ("222102".into(), 0, 2_100),
            ("222103".into(), 0, 900),
            ("222106".into(), 0, 600),
        ]
    );
    assert!(lines[0].summary.contains("城市维护建设税") && lines[0].summary.contains("300.00"), "{}", lines[0].summary);
    ledger.review(&book, id, "主管乙").await.unwrap();
    ledger.post(&book, id, "主管乙").await.unwrap();
    let is = income_statement(&ledger, &book, period(2025, 3)).await;
    assert_eq!((year_and_month(&is, 3), year_and_month(&is, 6), year_and_month(&is, 10)), ((3_600, 3_600), (2_100, 2_100), (1_500, 1_500)));
    // A month without VAT drafts nothing.
    assert_eq!(ledger.draft_surtax_accrual(&book, period(2025, 4), rates, "会计甲").await.unwrap(), None);
}

#[tokio::test]
async fn the_month_end_surtax_voucher_accrues_from_the_months_vat() {
    on_fresh_store!(surtax_accrual)
}
