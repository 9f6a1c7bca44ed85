//! The collective on both engines: the company's profit transferred to the collective's book
//! (a voucher in each), a roster imported (duplicates and bad shares refused whole), the
//! distribution exact to the fen for awkward shares, posted, listed per member and paid once.

use crate::common;

use common::*;
use mingzhang::app::AppStore;
use mingzhang::collective::plan::Provisions;
use mingzhang::collective::Collective;
use mingzhang::domain::money::Fen;
use mingzhang::ledger::Ledger;

async fn transfer_and_distribute<S: AppStore>(ledger: Ledger<S>, url: &str) {
    let company = company_book(&ledger).await;
    let c = company.row.community_id;
    let collective = ledger.create_book(c, "collective", "测试股份经济合作社", "rural_collective", period(2025, 1)).await.unwrap();
    // A year's profit of the company: 12,000.00 of fees against 2,000.00 of cleaning.
    post(&ledger, &company, &voucher(date(2025, 3, 1), vec![line("100201", 1_200_000, 0), line("500101", 0, 1_200_000)])).await;
    post(&ledger, &company, &voucher(date(2025, 3, 9), vec![line("540101", 200_000, 0), line("100201", 0, 200_000)])).await;
    let co = Collective::new(&ledger);
    // A loss is never transferred.
    let loss_company = two_households(&ledger, "亏损社区", "1.00").await;
    let loss_collective =
        ledger.create_book(loss_company.row.community_id, "collective", "亏损合作社", "rural_collective", period(2025, 1)).await.unwrap();
    post(&ledger, &loss_company, &voucher(date(2025, 3, 9), vec![line("540101", 30_000, 0), line("100201", 0, 30_000)])).await;
    let before = snapshot(url).await;
    let loss = co.transfer_profit(&loss_company, &loss_collective, 2025, date(2025, 12, 31), "王会计").await.unwrap_err();
    assert!(loss.to_string().contains("没有可上交的利润"), "{loss}");
    assert_eq!(snapshot(url).await, before, "refused, nothing written");
    // The standard's order: no transfer before the year's income tax is accrued.
    let before = snapshot(url).await;
    let untaxed = co.transfer_profit(&company, &collective, 2025, date(2025, 12, 31), "王会计").await.unwrap_err();
    assert!(untaxed.to_string().contains("所得税"), "{untaxed}");
    assert_eq!(snapshot(url).await, before, "refused, nothing written");
    // 所得税 500.00 (5 %); 实收资本 20,000.00 caps 法定盈余公积 at 10,000.00, and 10 % of the
    // 9,500.00 net profit is 950.00; the collective receives the other 8,550.00.
    post(&ledger, &company, &voucher(date(2025, 12, 31), vec![line("5801", 50_000, 0), line("222104", 0, 50_000)])).await;
    post(&ledger, &company, &voucher(date(2025, 1, 2), vec![line("100201", 2_000_000, 0), line("3001", 0, 2_000_000)])).await;
    let t = co.transfer_profit(&company, &collective, 2025, date(2025, 12, 31), "王会计").await.unwrap();
    assert_eq!(t.amount_fen, 855_000);
    let twice = co.transfer_profit(&company, &collective, 2025, date(2025, 12, 31), "王会计").await.unwrap_err();
    assert!(twice.to_string().contains("已上交"), "{twice}");
    let company_side = our_balances(&ledger, &company, (2025, 1), (2025, 12), false).await;
    assert_eq!(company_side.get("310401").copied(), Some(95_000), "利润分配—提取法定盈余公积");
    assert_eq!(company_side.get("3101").copied(), Some(-95_000), "盈余公积");
    assert_eq!(company_side.get("310403").copied(), Some(855_000), "利润分配—应付利润 in the company's book");
    assert_eq!(company_side.get("2232").copied().unwrap_or(0), 0, "应付利润 declared, then paid");
    let collective_side = our_balances(&ledger, &collective, (2025, 1), (2025, 12), true).await;
    assert_eq!((collective_side.get("10201").copied(), collective_side.get("502").copied()), (Some(855_000), Some(-855_000)));

    let before = snapshot(url).await;
    let bad = "成员编号,姓名,户,股数\nM1,张一,1-1-101,1\nM1,张二,1-1-102,1\nM3,张三,1-1-103,0\nM4,张四,,x\n";
    let refused = co.import_roster(&collective, bad.as_bytes(), "王会计").await.unwrap_err().to_string();
    for expected in ["第 3 行“成员编号”列：M1 与第 2 行重复", "第 4 行“股数”列", "第 5 行“股数”列"] {
        assert!(refused.contains(expected), "{expected} in {refused}");
    }
    let too_much = co
        .distribute(&collective, 2025, Some(Fen(10_000)), Provisions { reserve_bp: 6_000, welfare_bp: 4_001 }, date(2025, 12, 31), "王会计")
        .await
        .unwrap_err();
    assert!(too_much.to_string().contains("成员名册") || too_much.to_string().contains("超过 100%"), "{too_much}");
    assert_eq!(snapshot(url).await, before, "refusals write nothing");

    // Three members of one share each share 100.00.
    co.import_roster(&collective, "成员编号,姓名,户,股数\nM1,张一,1-1-101,1\nM2,张二,1-1-102,1\nM3,张三,1-1-103,1\n".as_bytes(), "王会计")
        .await
        .unwrap();
    let over = co
        .distribute(&collective, 2025, Some(Fen(10_000)), Provisions { reserve_bp: 6_000, welfare_bp: 4_001 }, date(2025, 12, 31), "王会计")
        .await
        .unwrap_err();
    assert!(over.to_string().contains("超过 100%"), "{over}");
    let d = co
        .distribute(&collective, 2025, Some(Fen(10_000)), Provisions { reserve_bp: 0, welfare_bp: 0 }, date(2025, 12, 31), "王会计")
        .await
        .unwrap();
    let amounts: Vec<i64> = d.lines.iter().map(|l| l.amount_fen).collect();
    assert_eq!(amounts, vec![3_334, 3_333, 3_333]);
    let again = co
        .distribute(&collective, 2025, Some(Fen(10_000)), Provisions { reserve_bp: 0, welfare_bp: 0 }, date(2025, 12, 31), "王会计")
        .await
        .unwrap_err();
    assert!(again.to_string().contains("收益分配") || again.to_string().contains("已"), "once a year: {again}");
    co.pay(&collective, d.row.id, date(2025, 12, 31), "王会计").await.unwrap();
    assert!(co.pay(&collective, d.row.id, date(2025, 12, 31), "王会计").await.unwrap_err().to_string().contains("已于"));
    let after = our_balances(&ledger, &collective, (2025, 1), (2025, 12), false).await;
    assert_eq!(after.get("21101"), None, "应付成员收益分配 paid out");
    assert_eq!(after.get("3220102").copied(), Some(10_000));
    let list = co.distribution(&collective, d.row.id).await.unwrap().to_table().to_text();
    assert!(list.contains("成员收益分配清单") && list.contains("33.34") && list.contains("已于 2025-12-31 发放"), "{list}");
}

#[tokio::test]
async fn the_company_profit_reaches_the_collective_and_is_distributed_exactly() {
    on_fresh_store!(transfer_and_distribute)
}

async fn a_thousand_members<S: AppStore>(ledger: Ledger<S>, _url: &str) {
    let company = company_book(&ledger).await;
    let collective =
        ledger.create_book(company.row.community_id, "collective", "合作社", "rural_collective", period(2025, 1)).await.unwrap();
    let mut roster = String::from("成员编号,姓名,户,股数\n");
    let mut seed = 12345u64;
    for i in 0..1000 {
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        roster += &format!("M{i:04},成员{i},,{}\n", seed % 23 + 1);
    }
    let co = Collective::new(&ledger);
    assert_eq!(co.import_roster(&collective, roster.as_bytes(), "王会计").await.unwrap(), 1000);
    let d = co
        .distribute(
            &collective,
            2025,
            Some(Fen(98_765_432)),
            Provisions { reserve_bp: 1_000, welfare_bp: 500 },
            date(2025, 12, 31),
            "王会计",
        )
        .await
        .unwrap();
    assert_eq!((d.row.reserve_fen, d.row.welfare_fen), (9_876_543, 4_938_272), "10 % and 5 %, half up");
    assert_eq!(d.lines.iter().map(|l| l.amount_fen).sum::<i64>(), d.row.members_fen);
    assert_eq!(d.row.reserve_fen + d.row.welfare_fen + d.row.members_fen, 98_765_432);
}

#[tokio::test]
async fn a_thousand_members_with_random_shares_get_exactly_the_members_total() {
    on_fresh_store!(a_thousand_members)
}

async fn collective_statements<S: AppStore>(ledger: Ledger<S>, _url: &str) {
    let books = mingzhang::cli::demo::build(&ledger, 11, 2025, 150).await.unwrap();
    let book = &books.collective;
    let december = period(2025, 12);
    let bs = mingzhang::report::statement::statement(&ledger.store, book, "collective_balance_sheet", december).await.unwrap();
    assert!(!bs.checks.is_empty() && bs.checks.iter().all(|c| c.holds), "资产总计 = 负债和所有者权益总计: {:?}", bs.checks);
    let id = mingzhang::report::statement::for_book(book, false);
    let ie = mingzhang::report::statement::statement(&ledger.store, book, id, december).await.unwrap();
    let line = |n: u32| ie.rows.iter().find(|r| r.line == Some(n)).and_then(|r| r.values[0]).unwrap_or(Fen(0));
    // The year's 收益 and what stood at its start, less the distribution, is what 收益分配 holds now.
    let held = -our_balances(&ledger, book, (2025, 1), (2025, 12), false)
        .await
        .iter()
        .filter(|(code, _)| code.starts_with("322"))
        .map(|(_, f)| f)
        .sum::<i64>();
    assert_eq!(line(22).0, held, "年末未分配收益 = 收益分配's balance");
    assert!(ie.checks_hold(), "年末未分配收益 = the balance sheet's 未分配收益: {:?}", ie.checks);
    assert_eq!(ie.columns, vec!["本年金额", "上年金额"], "an annual statement");
    assert_eq!((ie.form.as_str(), bs.form.as_str()), ("会农集02表", "会农集01表"));
    let distribution = mingzhang::collective::Collective::new(&ledger).distributions(book).await.unwrap();
    assert_eq!(line(20).0, distribution[0].members_fen, "向成员分配 = the plan's members' total");
    assert_eq!(line(18).0, distribution[0].welfare_fen, "提取福利费 on its own line");
    assert_eq!(line(17).0, distribution[0].reserve_fen, "提取公积公益金");
    assert_eq!(line(16).0, distribution[0].distributable_fen, "可分配收益 = what the plan distributed");
    // The company's statements tie in every month of the demo's last year: 资产负债表 balances,
    // 利润表 nets, 现金流量表's net increase is the change in 货币资金.
    for month in 1..=12 {
        for id in ["balance_sheet", "income_statement", "cash_flow"] {
            let s = mingzhang::report::statement::statement(&ledger.store, &books.company, id, period(2025, month)).await.unwrap();
            assert!(s.checks_hold(), "{id} of 2025-{month:02}: {:?}", s.checks);
        }
    }
    // The demo's books are consistent: no VAT billed, so no surtax; the VAT owed at the opening
    // is paid and the 递延收益 of the opening released in the first quarter; income tax accrued.
    let company = our_balances(&ledger, &books.company, (2023, 1), (2025, 12), true).await;
    assert_eq!(company.get("540301").copied().unwrap_or(0), 0, "no 城建税 without VAT");
    assert_eq!(company.get("222101").copied(), Some(1_245_000), "the opening 应交增值税 12,450.00 paid");
    let first_quarter = our_balances(&ledger, &books.company, (2023, 1), (2023, 3), false).await;
    assert_eq!(first_quarter.get("240101").copied().unwrap_or(0), 0, "the opening 递延收益 150,000.00 released");
    // The last year's CCTV upgrade: 100,000.00 bought in March, 80,000.00 of it a grant for the
    // asset, depreciated from April (95,000.00 over 60 months) and the grant released in step.
    let last_year = our_balances(&ledger, &books.company, (2025, 1), (2025, 12), true).await;
    let depreciation = -last_year.get("1602").copied().unwrap_or(0);
    assert_eq!(depreciation, 9 * 158_333, "April to December at 1,583.33");
    let cards = mingzhang::assets::Assets::new(&ledger).list(&books.company).await.unwrap();
    assert_eq!(cards.len(), 1);
    let released = cards[0].card.released_fen;
    assert_eq!(released, (8_000_000 * depreciation + 4_750_000) / 9_500_000, "the grant released in step, 80/95 of the depreciation");
    let is = mingzhang::report::statement::statement(&ledger.store, &books.company, "income_statement", period(2025, 12)).await.unwrap();
    let (before_tax, tax) = (is.value(30, 0).unwrap().0, is.value(31, 0).unwrap().0);
    assert_eq!(tax, if before_tax > 0 { (before_tax * 5 + 50) / 100 } else { 0 }, "企业所得税 at 5 % of a profit, none on a loss");
    // Every month of the year ties too, not only December (the 本月 column once did not).
    for month in 1..=12 {
        let s = mingzhang::report::statement::statement(&ledger.store, book, id, period(2025, month)).await.unwrap();
        assert!(s.checks_hold(), "2025-{month:02}: {:?}", s.checks);
    }
}

#[tokio::test]
async fn the_collectives_statements_balance_and_agree_with_its_distribution() {
    on_fresh_store!(collective_statements)
}
