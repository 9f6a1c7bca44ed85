//! The database's edge (issue 10): several processes opening one new SQLite file at once all
//! migrate it; an SQLite path with a query string is refused rather than opened in memory; a
//! server that cannot be reached fails fast and is named.

use crate::common;

use common::*;

#[test]
fn four_processes_opening_a_new_file_at_once_all_succeed() {
    let dir = tempfile::tempdir().unwrap();
    for round in 0..20 {
        let db = dir.path().join(format!("new-{round}.db"));
        let children: Vec<_> =
            (0..4).map(|i| mingzhang().arg("--db").arg(&db).args(["init", &format!("社区{i}")]).output_async()).collect();
        for (i, child) in children.into_iter().enumerate() {
            let out = child.wait_with_output().unwrap();
            assert!(out.status.success(), "round {round}, process {i}: {}", String::from_utf8_lossy(&out.stderr));
        }
    }
}

/// Starts a command without waiting for it, its output captured.
trait OutputAsync {
    fn output_async(&mut self) -> std::process::Child;
}

impl OutputAsync for std::process::Command {
    fn output_async(&mut self) -> std::process::Child {
        self.stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped()).spawn().expect("start mingzhang")
    }
}

#[test]
fn an_sqlite_path_with_a_query_string_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("{}?mode=memory", dir.path().join("x.db").display());
    let out = mingzhang().args(["--db", &db, "init", "内存社区"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("查询参数"), "{err}");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "nothing was created");
}

#[test]
fn a_server_that_cannot_be_reached_fails_fast_and_is_named() {
    // (How fast is the pool's acquire timeout's business, 5 s; the tests assert on no clock.)
    let out = mingzhang().args(["--db", "postgres://mingzhang:secret@127.0.0.1:9/books", "verify"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("无法连接 PostgreSQL 服务器 127.0.0.1:9") && err.contains("postgres://mingzhang:***@127.0.0.1:9/books"), "{err}");
    assert!(!err.contains("secret"), "the password is not shown: {err}");
}

/// A PostgreSQL user granted only SELECT (an auditor's, the finance office's reader) runs the
/// reading commands; a writing one is refused by the server, and says so. (SQLite's read-only
/// file is the next test.)
#[tokio::test]
async fn a_reader_granted_only_select_reads_the_books_and_cannot_write() {
    let db = fresh_db().await;
    if !is_pg(&db.url) {
        return;
    }
    let url = db.url.as_str();
    for args in [
        vec!["init", "只读社区"],
        vec!["book", "create", "--code", "company", "--name", "物业公司", "--chart", "small_enterprise", "--start", "2025-01"],
    ] {
        assert!(mingzhang().arg("--db").arg(url).args(&args).output().unwrap().status.success());
    }
    let role = format!("mz_reader_{}", std::process::id());
    let (base, name) = url.rsplit_once('/').unwrap();
    for sql in [
        format!("DROP ROLE IF EXISTS {role}"),
        format!("CREATE ROLE {role} LOGIN"),
        format!("GRANT CONNECT ON DATABASE {name} TO {role}"),
        format!("GRANT USAGE ON SCHEMA public TO {role}"),
        format!("GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role}"),
    ] {
        raw_sql(url, &sql).await.unwrap();
    }
    let (scheme, rest) = base.split_once("://").unwrap();
    let host = rest.rsplit_once('@').map_or(rest, |(_, host)| host);
    let reader = format!("{scheme}://{role}@{host}/{name}");
    let out = mingzhang().args(["--db", &reader, "verify"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("全部通过"));
    let out = mingzhang().args(["--db", &reader, "report", "trial-balance", "--book", "company", "--to", "2025-01"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = mingzhang().args(["--db", &reader, "init", "另一社区"]).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("permission denied"), "{}", String::from_utf8_lossy(&out.stderr));
}

/// SQLite's counterpart: a file and directory this process may not write (made read-only, and
/// read as the unprivileged user `nobody`, since the suite runs as root, whom no permission
/// stops). Reading commands read it, including what a writer left in its WAL; a writing one is
/// refused, naming the file; nothing changes, not even a WAL or lock file beside it.
#[tokio::test]
async fn a_read_only_sqlite_file_is_read_by_reading_commands_and_refused_to_writers() {
    let as_root = std::process::Command::new("id").arg("-u").output().is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    if !as_root || std::process::Command::new("setpriv").arg("--version").output().is_err() {
        eprintln!("SKIPPED: needs root and setpriv to read as another user");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("books.db");
    for args in [
        vec!["init", "只读社区"],
        vec!["book", "create", "--code", "company", "--name", "物业公司", "--chart", "small_enterprise", "--start", "2025-01"],
    ] {
        assert!(mingzhang().arg("--db").arg(&db).args(&args).output().unwrap().status.success());
    }
    // A writer that is still open has its last commit in the WAL only.
    use sqlx::Connection;
    let mut writer = sqlx::SqliteConnection::connect(&format!("sqlite://{}", db.display())).await.unwrap();
    sqlx::query("PRAGMA wal_autocheckpoint = 0").execute(&mut writer).await.unwrap();
    sqlx::query("UPDATE communities SET name = '改名社区'").execute(&mut writer).await.unwrap();
    // The binary is copied beside the file: the build directory may be closed to `nobody`.
    let bin = dir.path().join("mingzhang");
    std::fs::copy(env!("CARGO_BIN_EXE_mingzhang"), &bin).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&bin, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o444)).unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o555)).unwrap();
    let before = std::fs::read(&db).unwrap();
    let files = || std::fs::read_dir(dir.path()).unwrap().count();
    let listed = files();
    let as_nobody = |args: &[&str]| {
        // setpriv execs the program itself as `nobody` (runuser forks and returns first).
        std::process::Command::new("setpriv")
            .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(&bin)
            .arg("--db")
            .arg(&db)
            .args(args)
            .env("HOME", dir.path())
            .output()
            .unwrap()
    };
    let out = as_nobody(&["verify"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("全部通过"));
    let out = as_nobody(&["report", "trial-balance", "--book", "company", "--to", "2025-01"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = as_nobody(&["anchor"]);
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("改名社区"),
        "the WAL's commit is read: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = as_nobody(&["init", "另一社区"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("只读") && err.contains("books.db"), "{err}");
    assert_eq!(std::fs::read(&db).unwrap(), before, "the read-only file is unchanged");
    assert_eq!(files(), listed, "no WAL or shared-memory file was made beside it");
    // With the writer gone, its commit is in the file and the WAL empty: read as it stands.
    writer.close().await.unwrap();
    let out = as_nobody(&["anchor"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("改名社区"), "{}", String::from_utf8_lossy(&out.stderr));
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
}
