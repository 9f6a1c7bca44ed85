//! The books' work that the accountant's pages and the API share: the book a request names, a
//! voucher line as typed, the acts on a voucher, a billing run, 日结, the month's close and the
//! reports as tables. Each acts as the caller and is audited; the pages (`pages::accountant`)
//! and the API (`api::books`) only read their input and render what these return.

use std::sync::Arc;

use crate::access::Act;
use crate::app::AppStore;
use crate::domain::ids::VoucherId;
use crate::domain::money::Fen;
use crate::domain::period::Period;
use crate::error::Error;
use crate::fees::daily::DayVoucher;
use crate::fees::reports::{aging, collection};
use crate::fees::BillingRun;
use crate::http::error::HttpResult;
use crate::http::extract::Caller;
use crate::http::input::today;
use crate::http::{metrics, App, Scope};
use crate::ledger::lookup::find_account;
use crate::ledger::voucher::{Dimensions, LineInput};
use crate::ledger::Book;
use crate::render::table::Table;
use crate::report::{self, statement};

/// The book a page works on: `?book=` or the community's fee book.
pub async fn book_of<S: AppStore>(app: &App<S>, scope: &Scope, code: Option<&str>) -> crate::Result<Arc<Book>> {
    match code.filter(|c| !c.is_empty()) {
        Some(code) => app.ledger.book(scope.community.id, code).await.map(Arc::new),
        // The scope's own book, shared: a book carries its whole chart.
        None => Ok(scope.book.clone()),
    }
}

/// Line `row` of a voucher as typed (summary, account, debit, credit, household), for the page
/// and the API: the account by code, name or pinyin initials; amounts in yuan; a household by
/// its house number.
pub async fn line_input<S: AppStore>(app: &App<S>, scope: &Scope, book: &Book, row: usize, typed: [&str; 5]) -> crate::Result<LineInput> {
    let [summary, account, debit, credit, household] = typed.map(str::trim);
    // The lookup list fills "code 名称"; the code alone, a name or pinyin initials work too.
    let account = account.split_whitespace().next().unwrap_or_default();
    let code = find_account(&book.chart, &format!("第 {row} 行科目"), account)?.code.to_string();
    let amount = |field: &str, text: &str| -> crate::Result<Fen> {
        if text.is_empty() {
            return Ok(Fen(0));
        }
        Fen::parse(text).map_err(|e| Error::invalid(format!("第 {row} 行{field}"), format!("“{text}”{e}")))
    };
    let mut dims = Dimensions::default();
    if !household.is_empty() {
        dims.household_id = Some(app.fees.household_by_label(scope.community.id, household).await?.id);
    }
    Ok(LineInput::new(summary, &code, amount("借方", debit)?, amount("贷方", credit)?, dims))
}

/// The Act a voucher action needs (review, unreview, post, reverse), or None for no action.
pub fn act_needed(action: &str) -> Option<Act> {
    match action {
        "review" | "unreview" | "post" => Some(Act::Review),
        "reverse" | "delete" => Some(Act::Keep),
        _ => None,
    }
}

/// Does `action` to a voucher as the caller, audited; returns the voucher to show (the red-ink
/// reversal's draft for `reverse`).
pub async fn voucher_act<S: AppStore>(
    app: &App<S>,
    caller: &Caller,
    scope: &Scope,
    book: &Book,
    voucher: VoucherId,
    action: &str,
    date: chrono::NaiveDate,
) -> crate::Result<VoucherId> {
    let user = caller.username();
    let shown = match action {
        "review" => app.ledger.review(book, voucher, user).await.map(|()| voucher),
        "unreview" => app.ledger.unreview(book, voucher, user).await.map(|()| voucher),
        "post" => app.ledger.post(book, voucher, user).await.map(|_| voucher),
        "reverse" => app.ledger.reverse(book, voucher, user, date).await,
        "delete" => app.ledger.delete_draft(book, voucher, user).await.map(|()| VoucherId(0)),
        _ => Err(Error::not_found(format!("操作 {action}"))),
    }?;
    app.audit(caller, Some(scope.community.id), &format!("voucher.{action}"), &format!("{} #{voucher}", book.row.code)).await;
    Ok(shown)
}

/// The largest household file taken (a community of 10,000 households is about 600 KB as CSV).
pub const IMPORT_LIMIT_BYTES: usize = 8 << 20;

/// Imports a household file for the page and the API: the counts, or what was wrong (a heading
/// and one line per bad row). Audited when it imports.
pub async fn household_import<S: AppStore>(
    app: &App<S>,
    caller: &Caller,
    scope: &Scope,
    file: &[u8],
) -> HttpResult<std::result::Result<crate::fees::HouseholdImport, (String, Vec<String>)>> {
    if file.is_empty() {
        return Ok(Err(("未选择文件".into(), vec!["请选择住户清单（CSV 或 XLSX）后再导入".into()])));
    }
    match app.fees.import_households(scope.community.id, file).await {
        Ok(result) => {
            let target = format!("新增 {} 户，变更 {} 户，未变 {} 户", result.added, result.changed, result.unchanged);
            app.audit(caller, Some(scope.community.id), "households.import", &target).await;
            Ok(Ok(result))
        }
        Err(Error::Invalid { field, reason }) => {
            let problems: Vec<String> = reason.lines().map(str::trim).filter(|l| !l.is_empty()).map(String::from).collect();
            Ok(Err(if problems.is_empty() { (field, vec![reason]) } else { (field, problems) }))
        }
        Err(e) => Err(e.into()),
    }
}

/// A billing run of the community's fee book, or its preview (made and rolled back), for the
/// page and the API; a run is counted and audited.
pub async fn bill<S: AppStore>(app: &App<S>, caller: &Caller, scope: &Scope, period: Period, run: bool) -> crate::Result<BillingRun> {
    if !run {
        return app.fees.preview_billing(&scope.book, period, &[], caller.username()).await;
    }
    let result = app.fees.run_billing(&scope.book, period, &[], caller.username()).await?;
    if result.run.is_some() {
        metrics::count("billing_runs");
        app.audit(caller, Some(scope.community.id), "billing.run", &format!("{period} {} 张 {}", result.bills, result.total)).await;
    }
    Ok(result)
}

/// 日结 through `through` by the caller, for the page and the API; audited.
pub async fn day_close<S: AppStore>(
    app: &App<S>,
    caller: &Caller,
    scope: &Scope,
    book: &Book,
    through: chrono::NaiveDate,
) -> crate::Result<Vec<DayVoucher>> {
    let done = app.fees.close_days(book, through, caller.username()).await?;
    app.audit(caller, Some(scope.community.id), "day.close", &format!("{} {through} {} 张", book.row.code, done.len())).await;
    Ok(done)
}

/// Closes `period`, or drafts the year-end voucher of its year (its id, or None when there is
/// nothing to carry forward), for the page and the API; audited.
pub async fn close_or_year_end<S: AppStore>(
    app: &App<S>,
    caller: &Caller,
    scope: &Scope,
    book: &Book,
    period: Period,
    year_end: bool,
) -> crate::Result<Option<VoucherId>> {
    if year_end {
        let drafted = app.ledger.draft_year_end(book, period.year(), caller.username()).await?;
        app.audit(caller, Some(scope.community.id), "year_end.draft", &format!("{} {}", book.row.code, period.year())).await;
        return Ok(drafted);
    }
    app.ledger.close_period(book, period, caller.username()).await?;
    app.audit(caller, Some(scope.community.id), "period.close", &format!("{} {period}", book.row.code)).await;
    Ok(None)
}

#[derive(serde::Deserialize, Default)]
pub struct ReportQuery {
    pub book: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub account: Option<String>,
    pub household: Option<String>,
    pub level: Option<u32>,
    pub format: Option<String>,
}

/// The reports by name, as the CLI's `report` names them.
pub const REPORTS: [(&str, &str); 11] = [
    ("trial-balance", "科目余额表"),
    ("ledger", "明细账"),
    ("balance-sheet", "资产负债表"),
    ("income-statement", "利润表"),
    ("cash-flow", "现金流量表"),
    ("statement", "住户对账单"),
    ("aging", "欠费账龄"),
    ("collection", "收缴率"),
    ("budget", "预算执行"),
    ("budget-by-month", "预算执行（分月）"),
    ("public-revenue", "公共收益"),
];

/// What reading report `kind` needs: a household's own statement (住户对账单) is household
/// data; every other report is the community's figures.
pub fn report_act(kind: &str) -> Act {
    if kind == "statement" {
        Act::ReadHouseholds
    } else {
        Act::Read
    }
}

pub async fn report_table<S: AppStore>(app: &App<S>, scope: &Scope, book: &Book, kind: &str, q: &ReportQuery) -> crate::Result<Table> {
    let store = &app.ledger.store;
    let to = match q.to.as_deref().filter(|t| !t.is_empty()) {
        Some(t) => Period::parse(t).ok_or_else(|| Error::invalid("to", format!("“{t}”不是月份，应写作 2025-01")))?,
        None => app.ledger.working_period(book, today()).await?,
    };
    let from = q.from.as_deref().filter(|t| !t.is_empty()).map_or(Ok(to.first_of_year()), |t| {
        Period::parse(t).ok_or_else(|| Error::invalid("from", format!("“{t}”不是月份，应写作 2025-01")))
    })?;
    // On paper (PDF, XLSX) a statement takes its printed form's layout.
    let paper = matches!(q.format.as_deref(), Some("pdf" | "xlsx"));
    let form = |s: statement::Statement| if paper { s.to_paper_table() } else { s.to_table() };
    Ok(match kind {
        "trial-balance" => report::trial_balance(store, book, from, to, q.level.unwrap_or(1)).await?.to_table(),
        "ledger" => {
            let typed = q.account.as_deref().unwrap_or_default();
            let code = find_account(&book.chart, "科目", typed)?.code.to_string();
            report::account_ledger(store, book, &code, from, to).await?.to_table()
        }
        "balance-sheet" => form(statement::statement(store, book, statement::for_book(book, true), to).await?),
        "income-statement" => form(statement::statement(store, book, statement::for_book(book, false), to).await?),
        "cash-flow" => form(statement::statement(store, book, "cash_flow", to).await?),
        "statement" => {
            let h = app.fees.household_by_label(scope.community.id, q.household.as_deref().unwrap_or_default()).await?;
            // As at the end of the month asked for (today, when that month is not over).
            crate::fees::reports::household_statement(store, book, &h, to.last_day().min(today())).await?.to_table()
        }
        "aging" => aging(store, book, to, false).await?.to_table(),
        "collection" => collection(store, book, from, to).await?.to_table(),
        "budget" => crate::spending::Spending::new(&app.ledger).budget_execution(book, to).await?.to_table(),
        "public-revenue" => crate::public_revenue::PublicRevenue::new(&app.ledger).report(book, to).await?.to_table(),
        "budget-by-month" => crate::spending::Spending::new(&app.ledger).budget_execution(book, to).await?.by_month_table(),
        _ => return Err(Error::not_found(format!("报表 {kind}"))),
    })
}

#[derive(serde::Deserialize, Default)]
pub struct BookQuery {
    pub book: Option<String>,
    pub period: Option<String>,
    /// The vouchers list: only those of this state ("draft": 待审核).
    pub status: Option<String>,
    /// The new-voucher form: a copy of this voucher's lines.
    pub copy: Option<VoucherId>,
    /// After a batch: how many vouchers it did, and how many it left.
    pub done: Option<usize>,
    pub skipped: Option<usize>,
}
