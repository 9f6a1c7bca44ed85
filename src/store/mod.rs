//! Storage: a `Store` hands out transactions of one engine, SQLite or PostgreSQL, chosen by the
//! database URL's scheme (DESIGN.md section 5). A transaction (`Tx`) is a connection inside
//! BEGIN … COMMIT; each wing adds the statements it needs as a trait of its own next to its SQL
//! (`ledger::store::LedgerTx`, `fees::store::FeesTx`), declared with `wing_tx!` and implemented
//! for both engines' transaction types from one source, so a new capability adds files and does
//! not edit another wing's. The program works on `AnyStore`, either engine behind one type
//! (`any`), so that everything above the SQL is compiled once.
//! Each engine's own rules (triggers, types) live in `migrations/<engine>/`.
//!
//! A wing composes its statements inside one `Tx`, so an operation either commits whole or
//! leaves nothing behind (invariant 8).

mod affinity;
mod any;
pub mod backup;
pub mod citus;
mod constraint;
mod engine;
pub mod health;
mod types;

pub(crate) use types::text_enum;

use std::future::Future;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

pub use any::AnyTx;
pub use engine::{PgStore, PgTx, SqliteStore, SqliteTx, PG_CONNECTIONS};

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
    /// A read meant to span communities (the finance office's overview, a district report):
    /// on Citus it may run on every shard, which the multi-shard guard
    /// (`citus.multi_task_query_log_level`) otherwise refuses; elsewhere it is `read`.
    fn read_across(&self) -> impl Future<Output = Result<Self::Tx>> + Send {
        self.read()
    }
    /// A view of the store in which `community`'s chained rows stand still (its books' chains
    /// and receipt numbers, its master data, its audit log; with None, the chains of no
    /// community: the audit entries of none, the users' and roles' versions), for as long as
    /// the transaction given with it is open; ending that transaction (`commit`) ends the view.
    /// `verify` looks again in it at what its reads found, as reads on several transactions
    /// can see a write land between two of them.
    ///
    /// On PostgreSQL every read of the view shares one snapshot (`pg_export_snapshot`): no
    /// writer waits, and a user with SELECT alone may take it. Citus keeps no snapshot across a
    /// coordinator's transactions and SQLite none across connections: there the transaction
    /// holds the writers off instead (the rows each writer takes first, FOR UPDATE, an audit
    /// chain's empty head made first when it has no entry yet; on SQLite the write lock).
    fn steady(&self, community: Option<crate::domain::ids::CommunityId>) -> impl Future<Output = Result<(Self, Self::Tx)>> + Send;
    /// A store for reads of `community`'s own rows (and of the tables every node holds), run
    /// where those rows lie. On Citus that is the worker holding the community's shards: Citus
    /// takes a query on any node once its metadata is synced (its default), and there it reads
    /// the shards in place, where through the coordinator every row is read by the worker,
    /// sent to the coordinator and sent on again. The audit log, which stays on the coordinator,
    /// is not read through it. Elsewhere, or when the worker cannot be reached, the store
    /// itself.
    fn near(&self, _community: crate::domain::ids::CommunityId) -> impl Future<Output = Self> + Send {
        let same = self.clone();
        async move { same }
    }
    fn close(&self) -> impl Future<Output = ()> + Send;
    /// Whether writes go fastest from one thread pinned beside the engine's writer (SQLite,
    /// see `affinity`): a server then gives its stream of writes such a thread.
    fn pinned_writer(&self) -> bool {
        false
    }
    /// Whether one transaction may write several communities' rows at no extra cost: not on
    /// Citus, where it would commit on each of their workers (two-phase) instead of one.
    fn transactions_span_communities(&self) -> bool {
        true
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

/// Ids as an SQL list of integer literals (`1,2,3`; `NULL` for none, which matches nothing):
/// for statements over any number of ids, which are the database's own integers, never text
/// from outside.
pub(crate) fn id_literals(ids: impl IntoIterator<Item = i64>) -> String {
    let list: Vec<String> = ids.into_iter().map(|id| id.to_string()).collect();
    if list.is_empty() {
        return "NULL".into();
    }
    list.join(",")
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

/// The SQLite file a `--db` value names. A plain path is a path, taken as written: `lit%41.db`
/// is the file of that name. Only an `sqlite:` URL (`sqlite://x.db`, `sqlite:x.db`) is a URL,
/// its `%XX` escapes decoded as every URL's are. A query (`x.db?mode=memory`) is refused either
/// way, since its options would change where the books are kept.
pub(crate) fn sqlite_file(url: &str) -> Result<PathBuf> {
    let (path, is_url) = match url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")) {
        Some(path) => (path, true),
        None => (url, false),
    };
    if path.contains('?') {
        return Err(Error::invalid(
            "--db",
            format!("SQLite 数据库“{path}”不能带查询参数（如 ?mode=memory，会使账簿不写入文件）；请只写文件路径"),
        ));
    }
    if path.is_empty() {
        return Err(Error::invalid("--db", "未写数据库文件的路径，例如 --db 账本.db"));
    }
    if !is_url {
        return Ok(PathBuf::from(path));
    }
    percent_decoded(path).map(PathBuf::from).ok_or_else(|| {
        Error::invalid("--db", format!("“{url}”中的 % 须为 %XX 形式的 UTF-8 转义；文件名含 % 时请直接写路径，不加 sqlite: 前缀"))
    })
}

/// `text` with each `%XX` replaced by its byte, if the escapes are whole and the result is
/// UTF-8.
fn percent_decoded(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
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
    /// Opens existing books. `postgres://…` or `postgresql://…` selects PostgreSQL; `sqlite:…`
    /// or a plain file path (see `sqlite_file`) selects an SQLite file, which must exist: only
    /// `create` makes one, so a mistyped path never opens an empty book. Migrations are
    /// applied at connect.
    ///
    /// A PostgreSQL URL's query (`?sslmode=require`) is the driver's and honoured. A database
    /// that cannot be opened is named in the error (without a password), with what to do.
    pub async fn connect(url: &str) -> Result<AnyStore> {
        AnyStore::open(url, false).await
    }

    /// As `connect`, but a missing SQLite file is created (`init`, the demo, a test's database).
    pub async fn create(url: &str) -> Result<AnyStore> {
        AnyStore::open(url, true).await
    }

    async fn open(url: &str, create: bool) -> Result<AnyStore> {
        if is_postgres(url) {
            return PgStore::connect(url).await.map(AnyStore::Postgres).map_err(|e| opening_failed(url, e));
        }
        let path = sqlite_file(url)?;
        let shown = path.display();
        if path.is_dir() {
            return Err(Error::invalid(
                "--db",
                format!("“{shown}”是文件夹，不是数据库文件；请写出其中的数据库文件，例如 {}", path.join("账本.db").display()),
            ));
        }
        if !create && !path.exists() {
            return Err(Error::invalid(
                "--db",
                format!("数据库文件 {shown} 不存在（路径写错了？）；新建账本请先运行：mingzhang --db {shown} init 社区名称"),
            ));
        }
        if path.exists() && !writable(&path) {
            return Err(Error::invalid(
                "--db",
                format!("数据库文件 {shown} 为只读，此命令须写入；只读的账簿可用 report、verify、anchor、export 读取"),
            ));
        }
        SqliteStore::open(&path, create).await.map(AnyStore::Sqlite).map_err(|e| opening_failed(url, e))
    }

    /// Opens the books for a command that only reads them: as `connect` does, except that an
    /// SQLite file this process may not write is opened read-only (see
    /// `SqliteStore::open_read_only`) instead of failing. A PostgreSQL user granted only
    /// SELECT reads through `connect` already.
    pub async fn connect_for_reading(url: &str) -> Result<AnyStore> {
        if is_postgres(url) {
            return AnyStore::connect(url).await;
        }
        let path = sqlite_file(url)?;
        if !path.is_file() || writable(&path) {
            return AnyStore::connect(url).await;
        }
        SqliteStore::open_read_only(&path).await.map(AnyStore::Sqlite).map_err(|e| opening_failed(url, e))
    }

    /// For a process that writes from one thread (the command line, the benchmarks): keeps
    /// SQLite's writer on the caller's core (see `affinity`). PostgreSQL needs nothing.
    pub fn pin_writer_here(&self) {
        if self.pinned_writer() {
            affinity::pin_writer_beside_caller();
        }
    }
}

/// A database that would not open: the file or the server named (without a password), why in
/// words, and what to do. The drivers' own texts ("file is not a database", "password
/// authentication failed", "pool timed out") are English and name neither.
fn opening_failed(url: &str, e: Error) -> Error {
    let reason = match &e {
        Error::Database(_) | Error::Migrate(_) | Error::Io(_) if is_postgres(url) => postgres_refusal(url, &e),
        Error::Database(_) | Error::Migrate(_) | Error::Io(_) => sqlite_refusal(url, &e),
        _ => return e,
    };
    tracing::debug!(error = %e, "the database would not open");
    Error::invalid("--db", reason)
}

/// The driver's error under one of ours, if any.
fn sqlx_error(e: &Error) -> Option<&sqlx::Error> {
    use sqlx::migrate::MigrateError as M;
    match e {
        Error::Database(e) | Error::Migrate(M::Execute(e) | M::ExecuteMigration(e, _)) => Some(e),
        _ => None,
    }
}

/// Why an SQLite file would not open, by SQLite's (primary) result code.
fn sqlite_refusal(url: &str, e: &Error) -> String {
    let file = sqlite_file(url).map_or_else(|_| url.to_string(), |p| p.display().to_string());
    let code = match sqlx_error(e) {
        Some(sqlx::Error::Database(d)) => d.code().and_then(|c| c.parse::<i32>().ok()).map(|c| c & 0xff),
        _ => None,
    };
    match code {
        // SQLITE_NOTADB
        Some(26) => format!("“{file}”不是 SQLite 数据库文件（可能是 CSV、文本或其他文件，或已损坏）；请检查 --db 指定的文件"),
        // SQLITE_CANTOPEN
        Some(14) => format!("无法打开数据库文件 {file}：所在文件夹不存在或无权访问；请检查路径"),
        // SQLITE_IOERR
        Some(10) => format!("读写数据库文件 {file} 出错（它不是普通文件，或磁盘有错）；请检查 --db 指定的文件"),
        // SQLITE_READONLY, SQLITE_PERM
        Some(8 | 3) => format!("数据库文件 {file} 无法写入（只读或无权限）"),
        _ => format!("无法打开数据库文件 {file}：{e}"),
    }
}

/// Why a PostgreSQL server would not open the books, by its SQLSTATE or the connection's fate.
fn postgres_refusal(url: &str, e: &Error) -> String {
    let shown = redacted(url);
    let Ok(options) = <sqlx::postgres::PgConnectOptions as std::str::FromStr>::from_str(url) else {
        return format!("PostgreSQL 地址“{shown}”无法解析；应写作 postgres://用户:密码@主机:端口/数据库");
    };
    let server = format!("PostgreSQL 服务器 {}:{}", options.get_host(), options.get_port());
    let database = options.get_database().unwrap_or(options.get_username()).to_string();
    let user = options.get_username();
    match sqlx_error(e) {
        Some(sqlx::Error::Database(d)) => match d.code().as_deref() {
            Some("28P01") => format!("{server} 拒绝了用户“{user}”的密码；请检查 --db（{shown}）中的用户名和密码"),
            Some("28000") => format!("{server} 不允许用户“{user}”登录数据库“{database}”；请检查用户名或服务器的访问设置（pg_hba.conf）"),
            Some("3D000") => {
                format!("{server} 上没有数据库“{database}”；请先创建（createdb {database}），或检查 --db（{shown}）中的数据库名")
            }
            Some("42501") => format!("{server} 上的用户“{user}”无权建立或读取明账的表；请由管理员授权"),
            _ => format!("{server} 上的数据库“{database}”无法打开：{e}"),
        },
        Some(sqlx::Error::Tls(_)) => format!("与 {server} 的加密连接（TLS）无法建立；请检查 --db 中的 sslmode"),
        Some(sqlx::Error::Configuration(_)) => format!("PostgreSQL 地址“{shown}”无法解析；应写作 postgres://用户:密码@主机:端口/数据库"),
        Some(
            sqlx::Error::Io(_)
            | sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::Protocol(_)
            | sqlx::Error::WorkerCrashed,
        ) => format!("无法连接 {server}（服务器未启动、端口不对或网络不通）；请检查 --db（{shown}）中的地址和端口，以及服务器是否在运行"),
        _ => format!("{server} 上的数据库“{database}”无法打开：{e}"),
    }
}

/// Whether this process may write the file at `path`.
fn writable(path: &Path) -> bool {
    std::fs::OpenOptions::new().write(true).open(path).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plain_path_is_a_path_and_only_an_sqlite_url_is_decoded() {
        assert_eq!(sqlite_file("lit%41.db").unwrap(), PathBuf::from("lit%41.db"));
        assert_eq!(sqlite_file("sqlite:lit%41.db").unwrap(), PathBuf::from("litA.db"));
        assert_eq!(sqlite_file("sqlite://dir/%E8%B4%A6.db").unwrap(), PathBuf::from("dir/账.db"));
        assert_eq!(sqlite_file("sqlite:///tmp/x.db").unwrap(), PathBuf::from("/tmp/x.db"));
        assert!(sqlite_file("sqlite:50%.db").is_err(), "a bare % in a URL");
        assert!(sqlite_file("x.db?mode=memory").is_err());
        assert!(sqlite_file("sqlite:x.db?mode=memory").is_err());
        assert!(sqlite_file("").is_err());
    }
}
