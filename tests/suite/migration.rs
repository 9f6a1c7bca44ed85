//! A database made by the previous release (0.1, at migration 0004) migrates in place to the
//! community keys of 0006 and stays verifiably the same books: tests/fixtures/release-0.1.db
//! (SQLite) and tests/fixtures/release-0.1-postgres.sql (pg_dump --inserts of the same data),
//! both made by tests/fixtures/make-release-db.sh with the old binary. The SQLite fixture runs
//! by default, the PostgreSQL one when MINGZHANG_TEST_PG is set.

use crate::common;

use common::*;
use mingzhang::access::Role;
use mingzhang::domain::money::Fen;
use mingzhang::fees::{Method, PaymentRequest};
use mingzhang::ledger::Ledger;
use mingzhang::verify::verify_all;
use sqlx::Connection;

const COMPANY_HEAD: &str = "1045953dca8500a8ebdee5c10ecd667f2fa1e39d376dd38db9ff4ed13394fd01";
const COLLECTIVE_HEAD: &str = "ea601f2717363a09c79bdb565683846b3220cdc6d0bf88cdf39c32df7ca8c844";

/// Loads the release's database into a fresh one of the engine under test; returns its URL
/// (and the guard that keeps an SQLite copy alive).
async fn release_db() -> TestDb {
    let fixtures = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");
    let db = empty_db().await;
    if is_pg(&db.url) {
        let dump = std::fs::read_to_string(format!("{fixtures}/release-0.1-postgres.sql")).unwrap();
        let mut conn = sqlx::PgConnection::connect(&db.url).await.unwrap();
        sqlx::raw_sql(&dump).execute(&mut conn).await.expect("load the release's dump");
        conn.close().await.unwrap();
    } else {
        // A copy: opening migrates the file in place, and the fixture must stay as it was made.
        std::fs::copy(format!("{fixtures}/release-0.1.db"), &db.url).unwrap();
    }
    db
}

async fn raw_names(url: &str, sql: &str) -> Vec<String> {
    if is_pg(url) {
        let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
        sqlx::query_scalar(sql).fetch_all(&mut conn).await.unwrap()
    } else {
        let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{url}")).await.unwrap();
        sqlx::query_scalar(sql).fetch_all(&mut conn).await.unwrap()
    }
}

async fn versions(url: &str) -> Vec<i64> {
    if is_pg(url) {
        let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
        sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success ORDER BY version").fetch_all(&mut conn).await.unwrap()
    } else {
        let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{url}")).await.unwrap();
        sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success ORDER BY version").fetch_all(&mut conn).await.unwrap()
    }
}

/// The versions of the engine's migration files (read from the folder, so that a migration
/// added on another branch needs no edit here).
fn migration_files(url: &str) -> Vec<i64> {
    let dir = format!("{}/migrations/{}", env!("CARGO_MANIFEST_DIR"), if is_pg(url) { "postgres" } else { "sqlite" });
    let mut versions: Vec<i64> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.unwrap().file_name().to_str().and_then(|n| n.split('_').next()?.parse().ok()))
        .collect();
    versions.sort();
    versions
}

/// No row points at a missing parent (SQLite's foreign_key_check; PostgreSQL validated every
/// foreign key when the migration added it).
async fn dangling(url: &str) -> Vec<String> {
    if is_pg(url) {
        return Vec::new();
    }
    let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{url}")).await.unwrap();
    let rows: Vec<(String, Option<i64>, String, i64)> =
        sqlx::query_as("SELECT \"table\", rowid, parent, fkid FROM pragma_foreign_key_check").fetch_all(&mut conn).await.unwrap();
    rows.into_iter().map(|(t, id, parent, fk)| format!("{t} row {id:?} → {parent} (foreign key #{fk})")).collect()
}

async fn check<S: mingzhang::app::AppStore>(ledger: Ledger<S>, url: &str) {
    assert_eq!(versions(url).await, migration_files(url), "every later migration applied on top of the release's 0001–0004");
    assert_eq!(dangling(url).await, Vec::<String>::new(), "no row lost its parent");

    let report = verify_all(&ledger.store).await.unwrap();
    assert!(report.is_clean(), "verify after migrating: {:?}", report.findings);
    assert_eq!((report.books, report.vouchers, report.lines), (2, 8, 23));

    let community = ledger.community(None).await.unwrap();
    let heads: Vec<(String, i64, String)> =
        ledger.books(community.id).await.unwrap().into_iter().map(|b| (b.code, b.chain_len, b.chain_head)).collect();
    assert_eq!(
        heads,
        vec![("company".to_string(), 8, COMPANY_HEAD.to_string()), ("collective".to_string(), 0, COLLECTIVE_HEAD.to_string())],
        "the books' hash chains are the ones the release wrote"
    );

    // Everyone the release's books recorded became a user who cannot sign in, with the role
    // their place implies, in the community where they appear; 系统 has no role at all.
    let access = mingzhang::access::Access::new(ledger.store.clone());
    let people: Vec<(String, Vec<Role>, Vec<i64>, bool)> = access
        .users()
        .await
        .unwrap()
        .into_iter()
        .map(|u| (u.username, u.roles, u.communities.into_iter().map(|c| c.0).collect(), u.can_log_in))
        .collect();
    let cashier = people.iter().find(|p| p.0 == "出纳").expect("the release's cashier is a user");
    assert!(cashier.1.contains(&Role::Cashier) && cashier.2 == vec![community.id.0] && !cashier.3, "{cashier:?}");
    assert!(people.contains(&("系统".to_string(), vec![], vec![], false)), "{people:?}");
    assert!(people.iter().any(|(_, roles, _, _)| roles.contains(&Role::Reviewer)), "the release's reviewers: {people:?}");
    let makers: Vec<String> = raw_names(url, "SELECT DISTINCT maker FROM vouchers").await;
    for maker in makers.iter().filter(|m| m.as_str() != "系统") {
        assert!(people.iter().any(|(name, roles, _, _)| name == maker && roles.contains(&Role::Accountant)), "{maker}: {people:?}");
    }

    // The migrated database takes new writes: a payment (receipt, voucher, allocations, flows,
    // maintained balances, all through the new keys and ON CONFLICT targets)…
    let book = ledger.book(community.id, "company").await.unwrap();
    // The 现金流量表 of the release's journal is built the first time it is read…
    let fees_received = |s: &mingzhang::report::statement::Statement| s.value(1, 0).unwrap_or_default().0;
    let before = mingzhang::report::statement::statement(&ledger.store, &book, "cash_flow", period(2025, 2)).await.unwrap();
    assert!(before.checks_hold(), "{:?}", before.checks);
    let households = ledger.fees().households(community.id).await.unwrap();
    let zhang = households.iter().find(|h| (h.building.as_str(), h.unit.as_str(), h.room.as_str()) == ("1", "1", "101")).unwrap();
    let req = PaymentRequest {
        household_id: zhang.id,
        amount: Fen(12_000),
        method: Method::Cash,
        paid_on: date(2025, 2, 14),
        idempotency_key: "after-migration-1",
        cashier: "出纳",
        bill_ids: None,
        note: Default::default(),
    };
    let receipt = ledger.fees().pay(&book, &req).await.unwrap();
    assert_eq!(receipt.number, 4, "receipt numbers go on from the release's three");
    let replay = ledger.fees().pay(&book, &req).await.unwrap();
    assert!(replay.replayed, "the idempotency key still records one payment");
    assert_eq!(replay.number, 4);

    // …the day's close posts the payment, whose cash the kept sums add to line 1…
    let reviewer = &people.iter().find(|(_, roles, _, _)| roles.contains(&Role::Reviewer)).unwrap().0;
    ledger.fees().close_days(&book, date(2025, 2, 14), reviewer).await.unwrap();
    let after = mingzhang::report::statement::statement(&ledger.store, &book, "cash_flow", period(2025, 2)).await.unwrap();
    assert!(after.checks_hold(), "{:?}", after.checks);
    assert_eq!(fees_received(&after), fees_received(&before) + 12_000, "the payment's fees are line 1");

    // …and everything still verifies, with the new voucher in the chain.
    let report = verify_all(&ledger.store).await.unwrap();
    assert!(report.is_clean(), "verify after a payment: {:?}", report.findings);
    assert_eq!((report.books, report.vouchers), (2, 9));
    let company = ledger.books(community.id).await.unwrap().into_iter().find(|b| b.code == "company").unwrap();
    assert_eq!(company.chain_len, 9);
    assert_ne!(company.chain_head, COMPANY_HEAD);
    assert_eq!(dangling(url).await, Vec::<String>::new());
}

#[tokio::test]
async fn release_database_migrates_in_place() {
    let db = release_db().await;
    let store = mingzhang::store::AnyStore::connect(&db.url).await.expect("open and migrate the release's database");
    check(Ledger::new(store), &db.url).await;
}

/// The first PostgreSQL migration written after the schema could be distributed on Citus
/// (`store::citus`): from it on, each migration must also run on a distributed schema.
const FIRST_ON_CITUS: u32 = 40;

/// What Citus refuses on a distributed table, in the PostgreSQL migrations from FIRST_ON_CITUS
/// on: several subcommands in one ALTER TABLE, a column added with an inline constraint, a
/// trigger (store::citus replaces triggers only when it distributes a table).
#[test]
fn later_postgres_migrations_run_on_a_distributed_schema() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/postgres");
    let mut problems = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let number: u32 = name[..4].parse().unwrap();
        if number < FIRST_ON_CITUS {
            continue;
        }
        let text: String = std::fs::read_to_string(&path)
            .unwrap()
            .lines()
            .map(|l| l.split("--").next().unwrap_or(""))
            .collect::<Vec<_>>()
            .join("\n")
            .to_uppercase();
        // Function bodies are dollar-quoted; their semicolons are not statements'.
        let statements: Vec<String> = text
            .split("$$")
            .enumerate()
            .filter(|(i, _)| i % 2 == 0)
            .flat_map(|(_, s)| s.split(';').map(str::to_string).collect::<Vec<_>>())
            .collect();
        for s in statements.iter().map(|s| s.split_whitespace().collect::<Vec<_>>().join(" ")) {
            if s.starts_with("ALTER TABLE") {
                let depth_zero_commas = s.chars().scan(0i32, |d, c| {
                    *d += (c == '(') as i32 - (c == ')') as i32;
                    Some((*d, c))
                });
                if depth_zero_commas.filter(|(d, c)| *d == 0 && *c == ',').count() > 0 {
                    problems.push(format!("{name}: one subcommand per ALTER TABLE: {s}"));
                }
                if s.contains("ADD COLUMN") && ["CHECK", "REFERENCES", "UNIQUE", "PRIMARY KEY"].iter().any(|k| s.contains(k)) {
                    problems.push(format!("{name}: add the column, then its constraint in an ALTER TABLE of its own: {s}"));
                }
            }
            if s.starts_with("CREATE TRIGGER") || s.starts_with("CREATE OR REPLACE TRIGGER") {
                problems.push(format!("{name}: Citus refuses triggers on distributed tables: {s}"));
            }
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}
