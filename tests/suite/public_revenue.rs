//! Public revenue on both engines (民法典 第282条): held for the owners, the company's share by
//! the recorded rule (rounded half up, once a month), uses never beyond what is held, and the
//! report worked out by hand.

use crate::common;

use common::*;
use mingzhang::app::AppStore;
use mingzhang::domain::money::Fen;
use mingzhang::ledger::Ledger;
use mingzhang::public_revenue::{PublicRevenue, RevenueInput, Source, UseInput};

async fn split_and_use<S: AppStore>(ledger: Ledger<S>, url: &str) {
    let book = company_book(&ledger).await;
    let revenue = PublicRevenue::new(&ledger);
    let ads = RevenueInput { date: date(2025, 1, 6), source: Source::Advertising, payer: "广告公司", amount: Fen(800_000) };
    revenue.receive(&book, &ads, "王会计").await.unwrap();
    let no_rule = revenue.split(&book, period(2025, 1), "王会计").await.unwrap_err();
    assert!(no_rule.to_string().contains("分成规则"), "{no_rule}");
    revenue.set_rule(&book, date(2025, 1, 1), 300, "2025年业主大会决议第2号", "王会计").await.unwrap();
    let venue = RevenueInput { date: date(2025, 1, 20), source: Source::Venue, payer: "商户", amount: Fen(12_345) };
    revenue.receive(&book, &venue, "王会计").await.unwrap();
    // (8,000.00 + 123.45) × 30 % = 2,437.035 → 2,437.04.
    let (share, _) = revenue.split(&book, period(2025, 1), "王会计").await.unwrap().unwrap();
    assert_eq!(share, Fen(243_704));
    let before = snapshot(url).await;
    let twice = revenue.split(&book, period(2025, 1), "王会计").await.unwrap_err();
    assert!(twice.to_string().contains("已分成"), "{twice}");
    // Held for the owners: 8,123.45 − 2,437.04 = 5,686.41; a use beyond it is refused.
    let too_much = UseInput { date: date(2025, 2, 3), purpose: "健身器材", decision: "业委会决议第5号", amount: Fen(568_642) };
    let refused = revenue.spend(&book, &too_much, "王会计").await.unwrap_err();
    assert!(refused.to_string().contains("5686.41"), "{refused}");
    let bad_rule = revenue.set_rule(&book, date(2025, 3, 1), 1001, "决议", "王会计").await.unwrap_err();
    assert!(bad_rule.to_string().contains("分成比例"), "{bad_rule}");
    assert_eq!(snapshot(url).await, before, "refusals write nothing");
    revenue.spend(&book, &UseInput { amount: Fen(300_000), ..too_much }, "王会计").await.unwrap();

    let balances = our_balances(&ledger, &book, (2025, 1), (2025, 2), false).await;
    assert_eq!(balances.get("224101").copied(), Some(-268_641), "其他应付款—公共收益 holds the owners' rest");
    let movement = our_balances(&ledger, &book, (2025, 1), (2025, 1), true).await;
    assert_eq!(movement.get("500104").copied(), Some(-243_704), "only the share is the company's revenue");
    let report = revenue.report(&book, period(2025, 2)).await.unwrap();
    let jan = &report.months[0];
    assert_eq!((jan.revenue, jan.company_share, jan.owners_share, jan.held), (Fen(812_345), Fen(243_704), Fen(568_641), Fen(568_641)));
    assert_eq!(jan.by_source, vec![Fen(800_000), Fen(0), Fen(12_345), Fen(0)]);
    let feb = &report.months[1];
    assert_eq!((feb.used, feb.held), (Fen(300_000), Fen(268_641)));
    assert!(report.to_table().to_text().contains("公共收益收支情况表"));
}

#[tokio::test]
async fn public_revenue_is_held_for_the_owners_split_by_its_rule_and_used_by_decision() {
    on_fresh_store!(split_and_use)
}
