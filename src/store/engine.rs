//! The SQL of both engines, written once. `impl_store!` expands the same statements for SQLite
//! and PostgreSQL; placeholders are `$n`, which both accept. Sums are cast back to BIGINT
//! because PostgreSQL widens SUM(bigint) to numeric.

use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Postgres, Sqlite};

use super::{Store, Tx};
use crate::error::Result;

#[derive(Clone)]
pub struct SqliteStore {
    /// One connection for every write transaction. SQLite admits one writer at a time anyway,
    /// and a single writer keeps its page cache warm: each connection discards its cache when
    /// another connection has committed, so rotating writers re-read the indexes on every
    /// transaction (measured: a third of a payment's time).
    writer: sqlx::SqlitePool,
    /// Read transactions (reports, `verify`'s parallel segments) run beside the writer (WAL).
    readers: sqlx::SqlitePool,
    /// Copies the WAL back into the database file beside the writer, not inside its commits;
    /// None for a file opened read-only.
    checkpointer: Option<Arc<Checkpointer>>,
}

/// Prepared statements kept per connection (sqlx keeps 100). A group commit writes its rows
/// with one multi-row INSERT per table whose text depends on the batch's size, so each size up
/// to 64 payments is a statement of its own: with 100 they pushed each other out, and preparing
/// took a sixth of the SQLite writer's time on the web benchmark.
const STATEMENT_CACHE: usize = 1024;

/// How often the background checkpoint runs.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(500);

/// The WAL size (4 KiB pages) at which a commit checkpoints by itself: a backstop should the
/// background checkpoint fall behind, far above what it lets accumulate.
const WRITER_CHECKPOINT_PAGES: &str = "100000";
/// How much of the database file a reader maps (SQLite's `mmap_size`): 4 GiB of address
/// space, not of memory; a larger file is read past it the usual way.
const READER_MMAP_BYTES: &str = "4294967296";

/// Runs `PRAGMA wal_checkpoint(PASSIVE)` on a connection of its own every CHECKPOINT_EVERY.
///
/// With SQLite's automatic checkpoint, the commit that takes the WAL past the threshold copies
/// the whole WAL back and waits for it: measured with sqlite3 on the billing run's 300,000
/// bills, the commit took 0.03 s on a short WAL and 0.39–0.55 s when it crossed 8,000 pages.
/// Which commit pays depends on what came before, so latency jumped at random. A PASSIVE
/// checkpoint never blocks readers or the writer and copies what no reader still needs.
struct Checkpointer {
    pool: sqlx::SqlitePool,
    task: tokio::task::JoinHandle<()>,
}

impl Checkpointer {
    fn start(pool: sqlx::SqlitePool) -> Checkpointer {
        let on = pool.clone();
        let task = tokio::spawn(async move {
            let mut tick = tokio::time::interval(CHECKPOINT_EVERY);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                // A failed checkpoint (the file busy, say) leaves the WAL for the next tick or
                // the writer's backstop; nothing is lost either way.
                let _ = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)").execute(&on).await;
            }
        });
        Checkpointer { pool, task }
    }

    async fn stop(&self) {
        self.task.abort();
        self.pool.close().await;
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

pub struct SqliteTx {
    pub(crate) tx: sqlx::Transaction<'static, Sqlite>,
}

impl SqliteStore {
    /// Opens an SQLite file in WAL mode, creating it if missing only when `create` says so,
    /// and applies the migrations. The path is taken as it is (never as a URL to decode).
    pub async fn open(path: &Path, create: bool) -> Result<SqliteStore> {
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(create)
            .journal_mode(SqliteJournalMode::Wal)
            // WAL with synchronous=NORMAL is durable across application crashes; a power cut can
            // lose the last commits but never corrupts the file (SQLite documentation).
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(30))
            // 16 MiB of page cache for the writer (the default is 2 MiB): the household and
            // bill indexes stay in memory for a community of 100,000 households.
            .pragma("cache_size", "-16000")
            // The background `Checkpointer` copies the WAL back; commits do only as a backstop.
            .pragma("wal_autocheckpoint", WRITER_CHECKPOINT_PAGES)
            .statement_cache_capacity(STATEMENT_CACHE);
        // The writer lives as long as the store, so its worker thread (named, see `affinity`) is
        // the one pinned.
        let writer_options = options.clone().thread_name(|id| format!("{}-{id}", super::affinity::WRITER_THREAD_PREFIX));
        // Turning a new file to WAL takes its lock without SQLite's busy wait: a process that
        // opens the file while another is doing so is told "database is locked" at once, and
        // tries again.
        let mut round = 0u64;
        let writer = loop {
            let pool = SqlitePoolOptions::new().max_connections(1).idle_timeout(None).max_lifetime(None);
            match pool.connect_with(writer_options.clone()).await {
                Ok(pool) => break pool,
                Err(sqlx::Error::Database(e)) if e.code().as_deref() == Some("5") && round < 50 => {
                    round += 1;
                    tokio::time::sleep(Duration::from_millis(10 * round)).await;
                }
                Err(e) => return Err(e.into()),
            }
        };
        migrate_racing_openers(&writer).await?;
        // Readers keep SQLite's default 2 MiB cache: any commit by the writer empties it, and
        // `verify` streams the journal through it once. They map the file instead of copying
        // each page out of the OS cache with a read (a third of `verify`'s system time).
        let readers = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options.clone().read_only(true).pragma("cache_size", "-2000").pragma("mmap_size", READER_MMAP_BYTES))
            .await?;
        let checkpoints = SqlitePoolOptions::new().max_connections(1).connect_with(options.pragma("cache_size", "-2000")).await?;
        Ok(SqliteStore { writer, readers, checkpointer: Some(Arc::new(Checkpointer::start(checkpoints))) })
    }

    /// Opens an SQLite file this process may not write (a copy kept read-only, another user's
    /// books) for reading commands. It is opened immutable: SQLite then needs neither the WAL's
    /// shared-memory file nor a lock, which a read-only directory would refuse; nobody may write
    /// the file meanwhile, which its permissions say. It must already be up to date, since
    /// migrating writes; every write is refused by SQLite.
    pub async fn open_read_only(path: &Path) -> Result<SqliteStore> {
        // A WAL left with commits in it (its writer killed) holds part of the books: immutable
        // would not read it, so SQLite reads it through its existing shared-memory file.
        let mut wal = path.as_os_str().to_owned();
        wal.push("-wal");
        let pending_wal = std::fs::metadata(wal).is_ok_and(|m| m.len() > 0);
        let options = SqliteConnectOptions::new().filename(path).read_only(true).immutable(!pending_wal).foreign_keys(true);
        let readers = SqlitePoolOptions::new().max_connections(4).connect_with(options.clone()).await?;
        let applied: Vec<(i64, Vec<u8>)> =
            sqlx::query_as("SELECT version, checksum FROM _sqlx_migrations WHERE success").fetch_all(&readers).await.unwrap_or_default();
        if !migrations_applied(&applied, &migrator(false)) {
            return Err(crate::error::Error::invalid(
                "--db",
                format!("数据库文件 {} 为只读，且其结构较本程序旧：须先以可写方式打开一次（升级），才能只读使用", path.display()),
            ));
        }
        let writer = SqlitePoolOptions::new().max_connections(1).connect_with(options).await?;
        Ok(SqliteStore { writer, readers, checkpointer: None })
    }
}

/// Applies the SQLite migrations, also when other processes open the same new file at the same
/// moment. Each migration commits with its row in `_sqlx_migrations`, but which ones are applied
/// is read before they run: a process that read "none" while another was applying the first
/// fails on "table … already exists". It then reads again and applies what is left; the
/// writers queue on SQLite's lock (busy_timeout), so a few rounds always settle it.
async fn migrate_racing_openers(writer: &sqlx::SqlitePool) -> Result<()> {
    const ROUNDS: u32 = 20;
    let mut round = 0;
    loop {
        match migrator(false).run(writer).await {
            Ok(()) => return Ok(()),
            Err(sqlx::migrate::MigrateError::Execute(_) | sqlx::migrate::MigrateError::ExecuteMigration(..)) if round < ROUNDS => {
                round += 1;
                tokio::time::sleep(Duration::from_millis(20 * u64::from(round))).await;
            }
            Err(e) => return Err(e.into()),
        }
    }
}

impl Store for SqliteStore {
    type Tx = SqliteTx;
    fn engine(&self) -> &'static str {
        "sqlite"
    }
    fn pinned_writer(&self) -> bool {
        true
    }
    async fn begin(&self) -> Result<SqliteTx> {
        Ok(SqliteTx { tx: self.writer.begin_with("BEGIN IMMEDIATE").await? })
    }
    async fn read(&self) -> Result<SqliteTx> {
        Ok(SqliteTx { tx: self.readers.begin().await? })
    }
    async fn steady(&self, _: Option<crate::domain::ids::CommunityId>) -> Result<(SqliteStore, SqliteTx)> {
        // One writer at a time: holding the write lock holds off every writer.
        Ok((self.clone(), self.begin().await?))
    }
    async fn close(&self) {
        if let Some(checkpointer) = &self.checkpointer {
            checkpointer.stop().await;
            // Everything committed goes into the database file now: the WAL is removed only by
            // the last connection to close, and the pools' connections close on their own
            // threads in no promised order, so a WAL could stay behind (a reader of a read-only
            // copy then needs it). Truncated, it holds nothing.
            let _ = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&self.writer).await;
        }
        self.readers.close().await;
        // The last connection to close checkpoints what is left and removes the WAL.
        self.writer.close().await
    }
}

/// A process's connections to PostgreSQL: the payments' group commits take half
/// (`http::batch`), billing runs and pages the rest.
pub const PG_CONNECTIONS: u32 = 16;

#[derive(Clone)]
pub struct PgStore {
    pool: sqlx::PgPool,
    /// The database is a Citus coordinator: a read across communities turns Citus's
    /// multi-shard guard off (`read_across`).
    citus: bool,
    /// Every read shares this snapshot (exported by the transaction `steady` gave with it).
    snapshot: Option<std::sync::Arc<str>>,
    /// On a Citus coordinator, the pools to the workers that reads of one community went to
    /// (`near`); None elsewhere.
    workers: Option<Arc<Workers>>,
    /// A store `near` gave: its pool is a worker's, shared, and closed with the coordinator's.
    near: bool,
}

/// The coordinator's connection options, and by each worker's group (`pg_dist_node.groupid`)
/// the pool to it that a community's reads went to, or when it was last found out of reach.
struct Workers {
    options: PgConnectOptions,
    reached: tokio::sync::Mutex<std::collections::HashMap<i32, Reached>>,
}

enum Reached {
    Pool(sqlx::PgPool),
    /// Tried again once `RETRY_WORKER_AFTER` has passed; meanwhile reads go through the
    /// coordinator without waiting on it.
    Failed(std::time::Instant),
}

const RETRY_WORKER_AFTER: Duration = Duration::from_secs(60);

impl Workers {
    /// A pool to the worker holding `community`'s shards, made on first use; None when no
    /// worker with Citus's metadata holds them (the coordinator does, or the worker cannot
    /// take queries of its own) or the worker was out of reach a moment ago. Its connections
    /// carry the coordinator's multi-shard guard, so that a statement meant to stay in the
    /// community's shard is held to it there as well.
    async fn pool_near(&self, coordinator: &sqlx::PgPool, community: crate::domain::ids::CommunityId) -> Result<Option<sqlx::PgPool>> {
        // `books` is colocated with every table of a community (`citus::distribute`).
        let worker: Option<(i32, String, i32, String)> = sqlx::query_as(
            "SELECT n.groupid, n.nodename::text, n.nodeport, current_setting('citus.multi_task_query_log_level')
             FROM pg_dist_placement p JOIN pg_dist_node n ON n.groupid = p.groupid
             WHERE p.shardid = get_shard_id_for_distribution_column('books', $1) AND p.shardstate = 1
               AND n.isactive AND n.noderole = 'primary' AND n.groupid <> 0 AND n.hasmetadata AND n.metadatasynced
             ORDER BY n.nodeid LIMIT 1",
        )
        .bind(community)
        .fetch_optional(coordinator)
        .await?;
        let Some((group, host, port, guard)) = worker else { return Ok(None) };
        let mut reached = self.reached.lock().await;
        match reached.get(&group) {
            Some(Reached::Pool(pool)) => return Ok(Some(pool.clone())),
            Some(Reached::Failed(at)) if at.elapsed() < RETRY_WORKER_AFTER => return Ok(None),
            _ => {}
        }
        let pool = self.connect(group, &host, port, &guard).await;
        reached.insert(group, pool.as_ref().map_or_else(|_| Reached::Failed(std::time::Instant::now()), |p| Reached::Pool(p.clone())));
        pool.map(Some)
    }

    /// A pool to the worker of `group` at `host`:`port`, checked to be that worker: a URL
    /// naming a Unix socket keeps its socket whatever the host, and would reach a server on
    /// this machine instead.
    async fn connect(&self, group: i32, host: &str, port: i32, guard: &str) -> Result<sqlx::PgPool> {
        let unreachable = |why: String| crate::error::Error::Unavailable(format!("Citus 工作节点 {host}:{port}：{why}"));
        let port = u16::try_from(port).map_err(|_| unreachable("端口无效".into()))?;
        let options = self.options.clone().host(host).port(port).options([("citus.multi_task_query_log_level", guard)]);
        let pool = pg_pool().connect_with(options).await?;
        let reached: Option<i32> = sqlx::query_scalar("SELECT groupid FROM pg_dist_local_group").fetch_optional(&pool).await?;
        if reached != Some(group) {
            pool.close().await;
            return Err(unreachable(format!("连接到的服务器不是该节点（组 {reached:?}，应为 {group}）")));
        }
        Ok(pool)
    }

    async fn close(&self) {
        for reached in self.reached.lock().await.values() {
            if let Reached::Pool(pool) = reached {
                pool.close().await;
            }
        }
    }
}

pub struct PgTx {
    pub(crate) tx: sqlx::Transaction<'static, Postgres>,
}

impl PgStore {
    pub async fn connect(url: &str) -> Result<PgStore> {
        // Reads run several at once (verify's segments); PostgreSQL's own parallel workers on
        // top of them only fight for the same cores. Set once per connection, at its start,
        // rather than by a statement in every read.
        let options =
            PgConnectOptions::from_str(url)?.statement_cache_capacity(STATEMENT_CACHE).options([("max_parallel_workers_per_gather", "0")]);
        let pool = pg_pool().connect_with(options.clone()).await?;
        let migrator = migrator(true);
        // A database already up to date is not migrated: migrating writes (it creates its
        // table if missing and takes a lock), which a user granted only SELECT, the finance
        // office's reader say, may not do. Any migration missing or changed goes through sqlx,
        // which applies it or names the change.
        if !up_to_date(&pool, &migrator).await {
            migrator.run(&pool).await?;
        }
        // On Citus the tables a migration made are distributed before anything is written.
        let citus = super::citus::has_citus(&mut *pool.acquire().await?).await?;
        if citus && !super::citus::is_distributed(&pool).await? {
            super::citus::distribute(&pool).await?;
        }
        let workers = citus.then(|| Arc::new(Workers { options, reached: Default::default() }));
        Ok(PgStore { pool, citus, snapshot: None, workers, near: false })
    }

    pub fn pool(&self) -> &sqlx::PgPool {
        &self.pool
    }
}

/// A pool of a process's connections to one PostgreSQL node (the server, or a Citus worker
/// that a community's reads go to). A server that is down or a port that is closed fails in
/// seconds, not after the pool's default 30 s of retries.
fn pg_pool() -> PgPoolOptions {
    PgPoolOptions::new().max_connections(PG_CONNECTIONS).acquire_timeout(Duration::from_secs(5))
}

/// The migrations this binary carries for PostgreSQL or for SQLite, embedded at build time.
pub(crate) fn migrator(postgres: bool) -> sqlx::migrate::Migrator {
    if postgres {
        sqlx::migrate!("migrations/postgres")
    } else {
        sqlx::migrate!("migrations/sqlite")
    }
}

/// Whether every migration of the binary is applied with the same checksum.
async fn up_to_date(pool: &sqlx::PgPool, migrator: &sqlx::migrate::Migrator) -> bool {
    match sqlx::query_as("SELECT version, checksum FROM _sqlx_migrations WHERE success").fetch_all(pool).await {
        Ok(applied) => migrations_applied(&applied, migrator),
        Err(_) => false,
    }
}

/// Whether `applied` (version, checksum) holds every migration of the binary unchanged.
fn migrations_applied(applied: &[(i64, Vec<u8>)], migrator: &sqlx::migrate::Migrator) -> bool {
    migrator.iter().all(|m| applied.iter().any(|(version, checksum)| *version == m.version && checksum.as_slice() == &*m.checksum))
}

impl Store for PgStore {
    type Tx = PgTx;
    fn engine(&self) -> &'static str {
        "postgres"
    }
    fn transactions_span_communities(&self) -> bool {
        !self.citus
    }
    async fn begin(&self) -> Result<PgTx> {
        Ok(PgTx { tx: self.pool.begin().await? })
    }
    async fn read(&self) -> Result<PgTx> {
        let Some(snapshot) = &self.snapshot else { return Ok(PgTx { tx: self.pool.begin().await? }) };
        let mut tx = self.pool.begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY").await?;
        // A snapshot's name is hex digits and dashes, as pg_export_snapshot gives it.
        sqlx::query(&format!("SET TRANSACTION SNAPSHOT '{}'", snapshot.replace('\'', ""))).execute(&mut *tx).await?;
        Ok(PgTx { tx })
    }
    async fn steady(&self, community: Option<crate::domain::ids::CommunityId>) -> Result<(PgStore, PgTx)> {
        if !self.citus {
            let mut tx = self.pool.begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY").await?;
            let snapshot: String = sqlx::query_scalar("SELECT pg_export_snapshot()").fetch_one(&mut *tx).await?;
            return Ok((PgStore { snapshot: Some(snapshot.into()), ..self.clone() }, PgTx { tx }));
        }
        let mut tx = self.pool.begin().await?;
        // The rows every such writer takes first (a chain's head, claimed to number its
        // links), in the order they take them: books, then the community, then the audit
        // chain. Locked FOR UPDATE, they also hold off the foreign-key checks of new rows
        // naming them. Each statement stays in the community's shard (`communities` is a
        // reference table; the audit tables stay on the coordinator).
        let audit_chains = match community {
            Some(c) => {
                for statement in [
                    "SELECT id FROM books WHERE community_id = $1 ORDER BY id FOR UPDATE",
                    "SELECT id FROM communities WHERE id = $1 FOR UPDATE",
                ] {
                    sqlx::query(statement).bind(c.0).execute(&mut *tx).await?;
                }
                vec![c.0]
            }
            // The users' versions and the audit entries of no community (chain 0, as
            // `insert_audit` numbers it).
            None => vec![crate::access::versions::CHAIN, 0],
        };
        // A chain without an entry yet has no head row to lock: its first writer would make
        // one and go ahead. Made here, empty (what a chain of no entries reads as), it is held
        // like the others: the writer's claim of it waits.
        for chain_id in &audit_chains {
            sqlx::query("INSERT INTO audit_heads (chain_id) VALUES ($1) ON CONFLICT (chain_id) DO NOTHING")
                .bind(chain_id)
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query("SELECT chain_id FROM audit_heads WHERE chain_id = ANY($1) ORDER BY chain_id FOR UPDATE")
            .bind(&audit_chains)
            .execute(&mut *tx)
            .await?;
        Ok((self.clone(), PgTx { tx }))
    }
    async fn near(&self, community: crate::domain::ids::CommunityId) -> PgStore {
        let Some(workers) = self.workers.as_ref().filter(|_| !self.near) else { return self.clone() };
        match workers.pool_near(&self.pool, community).await {
            Ok(Some(pool)) => PgStore { pool, snapshot: None, near: true, ..self.clone() },
            Ok(None) => self.clone(),
            Err(e) => {
                tracing::warn!(error = %e, community = community.0, "the worker holding the community could not be reached: its rows are read through the coordinator");
                self.clone()
            }
        }
    }
    async fn read_across(&self) -> Result<PgTx> {
        let mut tx = self.pool.begin().await?;
        if self.citus {
            sqlx::query("SET LOCAL citus.multi_task_query_log_level = 'off'").execute(&mut *tx).await?;
        }
        Ok(PgTx { tx })
    }
    async fn close(&self) {
        if self.near {
            return;
        }
        self.pool.close().await;
        if let Some(workers) = &self.workers {
            workers.close().await;
        }
    }
}

macro_rules! impl_tx {
    ($tx_type:ty, $writers_take_turns:expr) => {
        impl Tx for $tx_type {
            fn writers_take_turns(&self) -> bool {
                $writers_take_turns
            }
            async fn commit(self) -> Result<()> {
                Ok(self.tx.commit().await?)
            }
            async fn savepoint(&mut self) -> Result<()> {
                sqlx::query("SAVEPOINT mz_one").execute(&mut *self.tx).await?;
                Ok(())
            }
            async fn release_savepoint(&mut self) -> Result<()> {
                sqlx::query("RELEASE SAVEPOINT mz_one").execute(&mut *self.tx).await?;
                Ok(())
            }
            async fn rollback_to_savepoint(&mut self) -> Result<()> {
                sqlx::query("ROLLBACK TO SAVEPOINT mz_one").execute(&mut *self.tx).await?;
                sqlx::query("RELEASE SAVEPOINT mz_one").execute(&mut *self.tx).await?;
                Ok(())
            }
        }
    };
}

impl_tx!(SqliteTx, true);
impl_tx!(PgTx, false);
