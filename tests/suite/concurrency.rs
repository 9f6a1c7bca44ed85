//! Concurrency harness (issue 10): several cashiers taking payments for the same household at
//! once, two accountants posting in the same book, and a billing run in the middle of it, all as
//! separate processes of the real binary. Every command succeeds (none sees "database is
//! locked" or a deadlock), receipt and voucher numbers stay gap-free, every payment is recorded
//! once with its allocations, and `verify` is clean.

use crate::common;

use std::process::{Child, Stdio};

use common::*;
use mingzhang::verify::verify_all;

fn start(db: &str, args: Vec<String>) -> Child {
    mingzhang().arg("--db").arg(db).args(args).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("start mingzhang")
}

fn strings(args: &[&str]) -> Vec<String> {
    args.iter().map(|s| s.to_string()).collect()
}

fn finish(children: Vec<Child>) -> Vec<String> {
    children
        .into_iter()
        .map(|c| {
            let out = c.wait_with_output().unwrap();
            let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
            assert!(out.status.success(), "{text}");
            text
        })
        .collect()
}

#[tokio::test]
async fn cashiers_accountants_and_a_billing_run_at_once_keep_every_number_and_payment() {
    let db = fresh_db().await;
    let url = db.url.as_str();
    let dir = tempfile::tempdir().unwrap();
    let households = dir.path().join("households.csv");
    let mut csv = String::from("楼栋,单元,房号,建筑面积,类型,业主,电话\n");
    for i in 0..200 {
        csv += &format!("{},1,{},80.00,住宅,住户{i},1390000{i:04}\n", 1 + i / 50, 101 + i % 50);
    }
    std::fs::write(&households, csv).unwrap();
    for args in [
        strings(&["init", "并发社区"]),
        // The four cashiers and two accountants, users of this community (the others are the
        // suite's PEOPLE).
        strings(&["user", "add", "会计0", "--name", "会计0", "--role", "accountant"]),
        strings(&["user", "add", "会计1", "--name", "会计1", "--role", "accountant"]),
        strings(&["user", "add", "出纳0", "--name", "出纳0", "--role", "cashier"]),
        strings(&["user", "add", "出纳1", "--name", "出纳1", "--role", "cashier"]),
        strings(&["user", "add", "出纳2", "--name", "出纳2", "--role", "cashier"]),
        strings(&["user", "add", "出纳3", "--name", "出纳3", "--role", "cashier"]),
        strings(&["book", "create", "--code", "company", "--name", "物业公司", "--chart", "small_enterprise", "--start", "2025-01"]),
        strings(&["household", "import", "--file", households.to_str().unwrap()]),
        strings(&[
            "fee",
            "item",
            "--book",
            "company",
            "--code",
            "WYF",
            "--name",
            "物业服务费",
            "--basis",
            "per_m2_month",
            "--account",
            "500101",
        ]),
        strings(&["fee", "standard", "--book", "company", "--item", "WYF", "--kind", "住宅", "--rate", "1.50", "--from", "2025-01-01"]),
        strings(&["bill", "--book", "company", "--period", "2025-01", "--user", "会计"]),
    ] {
        finish(vec![start(url, args)]);
    }
    let mut payments = 0;
    for round in 0..3 {
        let mut children = Vec::new();
        // Four cashiers, the same household, at once.
        for cashier in 0..4 {
            let key = format!("r{round}c{cashier}");
            let date = format!("2025-0{}-1{cashier}", round + 2);
            let mut args = strings(&["pay", "--book", "company", "--household", "1-1-101", "--amount", "50.00", "--method", "现金"]);
            args.extend(strings(&["--date", &date, "--key", &key, "--cashier", &format!("出纳{cashier}")]));
            children.push(start(url, args));
            payments += 1;
        }
        // Two accountants, each a voucher of the month, added at once.
        for accountant in 0..2 {
            let mut args = strings(&["voucher", "add", "--book", "company", "--date", &format!("2025-0{}-05", round + 2)]);
            args.extend(strings(&[
                "--user",
                &format!("会计{accountant}"),
                "--debit",
                "540101,12.00,保洁用品",
                "--credit",
                "1001,12.00,保洁用品",
            ]));
            children.push(start(url, args));
        }
        // The month's billing run in the middle of them.
        children.push(start(url, strings(&["bill", "--book", "company", "--period", &format!("2025-0{}", round + 2), "--user", "会计"])));
        for out in finish(children) {
            assert!(!out.contains("database is locked") && !out.contains("deadlock"), "{out}");
        }
        let month = format!("2025-0{}", round + 2);
        // Both drafts reviewed while the days are closed (the cashiers' vouchers reviewed and
        // posted), then posted while a cashier takes another payment.
        for out in finish(vec![
            start(url, strings(&["voucher", "review", "--book", "company", "--period", &month, "--user", "主管"])),
            start(url, strings(&["day-close", "--book", "company", "--date", &format!("{month}-28"), "--user", "主管"])),
        ]) {
            assert!(!out.contains("database is locked") && !out.contains("deadlock"), "{out}");
        }
        let mut pay = strings(&["pay", "--book", "company", "--household", "2-1-101", "--amount", "50.00", "--method", "微信"]);
        pay.extend(strings(&["--date", &format!("{month}-20"), "--key", &format!("r{round}-wx"), "--cashier", "出纳"]));
        payments += 1;
        for out in finish(vec![
            start(url, strings(&["voucher", "post", "--book", "company", "--period", &month, "--user", "主管"])),
            start(url, pay),
        ]) {
            assert!(!out.contains("database is locked") && !out.contains("deadlock"), "{out}");
        }
    }
    {
        let s = mingzhang::store::AnyStore::connect(url).await.unwrap();
        // verify checks gap-free voucher numbers, the chain, balances and the subledger.
        let report = verify_all(&s).await.unwrap();
        assert!(report.is_clean(), "{:?}", report.findings);
        let ledger = mingzhang::ledger::Ledger::new(s.clone());
        let book = ledger.book(ledger.community(None).await.unwrap().id, "company").await.unwrap();
        let fees = ledger.fees();
        // Receipts No.000001 to No.000012, each once, none missing.
        for number in 1..=payments {
            let r = fees.receipt(&book, number).await.unwrap();
            assert_eq!(r.amount, mingzhang::domain::money::Fen(5_000), "receipt {number}");
        }
        assert!(fees.receipt(&book, payments + 1).await.is_err(), "no receipt beyond the payments");
        mingzhang::store::Store::close(&s).await;
    };
}

/// `Store::steady`: while its transaction is kept, its reads see no payment land (on
/// PostgreSQL a payment commits but the view's snapshot predates it; on SQLite the payment
/// waits for the write lock the view holds, on Citus for the book's row); once it ends, the
/// payment is there.
#[tokio::test]
async fn a_steady_view_sees_no_write_land_while_it_is_kept() {
    let db = fresh_db().await;
    steady_view_sees_no_write_land(&db.url).await;
}

/// The test above on the database at `url` (migrated, with the test people).
pub async fn steady_view_sees_no_write_land(url: &str) {
    use mingzhang::fees::store::FeesTx;
    use mingzhang::store::{Store, Tx};

    let s = mingzhang::store::AnyStore::connect(url).await.unwrap();
    let ledger = mingzhang::ledger::Ledger::new(s.clone());
    let book = two_households(&ledger, "静止社区", "2.00").await;
    let fees = mingzhang::fees::Fees::new(&ledger);
    fees.run_billing(&book, period(2025, 1), &[], "会计").await.unwrap();
    let household = fees.households(book.row.community_id).await.unwrap()[0].id;
    let (steady, keeper) = s.steady(Some(book.row.community_id)).await.unwrap();
    let payment = {
        let (fees, book) = (fees.clone(), book.clone());
        tokio::spawn(async move {
            let req = mingzhang::fees::PaymentRequest {
                household_id: household,
                amount: mingzhang::domain::money::Fen(1_000),
                method: mingzhang::fees::Method::Cash,
                paid_on: date(2025, 1, 15),
                idempotency_key: "while-steady",
                cashier: "出纳",
                bill_ids: None,
                note: Default::default(),
            };
            fees.pay(&book, &req).await.unwrap()
        })
    };
    // Room for the payment to commit, were it not held off or out of the view.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let seen = steady.read().await.unwrap().payment_by_key(book.key(), "while-steady").await.unwrap();
    assert!(seen.is_none(), "the view saw a payment made after it was taken");
    keeper.commit().await.unwrap();
    let receipt = payment.await.unwrap();
    let seen = s.read().await.unwrap().payment_by_key(book.key(), "while-steady").await.unwrap();
    assert_eq!(seen.map(|p| p.receipt_number), Some(receipt.number), "the payment, once the view ended");
    s.close().await;
}

/// `Store::steady` holds off the first entry of an audit chain that has none yet (a new
/// community's; with None, the entries of no community) and a change to the users (their
/// versions' chain): while it is kept its reads see neither, once it ends both are there. On
/// Citus the chain's head row is what the view holds, and before the first entry there is
/// none.
#[tokio::test]
async fn a_steady_view_holds_off_a_chains_first_entry_and_a_users_change() {
    let db = fresh_db().await;
    steady_view_holds_off_first_entries(&db.url).await;
}

/// The test above on the database at `url` (migrated, with the test people).
pub async fn steady_view_holds_off_first_entries(url: &str) {
    use mingzhang::access::store::AccessTx;
    use mingzhang::access::{Access, AuditEntry, NewUser, Role};
    use mingzhang::store::{Store, Tx};

    let s = mingzhang::store::AnyStore::connect(url).await.unwrap();
    let community = mingzhang::ledger::Ledger::new(s.clone()).create_community("新链社区").await.unwrap();
    for chain in [Some(community.id), None] {
        let before = s.read().await.unwrap().audit_chain(chain).await.unwrap().len();
        assert!(chain.is_none() || before == 0, "the new community's chain starts empty");
        let (steady, keeper) = s.steady(chain).await.unwrap();
        let entry = {
            let s = s.clone();
            tokio::spawn(async move {
                let mut tx = s.begin().await.unwrap();
                let entry = AuditEntry {
                    user_id: None,
                    username: "会计",
                    community_id: chain,
                    action: "test.steady",
                    target: "第一条",
                    address: "127.0.0.1",
                    request_id: "steady",
                };
                tx.insert_audit(&[entry], chrono::Utc::now()).await.unwrap();
                tx.commit().await.unwrap();
            })
        };
        let user = chain.is_none().then(|| {
            let access = Access::new(s.clone());
            tokio::spawn(async move {
                let new = NewUser {
                    username: "静止时新增",
                    display_name: "静止时新增",
                    roles: &[Role::Cashier],
                    communities: &[],
                    street: "",
                    password: None,
                };
                access.add_user(&new).await.unwrap();
            })
        });
        // Room for both to commit, were they not held off or out of the view.
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        let mut view = steady.read().await.unwrap();
        assert_eq!(
            view.audit_chain(chain).await.unwrap().len(),
            before,
            "the view saw an audit entry of {chain:?} made after it was taken"
        );
        if user.is_some() {
            let users = view.users().await.unwrap();
            assert!(users.iter().all(|u| u.username != "静止时新增"), "the view saw a user added after it was taken");
        }
        drop(view);
        keeper.commit().await.unwrap();
        entry.await.unwrap();
        if let Some(user) = user {
            user.await.unwrap();
        }
        let mut now = s.read().await.unwrap();
        assert!(now.audit_chain(chain).await.unwrap().len() > before, "the entry of {chain:?}, once the view ended");
        if chain.is_none() {
            assert!(now.users().await.unwrap().iter().any(|u| u.username == "静止时新增"), "the user, once the view ended");
        }
    }
    let report = mingzhang::verify::verify_all(&s).await.unwrap();
    assert!(report.is_clean(), "{}", mingzhang::cli::verify_text(&report));
    s.close().await;
}

/// `verify` run while a server takes payments (each with its audit entry) finds nothing. Its
/// reads run on several transactions, none sharing another's snapshot, so one can see a
/// payment that another read just before did not; what such reads find is looked at again with
/// the community's writers held off, and only what is still there is a finding. (Before that,
/// nearly every run on a server taking payments named a broken audit chain, a receipt number
/// "deleted" or a subledger out of step.)
#[tokio::test]
async fn verify_while_a_server_takes_payments_finds_nothing() {
    let db = fresh_db().await;
    verify_while_paying(&db.url).await;
}

/// Two communities seeded in the database at `url` (migrated, with the test people), their
/// cashiers paying through a server while `verify` runs ten times: each run clean.
pub async fn verify_while_paying(url: &str) {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;

    let url = url.to_string();
    let (a, b, _) = seed(&url).await;
    let server = spawn_app(&url);
    let s = mingzhang::store::AnyStore::connect(&url).await.unwrap();
    let fees = mingzhang::fees::Fees::new(&mingzhang::ledger::Ledger::new(s.clone()));
    let stop = Arc::new(AtomicBool::new(false));
    let mut cashiers = Vec::new();
    for (k, (community, cashier)) in [(a, "cashier_a"), (b, "cashier_b")].into_iter().enumerate() {
        let household = fees.household_by_label(mingzhang::domain::ids::CommunityId(community), "1-1-101").await.unwrap().id;
        let (token, to, stop) =
            (token(&url, cashier).await, server.url(&format!("/api/v1/communities/{community}/payments")), stop.clone());
        cashiers.push(tokio::spawn(async move {
            let c = reqwest::Client::new();
            let mut paid = 0;
            while !stop.load(Ordering::Relaxed) {
                let body = serde_json::json!({ "household_id": household, "amount": "0.10", "method": "cash", "date": "2025-01-15" });
                let r = c.post(&to).bearer_auth(&token).header("idempotency-key", format!("v{k}-{paid}")).json(&body).send().await.unwrap();
                assert_eq!(r.status().as_u16(), 201, "{}", r.text().await.unwrap());
                paid += 1;
            }
            paid
        }));
    }
    for _ in 0..10 {
        let report = verify_all(&s).await.unwrap();
        assert!(report.is_clean(), "{}", mingzhang::cli::verify_text(&report));
    }
    stop.store(true, Ordering::Relaxed);
    for cashier in cashiers {
        assert!(cashier.await.unwrap() > 0, "each cashier took payments while verify ran");
    }
    let report = verify_all(&s).await.unwrap();
    assert!(report.is_clean(), "{}", mingzhang::cli::verify_text(&report));
    mingzhang::store::Store::close(&s).await;
}
