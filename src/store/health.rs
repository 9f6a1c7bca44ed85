//! What `mingzhang doctor` reads of a database without changing it: its engine and size, its
//! journal (SQLite's WAL, PostgreSQL's fsync), its integrity, which of the binary's migrations
//! it has, and the free space on the disk it lives on. Nothing here migrates or writes, so a
//! doctor run on books that are out of date says so instead of upgrading them.

use std::path::Path;
use std::str::FromStr;

use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Connection};

use super::engine::migrator;
use super::{is_postgres, opening_failed, redacted, sqlite_file};
use crate::error::{Error, Result};

/// A database as doctor found it.
#[derive(Clone, Debug)]
pub struct Health {
    /// "SQLite 3.46.0" or "PostgreSQL 15.8 …", as the engine names itself.
    pub engine: String,
    /// The file, or the server's URL without its password.
    pub place: String,
    pub size_bytes: u64,
    pub journal: Journal,
    /// The engine's own integrity check: None when it passed or the engine has none to run.
    pub damage: Option<String>,
    pub migrations: Migrations,
    /// Free bytes on the disk that holds the database, when this machine can see that disk.
    pub free_bytes: Option<u64>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Journal {
    /// SQLite: whether the file is in WAL mode, and how large its WAL file is now.
    Sqlite { wal: bool, wal_bytes: u64 },
    /// PostgreSQL: whether the server syncs its commits to disk (fsync and synchronous_commit).
    Postgres { fsync: bool, synchronous_commit: String },
}

/// The binary's migrations against those the database records.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Migrations {
    /// How many migrations this binary carries, and the last of them.
    pub known: usize,
    pub latest: Option<(i64, String)>,
    /// The binary's migrations the database has not had (applied when it is next opened for
    /// writing).
    pub pending: Vec<(i64, String)>,
    /// Applied, but from a text other than the binary's (a migration edited after release).
    pub changed: Vec<i64>,
    /// Recorded as failed by the engine.
    pub failed: Vec<i64>,
    /// In the database but not in this binary: the books were opened by a newer release.
    pub unknown: Vec<i64>,
}

impl Migrations {
    fn compare(postgres: bool, applied: &[(i64, Vec<u8>, bool)]) -> Migrations {
        let binary = migrator(postgres);
        let ours: Vec<&sqlx::migrate::Migration> = binary.iter().collect();
        let mut seen =
            Migrations { known: ours.len(), latest: ours.last().map(|m| (m.version, m.description.to_string())), ..Migrations::default() };
        for m in &ours {
            match applied.iter().find(|(version, _, _)| *version == m.version) {
                None => seen.pending.push((m.version, m.description.to_string())),
                Some((_, _, false)) => seen.failed.push(m.version),
                Some((_, checksum, true)) if checksum.as_slice() != &*m.checksum => seen.changed.push(m.version),
                Some(_) => {}
            }
        }
        seen.unknown = applied.iter().map(|(v, _, _)| *v).filter(|v| !ours.iter().any(|m| m.version == *v)).collect();
        seen
    }

    /// Whether the database has exactly the binary's migrations.
    pub fn up_to_date(&self) -> bool {
        self.pending.is_empty() && self.changed.is_empty() && self.failed.is_empty() && self.unknown.is_empty()
    }
}

/// Reads the database at `url` as doctor needs it, without writing to it.
pub async fn examine(url: &str) -> Result<Health> {
    if is_postgres(url) {
        return examine_postgres(url).await.map_err(|e| opening_failed(url, e));
    }
    let path = sqlite_file(url)?;
    if !path.is_file() {
        return Err(Error::invalid("--db", format!("数据库文件 {} 不存在或不是文件；请检查 --db", path.display())));
    }
    examine_sqlite(&path).await.map_err(|e| opening_failed(url, e))
}

async fn examine_sqlite(path: &Path) -> Result<Health> {
    let mut conn = SqliteConnectOptions::new().filename(path).read_only(true).connect().await?;
    let version: String = sqlx::query_scalar("SELECT sqlite_version()").fetch_one(&mut conn).await?;
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode").fetch_one(&mut conn).await?;
    // quick_check reads every page once (seconds for a large file), without the index-to-table
    // cross-check of integrity_check, which is what makes that one slow.
    let checks: Vec<String> = sqlx::query_scalar("PRAGMA quick_check(5)").fetch_all(&mut conn).await?;
    let applied: Vec<(i64, Vec<u8>, bool)> = sqlx::query_as(APPLIED).fetch_all(&mut conn).await.unwrap_or_default();
    conn.close().await?;
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    let folder = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    Ok(Health {
        engine: format!("SQLite {version}"),
        place: path.display().to_string(),
        size_bytes: std::fs::metadata(path).map_or(0, |m| m.len()),
        journal: Journal::Sqlite { wal: mode.eq_ignore_ascii_case("wal"), wal_bytes: std::fs::metadata(wal).map_or(0, |m| m.len()) },
        damage: (checks != ["ok"]).then(|| checks.join("；")),
        migrations: Migrations::compare(false, &applied),
        free_bytes: free_bytes(folder),
    })
}

async fn examine_postgres(url: &str) -> Result<Health> {
    let options = sqlx::postgres::PgConnectOptions::from_str(url)?;
    let mut conn = options.connect().await?;
    let version: String = sqlx::query_scalar("SHOW server_version").fetch_one(&mut conn).await?;
    let size: i64 = sqlx::query_scalar("SELECT pg_database_size(current_database())").fetch_one(&mut conn).await?;
    let fsync: String = sqlx::query_scalar("SHOW fsync").fetch_one(&mut conn).await?;
    let synchronous_commit: String = sqlx::query_scalar("SHOW synchronous_commit").fetch_one(&mut conn).await?;
    // The data directory is shown only to superusers and pg_read_all_settings; its disk is
    // this machine's only when the server runs here.
    let data_directory: Option<String> = sqlx::query_scalar("SHOW data_directory").fetch_one(&mut conn).await.ok();
    let applied: Vec<(i64, Vec<u8>, bool)> = sqlx::query_as(APPLIED).fetch_all(&mut conn).await.unwrap_or_default();
    conn.close().await?;
    Ok(Health {
        engine: format!("PostgreSQL {version}"),
        place: redacted(url),
        size_bytes: u64::try_from(size).unwrap_or(0),
        journal: Journal::Postgres { fsync: fsync == "on", synchronous_commit },
        damage: None,
        migrations: Migrations::compare(true, &applied),
        free_bytes: data_directory.as_deref().map(Path::new).filter(|p| p.is_dir()).and_then(free_bytes),
    })
}

/// The migrations a database records; a database without the table yet has none (the read
/// then fails and is taken as empty).
const APPLIED: &str = "SELECT version, checksum, success FROM _sqlx_migrations ORDER BY version";

/// Free bytes for an unprivileged user on the file system holding `folder`.
#[cfg(target_os = "linux")]
fn free_bytes(folder: &Path) -> Option<u64> {
    use std::os::unix::ffi::OsStrExt;
    let path = std::ffi::CString::new(folder.as_os_str().as_bytes()).ok()?;
    // SAFETY: `path` is NUL-terminated and `stats` is a plain struct statvfs fills in.
    let mut stats: libc::statvfs = unsafe { std::mem::zeroed() };
    let done = unsafe { libc::statvfs(path.as_ptr(), &mut stats) };
    #[allow(clippy::unnecessary_cast)] // the fields are u64 on 64-bit Linux, u32 on some 32-bit
    let free = stats.f_bavail as u64 * stats.f_frsize as u64;
    (done == 0).then_some(free)
}

#[cfg(not(target_os = "linux"))]
fn free_bytes(_folder: &Path) -> Option<u64> {
    None
}
