//! Backups (issue 10): a consistent copy of the books while they are in use, and its restore
//! into a new database. SQLite: `VACUUM INTO`, which writes one read transaction's snapshot to
//! a new file while the writer goes on (SQLite documentation, "VACUUM INTO"). PostgreSQL:
//! `pg_dump --format=custom`, a snapshot of one transaction too, and `pg_restore` into an empty
//! database; both tools come with PostgreSQL's client package. A restored copy is the same
//! books: `verify` passes and the chain heads (`mingzhang anchor`) are those of the original.

use std::path::Path;
use std::process::Command;

use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Connection};

use crate::error::{Error, Result};
use crate::store::{is_postgres, redacted, sqlite_file};

/// Writes a consistent copy of the database `url` to `out`, which must not exist yet.
pub async fn backup(url: &str, out: &Path) -> Result<()> {
    if out.exists() {
        return Err(Error::invalid("--out", format!("{} 已存在；备份不覆盖已有文件", out.display())));
    }
    if is_postgres(url) {
        return run_tool("pg_dump", &["--format=custom", "--no-owner", "--file", &out.to_string_lossy(), url], url);
    }
    let mut conn = SqliteConnectOptions::new().filename(sqlite_file(url)?).connect().await?;
    sqlx::query("VACUUM INTO $1").bind(out.to_string_lossy().into_owned()).execute(&mut conn).await?;
    conn.close().await?;
    Ok(())
}

/// Brings a backup back into `url`: a new SQLite file, or a PostgreSQL database with no tables.
/// The restored books are checked by opening them (migrations bring an older backup up to date)
/// and by `verify`, which the caller runs.
pub async fn restore(from: &Path, url: &str) -> Result<()> {
    if !from.is_file() {
        return Err(Error::invalid("--from", format!("备份文件 {} 不存在", from.display())));
    }
    if is_postgres(url) {
        let mut conn = sqlx::PgConnection::connect(url).await?;
        let tables: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM pg_tables WHERE schemaname = 'public'").fetch_one(&mut conn).await?;
        conn.close().await?;
        if tables > 0 {
            return Err(Error::invalid("--db", format!("数据库 {} 不是空的（有 {tables} 张表）；请恢复到新建的空数据库", redacted(url))));
        }
        return run_tool("pg_restore", &["--no-owner", "--exit-on-error", "--dbname", url, &from.to_string_lossy()], url);
    }
    let target = sqlite_file(url)?;
    let target = target.as_path();
    if target.exists() {
        return Err(Error::invalid("--db", format!("{} 已存在；请恢复到新的文件", target.display())));
    }
    // The backup must be an SQLite file of mingzhang's, checked before it is copied.
    // SQLite's own words ("file is not a database") say less than which file and what to give.
    let not_a_backup = |e: sqlx::Error| {
        tracing::debug!(error = %e, "not an SQLite backup");
        Error::invalid(
            "--from",
            format!("{} 不是 SQLite 数据库文件，不是明账的备份；请指定 mingzhang backup 写出的备份文件", from.display()),
        )
    };
    let mut conn = SqliteConnectOptions::new().filename(from).read_only(true).connect().await.map_err(not_a_backup)?;
    let ours: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'books'")
        .fetch_one(&mut conn)
        .await
        .map_err(not_a_backup)?;
    conn.close().await?;
    if ours == 0 {
        return Err(Error::invalid("--from", format!("{} 不是明账的备份（没有账套表）", from.display())));
    }
    std::fs::copy(from, target).map_err(|e| Error::invalid("--db", format!("无法写入 {}：{e}", target.display())))?;
    Ok(())
}

/// Runs pg_dump or pg_restore, naming the database (without its password) if it fails.
fn run_tool(tool: &str, args: &[&str], url: &str) -> Result<()> {
    let out = Command::new(tool)
        .args(args)
        .output()
        .map_err(|e| Error::invalid("--db", format!("需要 PostgreSQL 的 {tool}（Debian：apt-get install postgresql-client）：{e}")))?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr).replace(url, &redacted(url));
        return Err(Error::invalid("--db", format!("{tool} 失败（{}）：{}", redacted(url), stderr.trim())));
    }
    Ok(())
}
