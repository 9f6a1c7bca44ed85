//! 增值税 (issue 9): a book set to a VAT scheme splits each tax-inclusive bill into 不含税收入 and
//! 销项税额, half up per bill; waivers and reversals take back exactly their share; payments
//! carry none. Figures hand-computed; hledger reads the export to the same balances.

use crate::common;

use common::*;
use mingzhang::domain::money::Fen;
use mingzhang::fees::{FeeItemSpec, Method, PaymentRequest};
use mingzhang::ledger::{export, Book, Ledger, VatScheme};
use mingzhang::report;
use mingzhang::verify::verify_all;

fn balance(tb: &report::TrialBalance, code: &str) -> i64 {
    tb.rows.iter().find(|r| r.code == code).map_or(0, |r| r.closing_fen)
}

/// Two households at 1.35/m² (135.00 and 121.50 a month), on a book with `scheme` at `rate` %.
async fn taxed_book<S: mingzhang::app::AppStore>(ledger: &Ledger<S>, scheme: VatScheme, rate: &str) -> Book {
    let fees = ledger.fees();
    let book = two_households(ledger, "计税社区", "1.35").await;
    fees.set_vat(&book, scheme, rate).await.unwrap();
    fees.book(&book).await.unwrap()
}

async fn general<S: mingzhang::app::AppStore>(ledger: Ledger<S>, _url: &str) {
    let book = taxed_book(&ledger, VatScheme::General, "6").await;
    let fees = ledger.fees();
    // 停车费 is 不动产经营租赁 at 9 %: an item's own rate beside the book's 6 %, billed in
    // February. A rate the scheme does not allow is refused.
    let parking = FeeItemSpec {
        code: "TCF",
        name: "车位停车费",
        basis: mingzhang::fees::rules::FeeBasis::FixedMonth,
        revenue_account: "500102",
        late_fee_ppm_per_day: 0,
        late_fee_cap_percent: 0,
    };
    fees.add_fee_item(&book, &parking).await.unwrap();
    assert!(fees.set_item_vat_rate(&book, "TCF", "5").await.is_err());
    fees.set_item_vat_rate(&book, "TCF", "9").await.unwrap();
    let residential = mingzhang::fees::rules::HouseholdKind::Residential;
    fees.add_fee_standard(&book, "TCF", residential, "120", date(2025, 2, 1), None).await.unwrap();
    // The 财会〔2016〕22号 accounts are there: 应交增值税 with its 专栏, 未交增值税 beside it.
    for code in ["22210101", "22210106", "222109", "222110"] {
        assert!(book.account_id(code).is_some(), "{code}");
    }
    assert!(!book.chart.values().find(|a| a.code.as_str() == "222101").unwrap().is_leaf);
    let run = fees.run_billing(&book, period(2025, 1), &[], "会计").await.unwrap();
    assert_eq!(run.total, Fen(25_650), "bills are tax-inclusive: 135.00 + 121.50");
    // 135.00 × 6/106 = 7.6415 → 7.64; 121.50 × 6/106 = 6.8773 → 6.88.
    let tb = |ledger: &Ledger<S>, book: &Book| {
        let (ledger, book) = (ledger.clone(), book.clone());
        async move { report::trial_balance(&ledger.store, &book, period(2025, 1), period(2025, 1), 9).await.unwrap() }
    };
    let t = tb(&ledger, &book).await;
    assert_eq!((balance(&t, "1122"), balance(&t, "500101"), balance(&t, "22210106")), (25_650, -24_198, -1_452));
    // The surtaxes are reckoned on the 专栏: 14.52 × 7 % = 1.0164 → 1.02, × 3 % → 0.44, × 2 % → 0.29.
    let rates = mingzhang::ledger::surtax::SurtaxRates { city_percent: 7, halved: false };
    let id = ledger.draft_surtax_accrual(&book, period(2025, 1), rates, "会计").await.unwrap().unwrap();
    let (_, lines) = ledger.voucher(&book, id).await.unwrap();
    assert_eq!(lines.iter().map(|l| l.debit_fen).filter(|f| *f > 0).collect::<Vec<_>>(), vec![102, 44, 29]);
    ledger.delete_draft(&book, id, "会计").await.unwrap();

    // A waiver of 50.00 of the 135.00 bill takes back 7.64 × 50/135 = 2.8296 → 2.83 of tax.
    let hs = fees.households(book.row.community_id).await.unwrap();
    let zhang_bill = fees.open_bills(&book, Some(hs[0].id)).await.unwrap().remove(0);
    fees.waive(&book, zhang_bill.id, Fen(5_000), "困难户", "主管", date(2025, 1, 5)).await.unwrap();
    // The rest, 85.00, takes back the rest of the tax, 4.81: the bill's whole 7.64.
    fees.waive(&book, zhang_bill.id, Fen(8_500), "全免", "主管", date(2025, 1, 6)).await.unwrap();
    let t = tb(&ledger, &book).await;
    assert_eq!((balance(&t, "1122"), balance(&t, "500101"), balance(&t, "22210106")), (12_150, -11_462, -688));

    // A payment carries no VAT; the reversal of 李四's bill takes back its 6.88.
    let req = PaymentRequest {
        household_id: hs[1].id,
        amount: Fen(20_000),
        method: Method::Cash,
        paid_on: date(2025, 1, 8),
        idempotency_key: "li",
        cashier: "出纳",
        bill_ids: None,
        note: Default::default(),
    };
    fees.pay(&book, &req).await.unwrap();
    fees.close_days(&book, date(2025, 1, 8), "主管").await.unwrap();
    let t = tb(&ledger, &book).await;
    assert_eq!((balance(&t, "22210106"), balance(&t, "2203")), (-688, -7_850));
    fees.reverse_billing(&book, run.run.unwrap(), Some(hs[1].id), "面积有误", "主管", date(2025, 1, 9)).await.unwrap();
    let t = tb(&ledger, &book).await;
    assert_eq!((balance(&t, "1122"), balance(&t, "500101"), balance(&t, "22210106"), balance(&t, "2203")), (0, 0, 0, -20_000));
    let report = verify_all(&ledger.store).await.unwrap();
    assert!(report.is_clean(), "{:?}", report.findings);

    // February: 物业服务费 at 6 % as before, 停车费 120.00 at 9 %: 120 × 9/109 = 9.9082 → 9.91 each.
    fees.run_billing(&book, period(2025, 2), &[], "会计").await.unwrap();
    let feb = report::trial_balance(&ledger.store, &book, period(2025, 2), period(2025, 2), 9).await.unwrap();
    assert_eq!((balance(&feb, "500102"), balance(&feb, "22210106")), (-2 * (12_000 - 991), -(1_452 + 2 * 991)));

    // hledger reads the export to the same balances.
    if oracle_available("hledger") {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("vat.journal");
        let mut file = std::fs::File::create(&path).unwrap();
        export::write_hledger(&ledger.store, &book, &mut file).await.unwrap();
        let ours = our_balances(&ledger, &book, (2025, 1), (2025, 2), false).await;
        assert_eq!(hledger_balances(&path, None), ours);
    }
}

#[tokio::test]
async fn a_general_taxpayer_books_output_tax_per_bill_and_takes_back_exactly_its_share() {
    on_fresh_store!(general)
}

async fn small<S: mingzhang::app::AppStore>(ledger: Ledger<S>, _url: &str) {
    let fees = ledger.fees();
    let c = ledger.create_community("校验社区").await.unwrap();
    let plain = ledger.create_book(c.id, "company", "测试物业公司", "small_enterprise", period(2025, 1)).await.unwrap();
    for (scheme, rate) in [(VatScheme::Small, "6"), (VatScheme::General, "3"), (VatScheme::General, "六")] {
        let err = fees.set_vat(&plain, scheme, rate).await.unwrap_err();
        assert!(err.to_string().contains("--vat-rate"), "{err}");
    }
    let book = taxed_book(&ledger, VatScheme::Small, "1").await;
    assert!(book.account_id("22210106").is_none(), "a small-scale taxpayer books 应交增值税 without 专栏");
    fees.run_billing(&book, period(2025, 1), &[], "会计").await.unwrap();
    // 135.00 × 1/101 = 1.3366 → 1.34; 121.50 × 1/101 = 1.2030 → 1.20.
    let t = report::trial_balance(&ledger.store, &book, period(2025, 1), period(2025, 1), 9).await.unwrap();
    assert_eq!((balance(&t, "500101"), balance(&t, "222101")), (-25_396, -254));
    // The tax line says what it posts to: a small-scale taxpayer's 应交增值税 has no 销项税额.
    let january = |ledger: &Ledger<S>, book: &Book| {
        let (ledger, book) = (ledger.clone(), book.clone());
        async move {
            let mut tx = ledger.store.read().await.unwrap();
            mingzhang::ledger::store::LedgerTx::vouchers(&mut tx, book.key(), period(2025, 1), period(2025, 1), 100).await.unwrap()
        }
    };
    let billing = january(&ledger, &book).await.iter().map(|v| v.id).max().unwrap();
    let (_, lines) = ledger.voucher(&book, billing).await.unwrap();
    let tax_line = lines.iter().find(|l| book.code_of(l.account_id).unwrap() == "222101").unwrap();
    assert!(tax_line.summary.contains("应交增值税") && !tax_line.summary.contains("销项税额"), "{}", tax_line.summary);

    // 张三's 135.00 waived: its 1.34 of tax comes back in red ink on the credit side, and the
    // month's surtaxes are reckoned on the net 1.20 (7 % → 0.08, 3 % → 0.04, 2 % → 0.02), where
    // counting only the billing's credits would have taxed 2.54.
    let hs = fees.households(book.row.community_id).await.unwrap();
    let zhang_bill = fees.open_bills(&book, Some(hs[0].id)).await.unwrap().remove(0);
    fees.waive(&book, zhang_bill.id, Fen(13_500), "困难户", "主管", date(2025, 1, 5)).await.unwrap();
    let waiver = january(&ledger, &book).await.iter().map(|v| v.id).max().unwrap();
    let (_, lines) = ledger.voucher(&book, waiver).await.unwrap();
    let red: Vec<(i64, i64)> =
        lines.iter().filter(|l| book.code_of(l.account_id).unwrap() == "222101").map(|l| (l.debit_fen, l.credit_fen)).collect();
    assert_eq!(red, vec![(0, -134)], "red ink on the same side");
    let t = report::trial_balance(&ledger.store, &book, period(2025, 1), period(2025, 1), 9).await.unwrap();
    assert_eq!(balance(&t, "222101"), -120);
    let rates = mingzhang::ledger::surtax::SurtaxRates { city_percent: 7, halved: false };
    let id = ledger.draft_surtax_accrual(&book, period(2025, 1), rates, "会计").await.unwrap().unwrap();
    let (_, lines) = ledger.voucher(&book, id).await.unwrap();
    assert_eq!(lines.iter().map(|l| l.debit_fen).filter(|f| *f > 0).collect::<Vec<_>>(), vec![8, 4, 2]);
    let report = verify_all(&ledger.store).await.unwrap();
    assert!(report.is_clean(), "{:?}", report.findings);
}

#[tokio::test]
async fn a_small_scale_taxpayer_books_vat_at_the_levy_rate_and_rates_are_checked() {
    on_fresh_store!(small)
}
