//! Fixed assets on both engines: straight-line depreciation from the month after service, one
//! voucher a month summed per cost account, a month never twice and never into a closed one,
//! bad cards refused naming the field, disposal through 固定资产清理, a grant for an asset
//! released in step with its depreciation, and a collective book on its own chart.

use crate::common;

use common::*;
use mingzhang::app::AppStore;
use mingzhang::assets::{Assets, CardInput, DisposalInput, Method};
use mingzhang::domain::category::Category;
use mingzhang::domain::money::Fen;
use mingzhang::ledger::{Book, Ledger};
use mingzhang::report::statement::statement;
use mingzhang::subsidies::{ProgramInput, ReceiptInput, Subsidies, Treatment};
use rust_decimal::Decimal;

fn card<'a>(code: &'a str, in_service: chrono::NaiveDate, original_fen: i64, life_months: i64, rate_percent: i64) -> CardInput<'a> {
    CardInput {
        code,
        name: code,
        category: "机器设备",
        in_service_on: in_service,
        original: Fen(original_fen),
        life_months,
        residual_rate_percent: Decimal::from(rate_percent),
        method: Method::StraightLine,
        expense_account: None,
        program: None,
        funded: None,
        opening_accumulated: None,
    }
}

/// The purchase, booked by the accountant as any other voucher (借 固定资产 贷 应付账款).
async fn buy<S: AppStore>(ledger: &Ledger<S>, book: &Book, d: chrono::NaiveDate, fen: i64, fixed: &str, payable: &str) {
    post(ledger, book, &voucher(d, vec![line(fixed, fen, 0), line(payable, 0, fen)])).await;
}

async fn verify_clean<S: AppStore>(ledger: &Ledger<S>) {
    let report = mingzhang::verify::verify_all(&ledger.store).await.unwrap();
    assert!(report.is_clean(), "{:?}", report.findings);
}

async fn months_and_refusals<S: AppStore>(ledger: Ledger<S>, url: &str) {
    let book = company_book(&ledger).await;
    let assets = Assets::new(&ledger);
    buy(&ledger, &book, date(2025, 1, 15), 13_400_001, "1601", "2202").await;
    assets.add(&book, &card("DT-01", date(2025, 1, 15), 12_000_000, 60, 5), "王会计").await.unwrap();
    let repairs = CardInput { expense_account: Some("540104"), ..card("JK-01", date(2025, 1, 31), 500_001, 36, 3) };
    assets.add(&book, &repairs, "王会计").await.unwrap();
    assets
        .add(&book, &CardInput { expense_account: Some("540104"), ..card("JK-02", date(2025, 1, 2), 300_000, 24, 0) }, "王会计")
        .await
        .unwrap();
    // In service in February: depreciated from March on.
    assets.add(&book, &card("PC-01", date(2025, 2, 10), 600_000, 36, 5), "王会计").await.unwrap();

    let jan = assets.depreciate(&book, period(2025, 1), "王会计").await.unwrap();
    assert_eq!((jan.voucher.as_deref(), jan.depreciation), (None, Fen(0)), "nothing in the month of service");
    let feb = assets.depreciate(&book, period(2025, 2), "王会计").await.unwrap();
    // 114,000.00 / 60 = 1,900.00; 5,000.01 × 97 % = 4,850.01 / 36 = 134.72; 3,000.00 / 24 = 125.00.
    assert_eq!((feb.cards, feb.depreciation), (3, Fen(190_000 + 13_472 + 12_500)));
    let moved = our_balances(&ledger, &book, (2025, 2), (2025, 2), true).await;
    assert_eq!(moved.get("560299").copied(), Some(190_000), "管理费用 by default");
    assert_eq!(moved.get("540104").copied(), Some(13_472 + 12_500), "one line per cost account");
    assert_eq!(moved.get("1602").copied(), Some(-(190_000 + 13_472 + 12_500)));

    let before = snapshot(url).await;
    let twice = assets.depreciate(&book, period(2025, 2), "王会计").await.unwrap_err().to_string();
    assert!(twice.contains("已计提") && twice.contains("2025-02"), "{twice}");
    let life = assets.add(&book, &card("X-1", date(2025, 2, 1), 100_000, 0, 5), "王会计").await.unwrap_err().to_string();
    assert!(life.contains("使用年限") && life.contains("现为 0"), "{life}");
    let rate = assets.add(&book, &card("X-2", date(2025, 2, 1), 100_000, 12, 100), "王会计").await.unwrap_err().to_string();
    assert!(rate.contains("净残值率") && rate.contains("100"), "{rate}");
    let duplicate = assets.add(&book, &card("DT-01", date(2025, 2, 1), 100_000, 12, 5), "王会计").await.unwrap_err().to_string();
    assert!(duplicate.contains("卡片编号"), "{duplicate}");
    assert_eq!(snapshot(url).await, before, "a second run and bad cards write nothing");
    ledger.close_period(&book, period(2025, 1), "王会计").await.unwrap();
    let snapshot_closed = snapshot(url).await;
    let closed = assets.depreciate(&book, period(2025, 1), "王会计").await.unwrap_err().to_string();
    assert!(closed.contains("已结账"), "{closed}");
    assert_eq!(snapshot(url).await, snapshot_closed, "refusals write nothing");

    let bs = statement(&ledger.store, &book, "balance_sheet", period(2025, 2)).await.unwrap();
    assert!(bs.checks_hold(), "{:?}", bs.checks);
    let closing = our_balances(&ledger, &book, (2025, 1), (2025, 2), false).await;
    assert_eq!(closing.values().sum::<i64>(), 0, "the trial balance sums to nothing");
    let list = assets.list(&book).await.unwrap();
    let dt = list.iter().find(|l| l.card.code == "DT-01").unwrap();
    assert_eq!((dt.card.accumulated_fen, dt.net, dt.monthly), (190_000, Fen(11_810_000), Fen(190_000)));
    assert!(mingzhang::assets::CardLine::table(&book, &list).to_text().contains("累计折旧"));
    verify_clean(&ledger).await;
}

#[tokio::test]
async fn a_month_is_depreciated_once_in_one_voucher_and_bad_input_is_refused() {
    on_fresh_store!(months_and_refusals)
}

async fn a_whole_life_and_a_disposal<S: AppStore>(ledger: Ledger<S>, url: &str) {
    let book = company_book(&ledger).await;
    let assets = Assets::new(&ledger);
    buy(&ledger, &book, date(2025, 1, 31), 100_001 + 1_200_000, "1601", "2202").await;
    assets.add(&book, &card("SHORT", date(2025, 1, 31), 100_001, 7, 5), "王会计").await.unwrap();
    assets.add(&book, &card("CAR", date(2025, 1, 5), 1_200_000, 12, 0), "王会计").await.unwrap();
    // In service before the book opened (January 2025): its past is an opening figure, or its
    // first month here would catch up July to December 2024 as well.
    let old = card("OLD", date(2024, 6, 10), 360_000, 36, 0);
    let unsaid = assets.add(&book, &old, "王会计").await.unwrap_err().to_string();
    assert!(unsaid.contains("期初累计折旧") && unsaid.contains("2024-12") && unsaid.contains("600.00"), "{unsaid}");
    let young = CardInput { opening_accumulated: Some(Fen(100)), ..card("NEW", date(2025, 1, 6), 360_000, 36, 0) };
    assert!(assets.add(&book, &young, "王会计").await.unwrap_err().to_string().contains("不应有期初累计折旧"));
    assets.add(&book, &CardInput { opening_accumulated: Some(Fen(60_000)), ..old }, "王会计").await.unwrap();
    for month in 1..=3 {
        assets.depreciate(&book, period(2025, month), "王会计").await.unwrap();
    }
    // Sold on 10 April for 8,000.00: April's 1,000.00 still booked (当月减少的当月照提), then
    // net 12,000.00 − 3,000.00 = 9,000.00 against 8,000.00: a loss of 1,000.00.
    let sale = DisposalInput { code: "CAR", date: date(2025, 4, 10), proceeds: Fen(800_000), reason: "出售" };
    let sold = assets.dispose(&book, &sale, "王会计").await.unwrap();
    assert_eq!((sold.accumulated, sold.net, sold.gain, sold.vouchers.len()), (Fen(300_000), Fen(900_000), Fen(-100_000), 2));
    let before = snapshot(url).await;
    let again = assets.dispose(&book, &DisposalInput { date: date(2025, 4, 20), ..sale }, "王会计").await.unwrap_err().to_string();
    assert!(again.contains("已于 2025-04-10 处置"), "{again}");
    assert_eq!(snapshot(url).await, before, "a second disposal writes nothing");
    for month in 4..=10 {
        assets.depreciate(&book, period(2025, month), "王会计").await.unwrap();
    }
    let list = assets.list(&book).await.unwrap();
    let short = list.iter().find(|l| l.card.code == "SHORT").unwrap();
    assert_eq!(short.card.accumulated_fen, 95_001, "seven months depreciate 1,000.01 × 95 % to the fen");
    let car = list.iter().find(|l| l.card.code == "CAR").unwrap();
    assert_eq!((car.card.accumulated_fen, car.card.disposed_on), (300_000, Some(date(2025, 4, 10))), "no run after the disposal");
    let closing = our_balances(&ledger, &book, (2025, 1), (2025, 10), false).await;
    assert_eq!(closing.get("1601").copied(), Some(100_001));
    assert_eq!(closing.get("1602").copied(), Some(-95_001 - 10 * 10_000), "OLD: 100.00 a month from January, no catch-up");
    let old = list.iter().find(|l| l.card.code == "OLD").unwrap();
    assert_eq!(old.card.accumulated_fen, 60_000 + 10 * 10_000);
    assert_eq!(closing.get("1606"), None, "固定资产清理 cleared");
    assert_eq!(closing.get("5711").copied(), Some(100_000));
    verify_clean(&ledger).await;
}

#[tokio::test]
async fn a_card_depreciates_its_whole_life_to_the_fen_and_a_disposed_one_stops() {
    on_fresh_store!(a_whole_life_and_a_disposal)
}

async fn a_grant_for_an_asset<S: AppStore>(ledger: Ledger<S>, _url: &str) {
    let book = company_book(&ledger).await;
    let subsidies = Subsidies::new(&ledger);
    let assets = Assets::new(&ledger);
    let program = ProgramInput {
        document_no: "区财〔2025〕8号",
        purpose: "电梯更新补助",
        approved: Fen(6_000_000),
        starts_on: date(2025, 1, 1),
        ends_on: date(2026, 1, 1),
        treatment: Treatment::Asset,
        eligible: vec![Category::Repairs],
    };
    subsidies.add_program(&book, &program, "王会计").await.unwrap();
    let receipt = |amount| ReceiptInput { date: date(2025, 1, 20), amount: Fen(amount), reference: "", bank_account: None };
    subsidies.receive(&book, "区财〔2025〕8号", &receipt(150_000), "王会计").await.unwrap();
    buy(&ledger, &book, date(2025, 1, 15), 12_000_000, "1601", "2202").await;
    let funded =
        CardInput {
            program: Some("区财〔2025〕8号"), funded: Some(Fen(6_000_000)), ..card("DT-01", date(2025, 1, 15), 12_000_000, 60, 5)
        };
    let over = CardInput { funded: Some(Fen(12_000_001)), ..funded.clone() };
    let refused = assets.add(&book, &over, "王会计").await.unwrap_err().to_string();
    assert!(refused.contains("补助金额"), "{refused}");
    assets.add(&book, &funded, "王会计").await.unwrap();

    // In step: 60,000.00 × 1,900.00 / 114,000.00 = 1,000.00 a month, within what has come in.
    let feb = assets.depreciate(&book, period(2025, 2), "王会计").await.unwrap();
    assert_eq!(feb.released, Fen(100_000));
    let mar = assets.depreciate(&book, period(2025, 3), "王会计").await.unwrap();
    assert_eq!(mar.released, Fen(50_000), "only 1,500.00 has been received");
    let deferred = subsidies.release(&book, period(2025, 3), "王会计").await.unwrap();
    assert!(deferred.is_empty(), "the deferred release leaves an asset grant alone: {deferred:?}");
    subsidies.release(&book, period(2025, 4), "王会计").await.unwrap();
    let apr_receipt = ReceiptInput { date: date(2025, 4, 2), ..receipt(5_850_000) };
    subsidies.receive(&book, "区财〔2025〕8号", &apr_receipt, "王会计").await.unwrap();
    let apr = assets.depreciate(&book, period(2025, 4), "王会计").await.unwrap();
    assert_eq!(apr.released, Fen(150_000), "caught up once the money is there");
    for (month, to) in [(2, 2), (3, 3), (4, 4)] {
        let b = our_balances(&ledger, &book, (2025, 1), (2025, to), false).await;
        assert!(b.get("240101").copied().unwrap_or(0) <= 0, "递延收益 never debit in month {month}: {b:?}");
    }
    // Scrapped in May: May's depreciation, then the rest of the grant is income at once.
    let scrap = DisposalInput { code: "DT-01", date: date(2025, 5, 6), proceeds: Fen(0), reason: "报废" };
    let gone = assets.dispose(&book, &scrap, "王会计").await.unwrap();
    assert_eq!(gone.vouchers.len(), 3);
    let b = our_balances(&ledger, &book, (2025, 1), (2025, 5), false).await;
    assert_eq!(b.get("240101"), None, "the whole grant released");
    assert_eq!(b.get("530101").copied(), Some(-6_000_000));
    assert_eq!(b.get("5711").copied(), Some(12_000_000 - 4 * 190_000));
    verify_clean(&ledger).await;
}

#[tokio::test]
async fn a_grant_for_an_asset_is_released_in_step_with_its_depreciation() {
    on_fresh_store!(a_grant_for_an_asset)
}

async fn a_collective_asset<S: AppStore>(ledger: Ledger<S>, _url: &str) {
    let company = company_book(&ledger).await;
    let book = ledger.create_book(company.row.community_id, "collective", "合作社", "rural_collective", period(2025, 1)).await.unwrap();
    let assets = Assets::new(&ledger);
    buy(&ledger, &book, date(2025, 1, 8), 2_400_000, "151", "21199").await;
    assets.add(&book, &card("LY-01", date(2025, 1, 8), 2_400_000, 120, 4), "王会计").await.unwrap();
    let refused = CardInput { expense_account: Some("1601"), ..card("LY-02", date(2025, 1, 8), 100_000, 12, 0) };
    let wrong = assets.add(&book, &refused, "王会计").await.unwrap_err().to_string();
    assert!(wrong.contains("费用科目"), "{wrong}");
    // 24,000.00 × 96 % / 120 = 192.00 a month, to 管理费用 and 累计折旧 of the collective's chart.
    assets.depreciate(&book, period(2025, 2), "王会计").await.unwrap();
    let sale = DisposalInput { code: "LY-01", date: date(2025, 3, 3), proceeds: Fen(2_500_000), reason: "出售" };
    let sold = assets.dispose(&book, &sale, "王会计").await.unwrap();
    assert_eq!(sold.gain, Fen(2_500_000 - (2_400_000 - 2 * 19_200)));
    let b = our_balances(&ledger, &book, (2025, 1), (2025, 3), false).await;
    assert_eq!(b.get("513").copied(), Some(2 * 19_200));
    assert_eq!((b.get("151"), b.get("152"), b.get("154")), (None, None, None));
    assert_eq!(b.get("504").copied(), Some(-sold.gain.0), "其他收入");
    assert_eq!(b.get("10201").copied(), Some(2_500_000));
    let bs = statement(&ledger.store, &book, "collective_balance_sheet", period(2025, 3)).await.unwrap();
    assert!(bs.checks_hold(), "{:?}", bs.checks);
    verify_clean(&ledger).await;
}

#[tokio::test]
async fn a_collective_book_depreciates_and_disposes_on_its_own_chart() {
    on_fresh_store!(a_collective_asset)
}
