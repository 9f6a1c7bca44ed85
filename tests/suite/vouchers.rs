//! Vouchers: the draft → review → post life, numbering, red-ink reversal, and every kind of bad
//! voucher refused with nothing written (invariants 1, 2, 3, 8).

use crate::common;

use common::*;
use mingzhang::domain::ids::VoucherId;
use mingzhang::ledger::voucher::VoucherInput;
use mingzhang::ledger::Ledger;
use mingzhang::report;
use mingzhang::verify::verify_all;

async fn lifecycle<S: mingzhang::app::AppStore>(ledger: Ledger<S>, _url: &str) {
    let book = company_book(&ledger).await;
    let sale = voucher(date(2025, 1, 5), vec![line("1001", 12_345, 0), line("500101", 0, 12_345)]);
    let id = ledger.draft(&book, "会计甲", &sale).await.unwrap();
    let err = ledger.post(&book, id, "主管乙").await.unwrap_err();
    assert_eq!(err.code(), "voucher_wrong_status", "a draft cannot be posted before review: {err}");
    let err = ledger.review(&book, id, "会计甲").await.unwrap_err();
    assert_eq!(err.code(), "self_review");
    assert!(err.to_string().contains("会计甲"), "{err}");
    ledger.review(&book, id, "主管乙").await.unwrap();
    assert_eq!(ledger.review(&book, id, "主管乙").await.unwrap_err().code(), "voucher_wrong_status");
    let posted = ledger.post(&book, id, "主管乙").await.unwrap();
    assert_eq!(posted.label, "记-0001");
    assert_eq!(ledger.post(&book, id, "主管乙").await.unwrap_err().code(), "voucher_wrong_status");

    // Numbers are per month and gap-free: a draft that is never posted takes no number.
    let _abandoned = ledger.draft(&book, "会计甲", &sale).await.unwrap();
    let second = post(&ledger, &book, &voucher(date(2025, 1, 20), vec![line("100201", 500, 0), line("1001", 0, 500)])).await;
    let feb = post(&ledger, &book, &voucher(date(2025, 2, 1), vec![line("100201", 700, 0), line("1001", 0, 700)])).await;
    let (v2, _) = ledger.voucher(&book, second).await.unwrap();
    let (v3, _) = ledger.voucher(&book, feb).await.unwrap();
    assert_eq!((v2.number, v3.number), (Some(2), Some(1)));

    let tb = report::trial_balance(&ledger.store, &book, period(2025, 1), period(2025, 2), 9).await.unwrap();
    assert_eq!(tb.total.opening_fen, 0);
    assert_eq!(tb.total.debit_fen, tb.total.credit_fen);
    assert_eq!(tb.total.debit_fen, 12_345 + 500 + 700);
    let cash = tb.rows.iter().find(|r| r.code == "1001").unwrap();
    assert_eq!(cash.closing_fen, 100_000 + 12_345 - 500 - 700);
    let report = verify_all(&ledger.store).await.unwrap();
    assert!(report.is_clean(), "{:?}", report.findings);
    assert_eq!(report.vouchers, 3);
}

#[tokio::test]
async fn vouchers_are_drafted_reviewed_by_another_user_and_posted_with_gap_free_numbers() {
    on_fresh_store!(lifecycle)
}

async fn bad_vouchers<S: mingzhang::app::AppStore>(ledger: Ledger<S>, url: &str) {
    let book = company_book(&ledger).await;
    post(&ledger, &book, &voucher(date(2025, 1, 5), vec![line("1001", 100, 0), line("500101", 0, 100)])).await;
    ledger.close_period(&book, period(2025, 1), "主管乙").await.unwrap();
    let before = snapshot(url).await;
    let ok_lines = || vec![line("1001", 100, 0), line("500101", 0, 100)];
    let cases: Vec<(VoucherInput, &str, &str)> = vec![
        (voucher(date(2025, 2, 1), vec![line("1001", 100, 0), line("500101", 0, 90)]), "voucher_unbalanced", "借贷不平"),
        (voucher(date(2025, 2, 1), vec![line("1001", 100, 0)]), "voucher_too_few_lines", "至少需要两条"),
        (voucher(date(2025, 2, 1), vec![line("9999", 100, 0), line("500101", 0, 100)]), "account_unknown", "9999"),
        (voucher(date(2025, 2, 1), vec![line("1002", 100, 0), line("500101", 0, 100)]), "account_not_leaf", "不是末级科目"),
        (voucher(date(2025, 2, 1), vec![line("1001", 0, 0), line("500101", 0, 0)]), "voucher_line_invalid", "不能都为零"),
        (voucher(date(2025, 2, 1), vec![line("1001", -100, 0), line("500101", 0, -100)]), "voucher_line_invalid", "须为正数"),
        (voucher(date(2025, 1, 31), ok_lines()), "period_closed", "已结账"),
        (voucher(date(2024, 12, 31), ok_lines()), "period_missing", "不在账套的任何会计期间内"),
        (voucher(date(2030, 1, 1), ok_lines()), "period_missing", "2030-01-01"),
    ];
    for (input, code, words) in cases {
        let err = ledger.draft(&book, "会计甲", &input).await.unwrap_err();
        assert_eq!(err.code(), code, "{input:?}: {err}");
        assert!(err.to_string().contains(words), "message «{err}» should say «{words}»");
    }
    let mut summary_missing = voucher(date(2025, 2, 1), ok_lines());
    summary_missing.lines[1].summary = " ".into();
    let err = ledger.draft(&book, "会计甲", &summary_missing).await.unwrap_err();
    assert!(err.to_string().contains("第 2 条分录") && err.to_string().contains("摘要"), "{err}");
    assert_eq!(snapshot(url).await, before, "a refused voucher must leave the database exactly as it was");
}

#[tokio::test]
async fn every_kind_of_bad_voucher_is_refused_with_its_rule_and_nothing_is_written() {
    on_fresh_store!(bad_vouchers)
}

async fn reversals<S: mingzhang::app::AppStore>(ledger: Ledger<S>, url: &str) {
    let book = company_book(&ledger).await;
    let wrong = post(&ledger, &book, &voucher(date(2025, 3, 10), vec![line("540104", 42_000, 0), line("100201", 0, 42_000)])).await;
    let draft = ledger.draft(&book, "会计甲", &voucher(date(2025, 3, 11), vec![line("1001", 1, 0), line("500101", 0, 1)])).await.unwrap();
    assert_eq!(ledger.reverse(&book, draft, "会计甲", date(2025, 3, 12)).await.unwrap_err().code(), "voucher_wrong_status");

    let red = ledger.reverse(&book, wrong, "会计甲", date(2025, 3, 12)).await.unwrap();
    let (red_row, red_lines) = ledger.voucher(&book, red).await.unwrap();
    assert_eq!(red_row.reverses_id, Some(wrong));
    assert_eq!(red_lines.iter().map(|l| l.debit_fen + l.credit_fen).collect::<Vec<_>>(), vec![-42_000, -42_000]);
    assert!(red_lines[0].summary.starts_with("冲销"), "{}", red_lines[0].summary);
    ledger.review(&book, red, "主管乙").await.unwrap();
    ledger.post(&book, red, "主管乙").await.unwrap();

    let err = ledger.reverse(&book, wrong, "会计甲", date(2025, 3, 13)).await.unwrap_err();
    assert_eq!(err.code(), "voucher_already_reversed", "{err}");
    let err = ledger.reverse(&book, red, "会计甲", date(2025, 3, 13)).await.unwrap_err();
    assert_eq!(err.code(), "voucher_reversing_reversal", "{err}");
    // Past the checks (two makers at once), the schema still allows one reversal per voucher:
    // a UNIQUE constraint on SQLite, a partial unique index on PostgreSQL (migration 0008).
    let second = format!(
        "INSERT INTO vouchers (community_id, book_id, period, voucher_date, kind, status, maker, reverses_id, created_at)
         SELECT community_id, book_id, period, voucher_date, kind, 'draft', maker, reverses_id, created_at FROM vouchers WHERE id = {red}"
    );
    let err = raw_sql(url, &second).await.unwrap_err().to_string();
    assert!(err.contains("vouchers_reverses_key") || err.contains("vouchers.reverses_id"), "{err}");

    // The red-ink pair nets to nothing on the same (debit) side, so the account has no figures.
    let tb = report::trial_balance(&ledger.store, &book, period(2025, 3), period(2025, 3), 9).await.unwrap();
    assert!(tb.rows.iter().all(|r| r.code != "540104"), "reversed repairs leave no movement");
    let bank = tb.rows.iter().find(|r| r.code == "100201").unwrap();
    assert_eq!((bank.totals.credit_fen, bank.closing_fen), (0, 900_000));
    assert!(verify_all(&ledger.store).await.unwrap().is_clean());

    // The database itself allows one reversal per voucher, whatever the application does.
    let twin = format!(
        "INSERT INTO vouchers (community_id, book_id, period, voucher_date, kind, status, maker, reverses_id, created_at)
         SELECT community_id, book_id, period, voucher_date, 'reversal', 'draft', '某人', reverses_id, created_at FROM vouchers WHERE id = {red}"
    );
    assert!(raw_sql(url, &twin).await.is_err(), "a second reversal of one voucher must violate the UNIQUE constraint");
}

#[tokio::test]
async fn a_posted_voucher_is_corrected_by_one_red_ink_reversal_only() {
    on_fresh_store!(reversals)
}

async fn database_guards<S: mingzhang::app::AppStore>(ledger: Ledger<S>, url: &str) {
    let book = company_book(&ledger).await;
    let id = post(&ledger, &book, &voucher(date(2025, 1, 5), vec![line("1001", 100, 0), line("500101", 0, 100)])).await;
    let draft =
        ledger.draft(&book, "会计甲", &voucher(date(2025, 2, 5), vec![line("1001", 100, 0), line("500101", 0, 100)])).await.unwrap();
    for sql in [
        format!("UPDATE voucher_lines SET debit_fen = 1 WHERE voucher_id = {id} AND debit_fen > 0"),
        format!("DELETE FROM voucher_lines WHERE voucher_id = {id}"),
        format!("UPDATE vouchers SET summary_guard = 1 WHERE id = {id}").replace("summary_guard = 1", "attachments = 7"),
        format!("DELETE FROM vouchers WHERE id = {id}"),
    ] {
        let err = raw_sql(url, &sql).await.expect_err(&sql).to_string();
        assert!(err.contains("invariant 2"), "{sql}: {err}");
    }
    // Drafts stay editable.
    raw_sql(url, &format!("UPDATE vouchers SET attachments = 3 WHERE id = {draft}")).await.unwrap();
    ledger.close_period(&book, period(2025, 1), "主管乙").await.unwrap();
    let sneak = format!(
        "INSERT INTO vouchers (community_id, book_id, period, voucher_date, kind, status, number, maker, reviewer, poster, created_at, chain_seq, prev_hash, hash)
         SELECT community_id, book_id, period, voucher_date, kind, status, 99, maker, reviewer, poster, created_at, 99, prev_hash, hash FROM vouchers WHERE id = {id}"
    );
    let err = raw_sql(url, &sneak).await.expect_err("posting into a closed period").to_string();
    assert!(err.contains("invariant 3"), "{err}");
    let reopen = "UPDATE periods SET status = 'open' WHERE period = 202501";
    assert!(raw_sql(url, reopen).await.expect_err("reopen").to_string().contains("invariant 3"));
    let opening = "UPDATE opening_balances SET balance_fen = balance_fen + 1";
    assert!(raw_sql(url, opening).await.expect_err("opening").to_string().contains("opening balances are fixed"));
}

#[tokio::test]
async fn the_database_refuses_to_change_posted_vouchers_closed_periods_or_used_opening_balances() {
    on_fresh_store!(database_guards)
}

async fn batch<S: mingzhang::app::AppStore>(ledger: Ledger<S>, _url: &str) {
    use mingzhang::ledger::voucher::VoucherKind;
    use mingzhang::ledger::ApprovedVoucher;
    let book = company_book(&ledger).await;
    post(&ledger, &book, &voucher(date(2025, 1, 2), vec![line("1001", 100, 0), line("500101", 0, 100)])).await;
    let approved = |d, fen| ApprovedVoucher {
        input: voucher(d, vec![line("100201", fen, 0), line("500101", 0, fen)]),
        kind: VoucherKind::Normal,
        maker: "系统".into(),
        reviewer: "主管乙".into(),
        reverses_id: None,
        subledger: String::new(),
    };
    let batch: Vec<ApprovedVoucher> = (1..=30).map(|i| approved(date(2025, 1 + (i % 3) as u32, 10), i * 100)).collect();
    let posted = ledger.post_batch(&book, "主管乙", &batch).await.unwrap();
    let january: Vec<i64> = posted.iter().filter(|p| p.period == "2025-01").map(|p| p.number).collect();
    assert_eq!(january, (2..=11).collect::<Vec<_>>(), "batch numbers continue the month's sequence");
    let mut bad = batch.clone();
    bad[29].input.lines[1].credit.0 += 1;
    let err = ledger.post_batch(&book, "主管乙", &bad).await.unwrap_err();
    assert!(err.to_string().contains("第 30 张凭证") && err.to_string().contains("借贷不平"), "{err}");
    let mut selfish = batch[..1].to_vec();
    selfish[0].reviewer = "系统".into();
    assert_eq!(ledger.post_batch(&book, "主管乙", &selfish).await.unwrap_err().code(), "self_review");
    // Single posts after a batch continue the chain and the numbers.
    let last = post(&ledger, &book, &voucher(date(2025, 1, 30), vec![line("1001", 1, 0), line("500101", 0, 1)])).await;
    assert_eq!(ledger.voucher(&book, last).await.unwrap().0.number, Some(12));
    let report = verify_all(&ledger.store).await.unwrap();
    assert!(report.is_clean(), "{:?}", report.findings);
    assert_eq!(report.vouchers, 32);
}

#[tokio::test]
async fn batch_posting_numbers_chains_and_balances_like_single_posting() {
    on_fresh_store!(batch)
}

async fn voucher_on_paper<S: mingzhang::app::AppStore>(ledger: Ledger<S>, _url: &str) {
    let book = company_book(&ledger).await;
    let id = post(&ledger, &book, &voucher(date(2025, 3, 10), vec![line("540104", 42_000, 0), line("100201", 0, 42_000)])).await;
    let red = ledger.reverse(&book, id, "会计甲", date(2025, 3, 12)).await.unwrap();
    let text = |voucher_id: VoucherId| {
        let ledger = &ledger;
        let book = &book;
        async move {
            let (v, lines) = ledger.voucher(book, voucher_id).await.unwrap();
            let pdf = mingzhang::ledger::paper::voucher_pdf(book, &v, &lines).unwrap();
            assert!(pdf.starts_with(b"%PDF"));
            if !oracle_available("pdftotext") {
                return None;
            }
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("v.pdf");
            std::fs::write(&path, &pdf).unwrap();
            let out = std::process::Command::new("pdftotext").args(["-layout", "-enc", "UTF-8"]).arg(&path).arg("-").output().unwrap();
            Some(String::from_utf8(out.stdout).unwrap())
        }
    };
    if let Some(posted) = text(id).await {
        for expected in [
            "记",
            "凭证号：记-0001",
            "2025年3月10日",
            "540104 主营业务成本—维修养护",
            "100201 银行存款—基本存款户",
            "420.00",
            "肆佰贰拾元整",
            "制单：会计甲",
            "审核：主管乙",
            "记账：主管乙",
            "附单据",
        ] {
            assert!(posted.contains(expected), "{expected} is not on the voucher:\n{posted}");
        }
        assert!(!posted.contains("未记账"), "{posted}");
    }
    if let Some(draft) = text(red).await {
        assert!(draft.contains("未记账") && draft.contains("红字") && draft.contains("-420.00") && draft.contains("草稿 #"), "{draft}");
    }
}

#[tokio::test]
async fn a_voucher_prints_as_the_form_with_its_accounts_amounts_and_signatures() {
    on_fresh_store!(voucher_on_paper)
}
