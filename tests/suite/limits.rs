//! Nothing silently wrong (issue 10): every value has a limit, stated in `domain::limits` and
//! enforced where it enters, with an error that names the field; numbers are read one way only;
//! an idempotency key sent with another payment is refused with the difference named; no total
//! wraps and SQLite never keeps a sum as REAL. Each refusal writes nothing.

use crate::common;

use common::*;
use mingzhang::domain::money::Fen;
use mingzhang::fees::rules::HouseholdKind;
use mingzhang::fees::store::FeesStore;
use mingzhang::fees::{Method, PaymentRequest};
use mingzhang::ledger::voucher::VoucherInput;
use mingzhang::ledger::Ledger;

fn payment<'a>(household_id: mingzhang::domain::ids::HouseholdId, amount: Fen, key: &'a str) -> PaymentRequest<'a> {
    PaymentRequest {
        household_id,
        amount,
        method: Method::Cash,
        paid_on: date(2025, 1, 10),
        idempotency_key: key,
        cashier: "出纳",
        bill_ids: None,
        note: Default::default(),
    }
}

async fn limits_at_the_edge<S: FeesStore>(ledger: Ledger<S>, url: &str) {
    let book = two_households(&ledger, "测试社区", "1.50").await;
    let fees = ledger.fees();
    let c = ledger.community(None).await.unwrap();
    let hs = fees.households(c.id).await.unwrap();
    let (zhang, li) = (&hs[0], &hs[1]);
    fees.run_billing(&book, period(2025, 1), &[], "会计").await.unwrap();
    let first = fees.pay(&book, &payment(zhang.id, Fen(15_000), "k1")).await.unwrap();
    let before = snapshot(url).await;

    // The same key with another household, amount and method: refused, each difference named.
    let mut other = payment(li.id, Fen(20_000), "k1");
    other.method = Method::Wechat;
    let err = fees.pay(&book, &other).await.unwrap_err().to_string();
    assert!(err.contains("k1") && err.contains(&first.label), "{err}");
    assert!(
        err.contains("住户 1-1-101 ≠ 1-1-102") && err.contains("金额 150.00 ≠ 200.00") && err.contains("收款方式 现金 ≠ 微信"),
        "{err}"
    );
    // The same request again is the first receipt, as before.
    let again = fees.pay(&book, &payment(zhang.id, Fen(15_000), "k1")).await.unwrap();
    assert!(again.replayed && again.number == first.number);

    // Amounts beyond the limit: a payment, a waiver, a voucher line; the trial balance can no
    // longer be made to overflow by them.
    let err = fees.pay(&book, &payment(li.id, Fen(9_223_372_036_854_775_807), "k2")).await.unwrap_err().to_string();
    assert!(err.contains("收款金额") && err.contains("超出单笔上限 1000000000.00"), "{err}");
    let err = fees.pay(&book, &payment(li.id, Fen(100_000_000_001), "k3")).await.unwrap_err().to_string();
    assert!(err.contains("超出单笔上限"), "{err}");
    let huge = VoucherInput {
        date: date(2025, 1, 20),
        attachments: 0,
        lines: vec![line("1001", 100_000_000_001, 0), line("505101", 0, 100_000_000_001)],
    };
    let err = ledger.draft(&book, "会计", &huge).await.unwrap_err().to_string();
    assert!(err.contains("超出单笔上限 1000000000.00"), "{err}");

    // Rates and areas past their limits, numbers in other notations, names with control
    // characters: each refused with its reason.
    let err = fees.add_fee_standard(&book, "WYF", HouseholdKind::Commercial, "10000.01", date(2025, 1, 1), None).await.unwrap_err();
    assert!(err.to_string().contains("超过上限 10000"), "{err}");
    let err = fees.add_fee_standard(&book, "WYF", HouseholdKind::Commercial, "1e3", date(2025, 1, 1), None).await.unwrap_err();
    assert!(err.to_string().contains("科学计数法"), "{err}");
    let err = fees.add_fee_standard(&book, "WYF", HouseholdKind::Commercial, "２.５", date(2025, 1, 1), None).await.unwrap_err();
    assert!(err.to_string().contains("全角"), "{err}");
    for (csv, expected) in [
        ("1,1,201,99999999999999999999,住宅,王五,139", "超过上限 100000"),
        ("1,1,201,1e3,住宅,王五,139", "科学计数法"),
        ("1,1,201,１００,住宅,王五,139", "全角"),
        ("1,1,201,100,住宅,王\t五,139", "控制字符"),
        ("1,1,201,100,住宅,王五,139\u{7}", "控制字符"),
    ] {
        let file = format!("楼栋,单元,房号,建筑面积,类型,业主,电话\n{csv}\n");
        let err = fees.import_households(c.id, file.as_bytes()).await.unwrap_err().to_string();
        assert!(err.contains(expected) && err.contains("第 2 行"), "{csv}: {err}");
    }
    let err = ledger.create_community("新\n社区").await.unwrap_err().to_string();
    assert!(err.contains("控制字符"), "{err}");
    assert_eq!(snapshot(url).await, before, "nothing refused was written");
}

#[tokio::test]
async fn limits_numbers_names_and_idempotency_keys_are_enforced_where_they_enter() {
    on_fresh_store!(limits_at_the_edge)
}

async fn no_sum_becomes_real<S: FeesStore>(ledger: Ledger<S>, url: &str) {
    if is_pg(url) {
        // BIGINT refuses by itself: an UPDATE that overflows raises "bigint out of range".
        let book = company_book(&ledger).await;
        post(&ledger, &book, &voucher(date(2025, 1, 5), vec![line("1001", 100, 0), line("505101", 0, 100)])).await;
        let overflow = "UPDATE account_balances SET debit_fen = debit_fen + 9223372036854775807";
        assert!(raw_sql(url, overflow).await.is_err());
        return;
    }
    let book = company_book(&ledger).await;
    post(&ledger, &book, &voucher(date(2025, 1, 5), vec![line("1001", 100, 0), line("505101", 0, 100)])).await;
    // With the guards of the program out of the way, a sum pushed past i64 in SQL: SQLite would
    // keep it as a REAL; the schema refuses it.
    for sql in [
        "UPDATE account_balances SET debit_fen = debit_fen + 9223372036854775807",
        "UPDATE account_balances SET credit_fen = 1.5",
        "UPDATE receivable_flows SET amount_fen = amount_fen * 1.0",
    ] {
        let r = raw_sql(url, sql).await;
        assert!(r.is_err() || r.unwrap() == 0, "accepted: {sql}");
    }
    let tb = mingzhang::report::trial_balance(&ledger.store, &book, period(2025, 1), period(2025, 1), 1).await.unwrap();
    assert!(tb.to_table().footer.iter().any(|f| f == "试算平衡"));
}

#[tokio::test]
async fn a_sum_past_i64_is_refused_by_the_schema_not_kept_as_real() {
    on_fresh_store!(no_sum_becomes_real)
}
