//! Issue 27: every refusal in Chinese, naming the file, field, row or server and what to do;
//! one rule for thousands separators; nothing an import is given silently dropped.

use crate::common;

use common::*;

fn run(db: &str, args: &[&str]) -> (i32, String, String) {
    let out = mingzhang().arg("--db").arg(db).args(args).output().expect("run mingzhang");
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

fn ok(db: &str, args: &[&str]) -> String {
    let (code, out, err) = run(db, args);
    assert_eq!(code, 0, "mingzhang {args:?} failed: {err}{out}");
    out
}

/// Runs a command that must be refused; returns its message.
fn refused(db: &str, args: &[&str]) -> String {
    let (code, out, err) = run(db, args);
    assert_ne!(code, 0, "mingzhang {args:?} should be refused: {out}");
    err
}

/// A community with the company book, ready for imports.
fn company(url: &str) {
    ok(url, &["init", "错误社区"]);
    ok(url, &["book", "create", "--code", "company", "--name", "物业公司", "--chart", "small_enterprise", "--start", "2025-01"]);
}

/// A household row with a cell beyond the header, and an opening row with both a debit and a
/// credit balance, are refused naming row and column, with nothing written.
#[tokio::test]
async fn an_import_drops_nothing_it_was_given() {
    let db = fresh_db().await;
    let url = db.url.as_str();
    company(url);
    let dir = tempfile::tempdir().unwrap();
    let households = dir.path().join("households.csv");
    std::fs::write(&households, "楼栋,单元,房号,建筑面积,类型,业主\n3,1,101,100.00,住宅,孙八\n3,1,102,80.00,住宅,周九,13900000002\n")
        .unwrap();
    let before = snapshot(url).await;
    let err = refused(url, &["household", "import", "--file", households.to_str().unwrap()]);
    assert!(err.contains("第 3 行") && err.contains("第 7 列（G 列）") && err.contains("13900000002"), "{err}");
    assert_eq!(snapshot(url).await, before, "a refused household file writes nothing");

    let opening = dir.path().join("opening.csv");
    std::fs::write(&opening, "科目编码,借方余额,贷方余额\n1001,500.00,500.00\n").unwrap();
    let err = refused(url, &["import", "opening", "--book", "company", "--file", opening.to_str().unwrap()]);
    assert!(err.contains("第 2 行") && err.contains("贷方余额") && err.contains("只填一方"), "{err}");
    std::fs::write(&opening, "科目编码,借方余额,贷方余额\n1001,500.00,\n3001,,500.00,备注\n").unwrap();
    let err = refused(url, &["import", "opening", "--book", "company", "--file", opening.to_str().unwrap()]);
    assert!(err.contains("第 3 行") && err.contains("第 4 列（D 列）"), "{err}");
    assert_eq!(snapshot(url).await, before, "a refused opening file writes nothing");
}
