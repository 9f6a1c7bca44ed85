//! Shared helpers for the black-box tests. Every test gets a fresh database of the engine under
//! test: an SQLite file by default, or a new PostgreSQL database when MINGZHANG_TEST_PG holds
//! the URL of a server (the CI's PostgreSQL suite sets it).
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};

use chrono::NaiveDate;
use mingzhang::access::{NewUser, Role};
use mingzhang::domain::ids::VoucherId;
use mingzhang::domain::money::Fen;
use mingzhang::domain::period::Period;
use mingzhang::fees::store::FeesStore;
use mingzhang::ledger::voucher::{Dimensions, LineInput, VoucherInput};
use mingzhang::ledger::{Book, Ledger};
use mingzhang::report;
use sqlx::{Connection, Row};

mod web;
pub use web::*;

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// A fresh, empty database URL for one test. The SQLite file lives in a temp dir kept alive by
/// the returned guard; a PostgreSQL database this suite made is dropped with it.
pub struct TestDb {
    pub url: String,
    _dir: Option<tempfile::TempDir>,
    /// The admin URL of the server on which the suite made this database.
    made_on: Option<String>,
}

impl TestDb {
    /// A database made elsewhere (a Citus cluster's), by its URL.
    pub fn at(url: String) -> TestDb {
        TestDb { url, _dir: None, made_on: None }
    }
}

impl Drop for TestDb {
    /// A run of the suite makes some 200 databases, 2.5 GB together: more than a CI machine has
    /// to spare. Dropped from a thread of its own, as this runs inside a test's runtime, with
    /// FORCE, as a server the test started may still hold connections.
    fn drop(&mut self) {
        let Some(admin) = self.made_on.take() else { return };
        let name = self.url.rsplit('/').next().unwrap_or_default().to_string();
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime");
            runtime.block_on(async {
                let mut conn = sqlx::PgConnection::connect(&admin).await?;
                sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut conn).await.map(|_| ())
            })
        })
        .join();
        if let Ok(Err(e)) = dropped {
            eprintln!("test database {} left on the server: {e}", self.url);
        }
    }
}

pub fn pg_admin_url() -> Option<String> {
    std::env::var("MINGZHANG_TEST_PG").ok().filter(|s| !s.is_empty())
}

/// The people the tests record on vouchers, closes, billing runs, payments and approvals.
/// Everyone recorded is a user (migrations/*/0020_people_are_users.sql), so `fresh_db` adds
/// them, without a password, as admins who hold every working role (so that the CLI's check of
/// role and community lets each act anywhere; `tests/cli.rs` tries the refusals).
pub const PEOPLE: &[&str] =
    &["会计甲", "主管乙", "主任丁", "会计", "主管", "主任", "出纳", "出纳丙", "刘主管", "张会计", "王会计", "李主管", "赵出纳"];

/// A fresh database of the engine under test, migrated, with the tests' `PEOPLE` as users.
pub async fn fresh_db() -> TestDb {
    with_people(empty_db().await).await
}

/// `db` migrated, with the tests' `PEOPLE` as users.
pub async fn with_people(db: TestDb) -> TestDb {
    {
        let s = mingzhang::store::AnyStore::create(&db.url).await.expect("create and migrate");
        let access = mingzhang::access::Access::new(s.clone());
        for name in PEOPLE {
            let roles = [Role::Admin, Role::Accountant, Role::Reviewer, Role::Cashier];
            let new = NewUser { username: name, display_name: name, roles: &roles, communities: &[], street: "", password: None };
            access.add_user(&new).await.expect("add a test person");
        }
        mingzhang::store::Store::close(&s).await;
    };
    db
}

/// A fresh, empty database of the engine under test: no tables yet (a restore's target, a
/// release's dump).
pub async fn empty_db() -> TestDb {
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    match pg_admin_url() {
        Some(admin) => {
            let name = format!("mz_test_{}_{}_{}", std::process::id(), n, rand_suffix());
            let mut conn = sqlx::PgConnection::connect(&admin).await.expect("connect to MINGZHANG_TEST_PG");
            sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut conn).await.expect("create test database");
            let base = admin.rsplit_once('/').map(|(b, _)| b.to_string()).expect("URL with a database name");
            TestDb { url: format!("{base}/{name}"), _dir: None, made_on: Some(admin) }
        }
        None => {
            let dir = tempfile::tempdir().expect("temp dir");
            let path = dir.path().join(format!("test{n}.db"));
            TestDb { url: path.to_string_lossy().into_owned(), _dir: Some(dir), made_on: None }
        }
    }
}

fn rand_suffix() -> u32 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0)
}

pub fn is_pg(url: &str) -> bool {
    url.starts_with("postgres")
}

pub fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

pub fn period(y: i32, m: u32) -> Period {
    Period::new(y, m).unwrap()
}

pub fn line(account: &str, debit_fen: i64, credit_fen: i64) -> LineInput {
    LineInput {
        summary: "测试分录".into(),
        account: account.into(),
        debit: Fen(debit_fen),
        credit: Fen(credit_fen),
        dimensions: Dimensions::default(),
    }
}

pub fn voucher(d: NaiveDate, lines: Vec<LineInput>) -> VoucherInput {
    VoucherInput { date: d, attachments: 1, lines }
}

/// A community with the company book (小企业会计准则) starting January 2025 and simple
/// opening balances: cash 1,000.00 and bank 9,000.00 against paid-in capital 10,000.00.
pub async fn company_book<S: FeesStore>(ledger: &Ledger<S>) -> Book {
    let c = ledger.create_community("测试社区").await.unwrap();
    let book = ledger.create_book(c.id, "company", "测试物业公司", "small_enterprise", period(2025, 1)).await.unwrap();
    ledger.import_opening(&book, "科目编码,借方余额,贷方余额\n1001,1000.00,\n100201,9000.00,\n3001,,10000.00\n").await.unwrap();
    book
}

/// Enters, reviews and posts a voucher; returns its id.
pub async fn post<S: FeesStore>(ledger: &Ledger<S>, book: &Book, input: &VoucherInput) -> VoucherId {
    let id = ledger.draft(book, "会计甲", input).await.unwrap();
    ledger.review(book, id, "主管乙").await.unwrap();
    ledger.post(book, id, "主管乙").await.unwrap();
    id
}

/// Every row of every table as text, in a stable order: two equal snapshots mean the
/// database content did not change.
pub async fn snapshot(url: &str) -> String {
    let mut out = String::new();
    if is_pg(url) {
        let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
        let tables: Vec<String> = sqlx::query_scalar("SELECT tablename::text FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")
            .fetch_all(&mut conn)
            .await
            .unwrap();
        for t in tables {
            out += &format!("== {t}\n");
            let rows: Vec<String> =
                sqlx::query_scalar(&format!("SELECT t::text FROM {t} t ORDER BY 1")).fetch_all(&mut conn).await.unwrap();
            out += &rows.join("\n");
        }
    } else {
        let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{url}")).await.unwrap();
        let tables: Vec<String> =
            sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY 1").fetch_all(&mut conn).await.unwrap();
        for t in tables {
            out += &format!("== {t}\n");
            let cols: Vec<String> = sqlx::query(&format!("SELECT name FROM pragma_table_info('{t}')"))
                .fetch_all(&mut conn)
                .await
                .unwrap()
                .iter()
                .map(|r| r.get(0))
                .collect();
            let expr = cols.iter().map(|c| format!("quote({c})")).collect::<Vec<_>>().join(" || '|' || ");
            let rows: Vec<String> = sqlx::query_scalar(&format!("SELECT {expr} FROM {t} ORDER BY 1")).fetch_all(&mut conn).await.unwrap();
            out += &rows.join("\n");
        }
    }
    out
}

/// Runs an SQL statement directly against the database, as someone with the database password
/// (and not the application) could.
pub async fn raw_sql(url: &str, sql: &str) -> Result<u64, sqlx::Error> {
    if is_pg(url) {
        let mut conn = sqlx::PgConnection::connect(url).await?;
        Ok(sqlx::query(sql).execute(&mut conn).await?.rows_affected())
    } else {
        let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{url}")).await?;
        Ok(sqlx::query(sql).execute(&mut conn).await?.rows_affected())
    }
}

/// The built binary, for tests of the command line.
pub fn mingzhang() -> Command {
    Command::new(env!("CARGO_BIN_EXE_mingzhang"))
}

/// The binary on `db` with `args`: its exit code, stdout and stderr.
pub fn run(db: &str, args: &[&str]) -> (i32, String, String) {
    let out = mingzhang().arg("--db").arg(db).args(args).output().expect("run mingzhang");
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

/// As `run`, which must succeed; its stdout.
pub fn ok(db: &str, args: &[&str]) -> String {
    let (code, out, err) = run(db, args);
    assert_eq!(code, 0, "mingzhang {args:?} failed: {err}{out}");
    out
}

/// Whether an external oracle (hledger, pdftotext) must be present: CI sets
/// MINGZHANG_REQUIRE_ORACLES=1 so a missing tool fails there instead of being skipped.
pub fn oracle_available(program: &str) -> bool {
    // hledger answers --version; poppler's tools answer -v.
    let found = ["--version", "-v"].iter().any(|flag| Command::new(program).arg(flag).output().is_ok_and(|o| o.status.success()));
    if !found {
        assert!(
            std::env::var("MINGZHANG_REQUIRE_ORACLES").is_err(),
            "{program} is required (MINGZHANG_REQUIRE_ORACLES is set) but not installed"
        );
        eprintln!("SKIPPED: {program} is not installed; .ci/run installs it");
    }
    found
}

/// Text of a PDF as poppler reads it back (None when pdftotext is missing and not required).
pub fn pdf_text(pdf: &[u8]) -> Option<String> {
    if !oracle_available("pdftotext") {
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("doc.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = std::process::Command::new("pdftotext").args(["-layout", "-enc", "UTF-8"]).arg(&path).arg("-").output().unwrap();
    assert!(out.status.success(), "pdftotext failed: {}", String::from_utf8_lossy(&out.stderr));
    Some(String::from_utf8(out.stdout).unwrap())
}

/// Runs `$case(ledger, url)` on a fresh database of the engine under test.
macro_rules! on_fresh_store {
    ($case:ident) => {{
        let db = common::fresh_db().await;
        let store = mingzhang::store::AnyStore::connect(&db.url).await.expect("connect");
        $case(mingzhang::ledger::Ledger::new(store), &db.url).await
    }};
}

/// The fee wing over a test's ledger: `ledger.fees().pay(…)`.
pub trait FeeWing<S: FeesStore> {
    fn fees(&self) -> mingzhang::fees::Fees<S>;
}

impl<S: FeesStore> FeeWing<S> for Ledger<S> {
    fn fees(&self) -> mingzhang::fees::Fees<S> {
        mingzhang::fees::Fees::new(self)
    }
}

/// Leaf code → debit-positive amount, from `hledger bal` CSV.
pub fn hledger_balances(journal: &std::path::Path, period_arg: Option<&str>) -> BTreeMap<String, i64> {
    let mut cmd = std::process::Command::new("hledger");
    cmd.arg("-f").arg(journal).args(["bal", "--flat", "-N", "-O", "csv"]);
    if let Some(p) = period_arg {
        cmd.args(["-p", p]);
    }
    let out = cmd.output().expect("run hledger");
    assert!(out.status.success(), "hledger failed: {}", String::from_utf8_lossy(&out.stderr));
    let mut reader = csv::Reader::from_reader(out.stdout.as_slice());
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            let leaf = r[0].rsplit(':').next().unwrap().split(' ').next().unwrap().to_string();
            (leaf, Fen::parse(&r[1]).unwrap_or_else(|e| panic!("hledger amount {}: {e}", &r[1])).0)
        })
        .filter(|(_, v)| *v != 0)
        .collect()
}

/// Leaf code → our figure for the same range: closing balance, or net movement of a month.
pub async fn our_balances<S: FeesStore>(
    ledger: &Ledger<S>,
    book: &Book,
    from: (i32, u32),
    to: (i32, u32),
    movement_only: bool,
) -> BTreeMap<String, i64> {
    let tb = report::trial_balance(&ledger.store, book, period(from.0, from.1), period(to.0, to.1), 99).await.unwrap();
    tb.rows
        .iter()
        .filter(|r| book.chart.values().any(|a| a.code.as_str() == r.code && a.is_leaf))
        .map(|r| (r.code.clone(), if movement_only { r.totals.debit_fen - r.totals.credit_fen } else { r.closing_fen }))
        .filter(|(_, v)| *v != 0)
        .collect()
}

/// Two households of one building: 1-1-101 张三 (100 m²) and 1-1-102 李四 (90 m²).
pub const TWO_HOUSEHOLDS: &str =
    "楼栋,单元,房号,建筑面积,类型,业主,电话\n1,1,101,100.00,住宅,张三,13900000001\n1,1,102,90.00,住宅,李四,13900000002\n";

/// A community of its own, `name`, with the company book from January 2025 and the two
/// households charged 物业服务费 (WYF, 500101) at `rate` 元/m²/月.
pub async fn two_households<S: FeesStore>(ledger: &Ledger<S>, name: &str, rate: &str) -> Book {
    let fees = mingzhang::fees::Fees::new(ledger);
    let c = ledger.create_community(name).await.unwrap();
    let book = ledger.create_book(c.id, "company", "测试物业公司", "small_enterprise", period(2025, 1)).await.unwrap();
    fees.import_households(c.id, TWO_HOUSEHOLDS.as_bytes()).await.unwrap();
    let spec = mingzhang::fees::FeeItemSpec {
        code: "WYF",
        name: "物业服务费",
        basis: mingzhang::fees::rules::FeeBasis::PerM2Month,
        revenue_account: "500101",
        late_fee_ppm_per_day: 0,
        late_fee_cap_percent: 0,
    };
    fees.add_fee_item(&book, &spec).await.unwrap();
    let residential = mingzhang::fees::rules::HouseholdKind::Residential;
    fees.add_fee_standard(&book, "WYF", residential, rate, date(2025, 1, 1), None).await.unwrap();
    book
}

/// Drops (or, on PostgreSQL, disables) every trigger, as a tamperer with the database password
/// could: what `verify` must still catch with the schema's guards gone.
pub async fn drop_guards(url: &str) {
    if is_pg(url) {
        let sql = "DO $$ DECLARE t text; BEGIN
                     FOR t IN SELECT tablename FROM pg_tables WHERE schemaname = 'public' LOOP
                       EXECUTE format('ALTER TABLE %I DISABLE TRIGGER USER', t);
                     END LOOP;
                   END $$";
        raw_sql(url, sql).await.unwrap();
    } else {
        use sqlx::Connection;
        let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{url}")).await.unwrap();
        let triggers: Vec<String> =
            sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetch_all(&mut conn).await.unwrap();
        for t in triggers {
            sqlx::query(&format!("DROP TRIGGER {t}")).execute(&mut conn).await.unwrap();
        }
    }
}

/// A copy of `source` (closed): the file, or a PostgreSQL database made from it as a template.
/// A fixture built once (the demo's books, a tampered community) is copied for each case.
pub async fn copy_of(source: &TestDb) -> TestDb {
    let copy = empty_db().await;
    if is_pg(&source.url) {
        let admin = pg_admin_url().unwrap();
        let name = |url: &str| url.rsplit('/').next().unwrap().to_string();
        let mut conn = sqlx::PgConnection::connect(&admin).await.unwrap();
        sqlx::query(&format!("DROP DATABASE {}", name(&copy.url))).execute(&mut conn).await.unwrap();
        sqlx::query(&format!("CREATE DATABASE {} TEMPLATE {}", name(&copy.url), name(&source.url))).execute(&mut conn).await.unwrap();
    } else {
        std::fs::copy(&source.url, &copy.url).unwrap();
    }
    copy
}
