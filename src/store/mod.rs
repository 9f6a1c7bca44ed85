//! Storage: a `Store` hands out transactions of one engine, SQLite or PostgreSQL, chosen by the
//! database URL's scheme (DESIGN.md section 5). A transaction (`Tx`) is a connection inside
//! BEGIN … COMMIT; each wing adds the statements it needs as a trait of its own next to its SQL
//! (`ledger::store::LedgerTx`, `fees::store::FeesTx`), implemented for both engines' transaction
//! types from one source, so a new capability adds files and does not edit another wing's.
//! Each engine's own rules (triggers, types) live in `migrations/<engine>/`.
//!
//! A wing composes its statements inside one `Tx`, so an operation either commits whole or
//! leaves nothing behind (invariant 8).

mod affinity;
pub mod backup;
mod constraint;
mod engine;
mod types;

pub(crate) use types::text_enum;

use std::future::Future;

use crate::error::{Error, Result};

pub use engine::{PgStore, PgTx, SqliteStore, SqliteTx};

/// Rows per multi-row INSERT: keeps the bound parameters under SQLite's 32,766 and
/// PostgreSQL's 65,535 for the widest row written this way (14 values).
pub(crate) const ROWS_PER_INSERT: usize = 2_000;

/// A database engine: hands out transactions.
pub trait Store: Clone + Send + Sync + 'static {
    type Tx: Tx;
    /// Which engine, for messages and benchmarks.
    fn engine(&self) -> &'static str;
    /// Starts a transaction that will write: on SQLite it takes the write lock at once
    /// (BEGIN IMMEDIATE) so two writers never deadlock upgrading a read lock.
    fn begin(&self) -> impl Future<Output = Result<Self::Tx>> + Send;
    /// Starts a transaction that only reads; on SQLite several run at once beside a writer.
    fn read(&self) -> impl Future<Output = Result<Self::Tx>> + Send;
    fn close(&self) -> impl Future<Output = ()> + Send;
    /// Whether writes go fastest from one thread pinned beside the engine's writer (SQLite,
    /// see `affinity`): a server then gives its stream of writes such a thread.
    fn pinned_writer(&self) -> bool {
        false
    }
}

/// Pins the calling thread beside SQLite's writer (see `affinity`).
pub(crate) fn pin_writer_beside_caller() {
    affinity::pin_writer_beside_caller();
}

/// One transaction. Dropping it without `commit` rolls everything back. Each wing adds its
/// statements as a trait of its own, implemented for both engines' transactions beside its SQL
/// (`ledger::store::LedgerTx`, `fees::store::FeesTx`), and names the stores whose transactions
/// have them (`LedgerStore`, `FeesStore`): storage knows no wing.
pub trait Tx: Send {
    fn commit(self) -> impl Future<Output = Result<()>> + Send;
    /// Marks a point inside the transaction to come back to (one level: a group commit keeps
    /// each of its operations between `savepoint` and a release or a rollback to it).
    fn savepoint(&mut self) -> impl Future<Output = Result<()>> + Send;
    fn release_savepoint(&mut self) -> impl Future<Output = Result<()>> + Send;
    /// Undoes everything since `savepoint`, also after a failed statement (which on
    /// PostgreSQL leaves the transaction unusable until then).
    fn rollback_to_savepoint(&mut self) -> impl Future<Output = Result<()>> + Send;
    /// Whether writers already take turns from the transaction's first statement (SQLite's
    /// BEGIN IMMEDIATE), so that nothing need be claimed before reading what is to be written.
    fn writers_take_turns(&self) -> bool;
}

/// A database URL as it may be shown: a password in it replaced by `***`.
pub fn redacted(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_string() };
    match rest.split_once('@') {
        Some((user_info, host)) if user_info.contains(':') => {
            let user = user_info.split(':').next().unwrap_or_default();
            format!("{scheme}://{user}:***@{host}")
        }
        _ => url.to_string(),
    }
}

/// The SQLite file a `--db` value names (`sqlite://x.db`, `sqlite:x.db` or the path itself).
pub(crate) fn sqlite_path(url: &str) -> &str {
    url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")).unwrap_or(url)
}

/// Whether a `--db` value names a PostgreSQL server rather than an SQLite file.
pub fn is_postgres(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

#[derive(Clone)]
pub enum AnyStore {
    Sqlite(SqliteStore),
    Postgres(PgStore),
}

impl AnyStore {
    /// `postgres://…` or `postgresql://…` selects PostgreSQL; `sqlite:…` or a plain file path
    /// selects an SQLite file (created if missing). Migrations are applied at connect.
    ///
    /// A PostgreSQL URL's query (`?sslmode=require`) is the driver's and honoured; an SQLite
    /// path with one (`x.db?mode=memory`) is refused, since its options would change where the
    /// books are kept. A database that cannot be opened is named in the error (without a
    /// password), beside the driver's reason.
    pub async fn connect(url: &str) -> Result<AnyStore> {
        let opened = match is_postgres(url) {
            true => PgStore::connect(url).await.map(AnyStore::Postgres),
            false => {
                let path = sqlite_path(url);
                if path.contains('?') {
                    return Err(Error::invalid(
                        "--db",
                        format!("SQLite 数据库“{path}”不能带查询参数（如 ?mode=memory，会使账簿不写入文件）；请只写文件路径"),
                    ));
                }
                if std::path::Path::new(path).exists() && !writable(path) {
                    return Err(Error::invalid(
                        "--db",
                        format!("数据库文件 {path} 为只读，此命令须写入；只读的账簿可用 report、verify、anchor、export 读取"),
                    ));
                }
                SqliteStore::open(path).await.map(AnyStore::Sqlite)
            }
        };
        opened.map_err(|e| match e {
            Error::Database(_) | Error::Migrate(_) | Error::Io(_) => {
                Error::invalid("--db", format!("无法打开数据库 {}：{e}", redacted(url)))
            }
            other => other,
        })
    }

    /// Opens the books for a command that only reads them: as `connect` does, except that an
    /// SQLite file this process may not write is opened read-only (see
    /// `SqliteStore::open_read_only`) instead of failing. A PostgreSQL user granted only
    /// SELECT reads through `connect` already.
    pub async fn connect_for_reading(url: &str) -> Result<AnyStore> {
        let path = sqlite_path(url);
        if is_postgres(url) || path.contains('?') || !std::path::Path::new(path).exists() || writable(path) {
            return AnyStore::connect(url).await;
        }
        SqliteStore::open_read_only(path).await.map(AnyStore::Sqlite).map_err(|e| match e {
            Error::Database(_) | Error::Io(_) => Error::invalid("--db", format!("无法只读打开数据库 {}：{e}", redacted(url))),
            other => other,
        })
    }

    /// For a process that writes from one thread (the command line, the benchmarks): keeps
    /// SQLite's writer on the caller's core (see `affinity`). PostgreSQL needs nothing.
    pub fn pin_writer_here(&self) {
        if crate::with_store!(self, s => s.pinned_writer()) {
            affinity::pin_writer_beside_caller();
        }
    }
}

/// Whether this process may write the file at `path`.
fn writable(path: &str) -> bool {
    std::fs::OpenOptions::new().write(true).open(path).is_ok()
}

/// Runs `$body` with `$store` bound to the concrete store of either engine, so that generic
/// code is written once and monomorphised for both.
#[macro_export]
macro_rules! with_store {
    ($any:expr, $store:ident => $body:expr) => {
        match $any {
            $crate::store::AnyStore::Sqlite($store) => $body,
            $crate::store::AnyStore::Postgres($store) => $body,
        }
    };
}
