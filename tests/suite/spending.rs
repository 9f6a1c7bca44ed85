//! Spending on both engines: expenses by category with their vouchers, an owed one paid once,
//! and the budget execution report worked out by hand (an expense booked by voucher counts too).

use crate::common;

use common::*;
use mingzhang::access::store::AccessStore;
use mingzhang::domain::category::Category;
use mingzhang::domain::money::Fen;
use mingzhang::fees::store::FeesStore;
use mingzhang::ledger::Ledger;
use mingzhang::spending::{ExpenseInput, Spending};
use mingzhang::subsidies::store::SubsidiesStore;

fn expense(d: chrono::NaiveDate, category: Category, fen: i64, payable: bool) -> ExpenseInput<'static> {
    ExpenseInput { date: d, category, supplier: "供应商甲", summary: "服务费", amount: Fen(fen), payable, program: None }
}

async fn budget_by_hand<S: FeesStore + AccessStore + SubsidiesStore>(ledger: Ledger<S>, url: &str) {
    let book = company_book(&ledger).await;
    let spending = Spending::new(&ledger);
    spending.set_budget(&book, 2025, Category::Cleaning, Fen(12_000_000), "王会计").await.unwrap();
    spending.set_budget(&book, 2025, Category::Greening, Fen(1_000_000), "王会计").await.unwrap();
    // A revised budget replaces the figure.
    spending.set_budget(&book, 2025, Category::Greening, Fen(3_000_000), "王会计").await.unwrap();
    let owed = spending.record(&book, &expense(date(2025, 1, 28), Category::Cleaning, 980_000, true), "王会计").await.unwrap();
    spending.record(&book, &expense(date(2025, 2, 27), Category::Cleaning, 1_030_000, false), "王会计").await.unwrap();
    spending.record(&book, &expense(date(2025, 3, 3), Category::Greening, 250_050, false), "王会计").await.unwrap();
    // Cleaning booked by hand on its cost account counts as well.
    post(&ledger, &book, &voucher(date(2025, 3, 28), vec![line("540101", 1_015_050, 0), line("100201", 0, 1_015_050)])).await;

    let paid = spending.pay(&book, owed.expense.id, date(2025, 2, 10), "王会计").await.unwrap();
    assert!(paid.starts_with("2025-02"), "{paid}");
    let before = snapshot(url).await;
    let twice = spending.pay(&book, owed.expense.id, date(2025, 2, 11), "王会计").await.unwrap_err();
    assert!(twice.to_string().contains("已于 2025-02-10 付款"), "{twice}");
    assert_eq!(snapshot(url).await, before, "a second payment writes nothing");
    let balances = our_balances(&ledger, &book, (2025, 1), (2025, 3), false).await;
    assert_eq!(balances.get("2202"), None, "the owed cleaning fee is paid: 应付账款 back to nothing");

    let e = spending.budget_execution(&book, period(2025, 3)).await.unwrap();
    let cleaning = &e.lines[0];
    assert_eq!(cleaning.label, "保洁");
    // 9,800.00 + 10,300.00 + 10,150.50 = 30,250.50 of 120,000.00: 25.2 %.
    assert_eq!((cleaning.month, cleaning.year_to_date, cleaning.difference), (Fen(1_015_050), Fen(3_025_050), Fen(8_974_950)));
    assert_eq!(cleaning.percent.as_deref(), Some("25.2%"));
    let greening = &e.lines[1];
    assert_eq!((greening.budget, greening.year_to_date, greening.percent.as_deref()), (Fen(3_000_000), Fen(250_050), Some("8.3%")));
    assert_eq!((e.total.budget, e.total.year_to_date), (Fen(15_000_000), Fen(3_275_100)));
    assert_eq!(cleaning.by_month, vec![Fen(980_000), Fen(1_030_000), Fen(1_015_050)]);
    let table = e.to_table().to_text();
    assert!(table.contains("预算执行情况表") && table.contains("25.2%"), "{table}");
}

#[tokio::test]
async fn budget_execution_agrees_with_figures_worked_out_by_hand() {
    on_fresh_store!(budget_by_hand)
}
