//! Reports read the maintained balances: 科目余额表 by level, 明细账 with running balances, and
//! the 小企业会计准则 statements; opening balances come in from CSV, refused unless they balance.

use crate::common;

use common::*;
use mingzhang::ledger::Ledger;
use mingzhang::report::{self, statement};

async fn figures<S: mingzhang::app::AppStore>(ledger: Ledger<S>, _url: &str) {
    let book = company_book(&ledger).await;
    post(&ledger, &book, &voucher(date(2025, 1, 5), vec![line("1001", 30_000, 0), line("500101", 0, 30_000)])).await;
    post(&ledger, &book, &voucher(date(2025, 1, 9), vec![line("540101", 12_000, 0), line("1001", 0, 12_000)])).await;
    post(&ledger, &book, &voucher(date(2025, 2, 3), vec![line("100201", 50_000, 0), line("1001", 0, 50_000)])).await;
    post(&ledger, &book, &voucher(date(2025, 2, 4), vec![line("1601", 60_000, 0), line("100201", 0, 60_000)])).await;

    // February alone: cash opens at 1,000.00 + 300.00 − 120.00 = 1,180.00.
    let tb = report::trial_balance(&ledger.store, &book, period(2025, 2), period(2025, 2), 1).await.unwrap();
    let row = |code: &str| tb.rows.iter().find(|r| r.code == code).cloned().unwrap();
    assert_eq!((row("1001").totals.opening_fen, row("1001").totals.credit_fen, row("1001").closing_fen), (118_000, 50_000, 68_000));
    let bank = row("1002");
    assert_eq!(
        (bank.totals.opening_fen, bank.totals.debit_fen, bank.totals.credit_fen, bank.closing_fen),
        (900_000, 50_000, 60_000, 890_000)
    );
    // 本年累计 covers January and February; the book opened with balances, not movements.
    let cash = row("1001");
    assert_eq!((cash.totals.year_debit_fen, cash.totals.year_credit_fen), (30_000, 62_000));
    let text = tb.to_table().to_text();
    assert!(text.contains("本年累计借方") && text.contains("方向"), "{text}");
    let sheet = tb.to_sheet();
    let cash_row = sheet.rows.iter().find(|r| r[0] == "1001").unwrap();
    assert_eq!(cash_row[7..].to_vec(), vec!["300.00", "620.00", "680.00", "0.00", "借"]);
    assert!(tb.rows.iter().all(|r| r.level == 1), "level 1 shows first-level accounts only");
    assert_eq!(tb.total.opening_fen, 0);
    assert_eq!((tb.total.debit_fen, tb.total.credit_fen), (110_000, 110_000));
    let deep = report::trial_balance(&ledger.store, &book, period(2025, 1), period(2025, 2), 2).await.unwrap();
    assert!(deep.rows.iter().any(|r| r.code == "100201" && r.level == 2 && r.closing_fen == 890_000));
    assert!(report::trial_balance(&ledger.store, &book, period(2025, 3), period(2025, 2), 1).await.is_err());

    // 明细账 of cash: opening, each line with its running balance, month totals.
    let l = report::account_ledger(&ledger.store, &book, "1001", period(2025, 1), period(2025, 2)).await.unwrap();
    let balances: Vec<(&str, i64)> = l.entries.iter().map(|e| (e.kind, e.balance_fen)).collect();
    assert_eq!(
        balances,
        vec![
            ("opening", 100_000),
            ("line", 130_000),
            ("line", 118_000),
            ("month_total", 118_000),
            ("year_total", 118_000),
            ("line", 68_000),
            ("month_total", 68_000),
            ("year_total", 68_000)
        ]
    );
    let year_total_feb = l.entries.last().unwrap();
    assert_eq!((year_total_feb.debit_fen, year_total_feb.credit_fen), (30_000, 62_000));
    let parent = report::account_ledger(&ledger.store, &book, "1002", period(2025, 2), period(2025, 2)).await.unwrap();
    assert!(parent.entries.iter().any(|e| e.summary.contains("（100201）")), "a parent's ledger names the sub-account of each line");
    assert!(report::account_ledger(&ledger.store, &book, "8888", period(2025, 1), period(2025, 1)).await.is_err());

    // The balance sheet balances and carries the (not yet carried-forward) profit.
    let bs = statement::statement(&ledger.store, &book, "balance_sheet", period(2025, 2)).await.unwrap();
    assert!(bs.checks_hold(), "{:?}", bs.checks);
    assert_eq!(bs.value(1, 0).map(|f| f.0), Some(68_000 + 890_000), "货币资金 = 库存现金 + 银行存款");
    assert_eq!(bs.value(1, 1).map(|f| f.0), Some(1_000_000), "年初余额 are the opening balances");
    assert_eq!(bs.value(18, 0).map(|f| f.0), Some(60_000));
    assert_eq!(bs.value(51, 0).map(|f| f.0), Some(18_000), "未分配利润 includes this year's unclosed profit");
    assert_eq!(bs.value(30, 0), bs.value(53, 0));
    let is = statement::statement(&ledger.store, &book, "income_statement", period(2025, 2)).await.unwrap();
    assert_eq!((is.value(1, 0).map(|f| f.0), is.value(1, 1).map(|f| f.0)), (Some(30_000), Some(0)), "year to date, then February");
    assert_eq!(is.value(2, 0).map(|f| f.0), Some(12_000));
    assert!(is.checks_hold());
    let text = bs.to_table().to_text();
    assert!(text.contains("资产负债表") && text.contains("会小企01表") && text.contains("2025年2月28日"), "{text}");

    let c = ledger.community(None).await.unwrap();
    let collective = ledger.create_book(c.id, "collective", "合作社", "rural_collective", period(2025, 1)).await.unwrap();
    let err = statement::statement(&ledger.store, &collective, "balance_sheet", period(2025, 1)).await.unwrap_err();
    assert!(err.to_string().contains("small_enterprise"), "{err}");

    // 现金日记账: the same lines with 本日合计 after each day; two postings on 9 January.
    post(&ledger, &book, &voucher(date(2025, 1, 9), vec![line("1001", 2_000, 0), line("500101", 0, 2_000)])).await;
    let j = report::journal(&ledger.store, &book, "1001", period(2025, 1), period(2025, 1)).await.unwrap();
    let rows: Vec<(&str, &str, i64, i64, i64)> =
        j.entries.iter().map(|e| (e.kind, e.date.as_str(), e.debit_fen, e.credit_fen, e.balance_fen)).collect();
    assert_eq!(
        rows,
        vec![
            ("opening", "2025-01-01", 0, 0, 100_000),
            ("line", "2025-01-05", 30_000, 0, 130_000),
            ("day_total", "2025-01-05", 30_000, 0, 130_000),
            ("line", "2025-01-09", 0, 12_000, 118_000),
            ("line", "2025-01-09", 2_000, 0, 120_000),
            ("day_total", "2025-01-09", 2_000, 12_000, 120_000),
            ("month_total", "2025-01-31", 32_000, 12_000, 120_000),
            ("year_total", "2025-01-31", 32_000, 12_000, 120_000),
        ]
    );
    assert_eq!(j.title, "现金日记账");
    assert!(j.to_table().to_text().contains("本日合计"));
    let bank = report::journal(&ledger.store, &book, "100201", period(2025, 2), period(2025, 2)).await.unwrap();
    assert_eq!(bank.title, "银行存款日记账");
}

#[tokio::test]
async fn reports_show_the_figures_an_accountant_computes_by_hand() {
    on_fresh_store!(figures)
}

async fn opening<S: mingzhang::app::AppStore>(ledger: Ledger<S>, url: &str) {
    let c = ledger.create_community("期初测试").await.unwrap();
    let book = ledger.create_book(c.id, "company", "公司", "small_enterprise", period(2025, 1)).await.unwrap();
    let before = snapshot(url).await;
    let cases = [
        ("科目编码,借方余额,贷方余额\n1001,100.00,\n3001,,90.00\n", "期初余额不平：借方合计 100.00，贷方合计 90.00"),
        ("科目编码,借方余额,贷方余额\n1001,100.00,\n1002,,100.00\n", "第 3 行“科目编码”列：科目 1002（银行存款）不是末级科目"),
        ("科目编码,借方余额,贷方余额\n1001,100.00,\n7777,,100.00\n", "第 3 行“科目编码”列：科目“7777”不存在"),
        ("科目编码,借方余额,贷方余额\n1001,100.001,\n3001,,100.00\n", "第 2 行“借方余额”列：“100.001”金额最多两位小数"),
        ("科目编码,借方余额,贷方余额\n1001,一百,\n3001,,100.00\n", "第 2 行“借方余额”列：“一百”不是有效的金额"),
        // A short row's missing cells are empty; a cell beyond the header is refused.
        ("科目编码,借方余额,贷方余额\n1001,100.00\n", "期初余额不平：借方合计 100.00，贷方合计 0.00"),
        ("科目编码,借方余额,贷方余额\n1001,100.00,\n3001,,100.00,100.00\n", "第 3 行：第 4 列（D 列）有内容“100.00”"),
        ("科目编码,借方余额,贷方余额\n1001,100.00,100.00\n", "第 2 行“贷方余额”列：科目 1001 同时填了借方余额 100.00 和贷方余额 100.00"),
        ("科目,借方余额,贷方余额\n1001,100.00,\n", "第 1 行“科目编码”列：缺少此列"),
        ("科目编码,借方余额,贷方余额\n1001,-5.00,\n3001,,-5.00\n", "余额不能为负数"),
    ];
    for (csv, message) in cases {
        let err = ledger.import_opening(&book, csv).await.unwrap_err();
        assert!(err.to_string().contains(message), "«{err}» should contain «{message}»");
    }
    assert_eq!(snapshot(url).await, before, "a refused import writes nothing");
    let err =
        ledger.import_opening(&book, "code,name,debit,credit\n1001,库存现金,\"1,200.50\",\n3001,实收资本,,1200.50\n").await.unwrap_err();
    assert!(err.to_string().contains("第 2 行“借方余额”列：“1,200.50”不能含千位分隔符，请写作 1200.50"), "{err}");
    let n = ledger.import_opening(&book, "code,name,debit,credit\n1001,库存现金,1200.50,\n3001,实收资本,,1200.50\n").await.unwrap();
    assert_eq!(n, 2);
    post(&ledger, &book, &voucher(date(2025, 1, 2), vec![line("1001", 1, 0), line("500101", 0, 1)])).await;
    let err = ledger.import_opening(&book, "科目编码,借方余额,贷方余额\n1001,1.00,\n3001,,1.00\n").await.unwrap_err();
    assert!(err.to_string().contains("已有记账凭证"), "{err}");
}

#[tokio::test]
async fn opening_balances_are_imported_only_when_they_balance_and_bad_rows_are_named() {
    on_fresh_store!(opening)
}

async fn mid_year_start<S: mingzhang::app::AppStore>(ledger: Ledger<S>, _url: &str) {
    let c = ledger.create_community("年中建账社区").await.unwrap();
    let book = ledger.create_book(c.id, "company", "年中物业公司", "small_enterprise", period(2025, 7)).await.unwrap();
    // At 1 January: cash 1,000.00 and capital. January to June: 6,000.00 of fees received, 2,000.00
    // of cleaning paid, the 损益 accounts kept open until December (表结法).
    let opening = "科目编码,借方余额,贷方余额,本年累计借方,本年累计贷方\n\
                   1001,5000.00,,6000.00,2000.00\n500101,,6000.00,,6000.00\n540101,2000.00,,2000.00,\n3001,,1000.00,,\n";
    let unbalanced = opening.replace("540101,2000.00,,2000.00,", "540101,2000.00,,2100.00,");
    assert!(ledger.import_opening(&book, &unbalanced).await.unwrap_err().to_string().contains("本年累计"));
    ledger.import_opening(&book, opening).await.unwrap();
    post(&ledger, &book, &voucher(date(2025, 7, 8), vec![line("1001", 50_000, 0), line("500101", 0, 50_000)])).await;

    let tb = report::trial_balance(&ledger.store, &book, period(2025, 7), period(2025, 7), 1).await.unwrap();
    let cash = tb.rows.iter().find(|r| r.code == "1001").unwrap();
    assert_eq!(
        (cash.totals.opening_fen, cash.totals.debit_fen, cash.totals.year_debit_fen, cash.totals.year_credit_fen, cash.closing_fen),
        (500_000, 50_000, 650_000, 200_000, 550_000),
        "本年累计 covers January to July"
    );
    let is = statement::statement(&ledger.store, &book, "income_statement", period(2025, 7)).await.unwrap();
    assert_eq!((is.value(1, 0).map(|f| f.0), is.value(1, 1).map(|f| f.0)), (Some(650_000), Some(50_000)), "营业收入: the year, then July");
    assert_eq!(is.value(2, 0).map(|f| f.0), Some(200_000));
    let bs = statement::statement(&ledger.store, &book, "balance_sheet", period(2025, 7)).await.unwrap();
    assert!(bs.checks_hold(), "{:?}", bs.checks);
    assert_eq!((bs.value(1, 0).map(|f| f.0), bs.value(1, 1).map(|f| f.0)), (Some(550_000), Some(100_000)), "年初余额 is 1 January's");
    // The ledger opens at the start with 期初余额, never a 上年结转 at a 1 January the book never saw.
    let l = report::account_ledger(&ledger.store, &book, "1001", period(2025, 1), period(2025, 7)).await.unwrap();
    assert_eq!((l.entries[0].summary.as_str(), l.entries[0].date.as_str(), l.entries[0].balance_fen), ("期初余额", "2025-07-01", 500_000));
    let year = l.entries.last().unwrap();
    assert_eq!((year.summary.as_str(), year.debit_fen, year.credit_fen), ("本年累计", 650_000, 200_000));

    // The year-end carries the opening 损益 balances too: the year's profit is 4,500.00.
    let id = ledger.draft_year_end(&book, 2025, "会计甲").await.unwrap().expect("a carry-forward");
    let (_, lines) = ledger.voucher(&book, id).await.unwrap();
    let retained: i64 = lines.iter().filter(|l| book.code_of(l.account_id).unwrap() == "310404").map(|l| l.credit_fen - l.debit_fen).sum();
    assert_eq!(retained, 450_000);
    assert!(mingzhang::verify::verify_all(&ledger.store).await.unwrap().is_clean(), "the 本年累计 is sealed in the genesis");

    // A January start has no 本年累计 to bring.
    let january = ledger.create_book(c.id, "january", "一月建账", "small_enterprise", period(2025, 1)).await.unwrap();
    let err = ledger
        .import_opening(&january, "科目编码,借方余额,贷方余额,本年累计借方,本年累计贷方\n1001,1.00,,1.00,\n3001,,1.00,,1.00\n")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("本年累计"), "{err}");
}

#[tokio::test]
async fn a_book_started_mid_year_brings_the_years_movements_into_every_report() {
    on_fresh_store!(mid_year_start)
}
