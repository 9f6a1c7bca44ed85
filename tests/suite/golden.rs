//! Golden files of every report as a spreadsheet (issue 9): each report of a small community's
//! two months is written as CSV and as XLSX; the CSV must equal `tests/golden/<name>.csv` byte
//! for byte (a UTF-8 byte-order mark, Chinese headers, amounts plain and unquoted), and the XLSX,
//! read back with calamine, must equal `tests/golden/<name>.xlsx.txt`: one line per row, cells
//! tab-separated, each number cell marked `#` so that a figure written as text would show.
//! Both engines write the same files.
//!
//! After a deliberate change to a report, `MINGZHANG_BLESS=1 cargo test --test suite golden::` writes
//! the files anew; review their diff before committing it.

use crate::common;

use std::path::{Path, PathBuf};

use common::*;

fn ok(db: &str, args: &[&str]) -> String {
    let out = mingzhang().arg("--db").arg(db).args(args).output().expect("run mingzhang");
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned());
    assert!(out.status.success(), "mingzhang {args:?} failed:\n{stdout}\n{stderr}");
    stdout
}

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

/// An XLSX file's first sheet as text: rows by line, cells by tab, numbers marked `#`.
fn xlsx_text(path: &Path) -> String {
    use calamine::{Data, Reader};
    let mut book = calamine::open_workbook_auto(path).expect("open the xlsx");
    let sheet = book.worksheet_range_at(0).expect("one sheet").expect("readable");
    let mut out = String::new();
    for row in sheet.rows() {
        let cells: Vec<String> = row
            .iter()
            .map(|c| match c {
                Data::Empty => String::new(),
                Data::String(s) => s.clone(),
                Data::Float(f) => format!("#{f}"),
                Data::Int(i) => format!("#{i}"),
                other => format!("?{other:?}"),
            })
            .collect();
        out += cells.join("\t").trim_end();
        out.push('\n');
    }
    out
}

/// Compares `actual` with the golden file `name`, or writes it when blessing.
fn check(name: &str, actual: &str, mismatches: &mut Vec<String>) {
    let path = golden_dir().join(name);
    if std::env::var_os("MINGZHANG_BLESS").is_some() {
        std::fs::create_dir_all(golden_dir()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected =
        std::fs::read_to_string(&path).unwrap_or_else(|_| panic!("no golden file {} (MINGZHANG_BLESS=1 writes it)", path.display()));
    if expected != actual {
        mismatches.push(format!("{name}:\n--- expected\n{expected}\n--- actual\n{actual}"));
    }
}

/// Two months of a small community: two homes and a parking space, 物业服务费 and 停车费 billed,
/// a payment in full and one in part, a waiver, a voided receipt, and a hand-made voucher.
fn community(url: &str) {
    ok(url, &["init", "金样社区"]);
    ok(url, &["book", "create", "--code", "company", "--name", "金样物业公司", "--chart", "small_enterprise", "--start", "2025-01"]);
    let dir = tempfile::tempdir().unwrap();
    let households = dir.path().join("households.csv");
    std::fs::write(&households, TWO_HOUSEHOLDS).unwrap();
    ok(url, &["household", "import", "--file", households.to_str().unwrap()]);
    let item = |code: &str, name: &str, basis: &str, account: &str| {
        ok(url, &["fee", "item", "--book", "company", "--code", code, "--name", name, "--basis", basis, "--account", account]);
    };
    item("WYF", "物业服务费", "per_m2_month", "500101");
    item("TCF", "车位停车费", "fixed_month", "500102");
    ok(url, &["fee", "standard", "--book", "company", "--item", "WYF", "--kind", "住宅", "--rate", "1.50", "--from", "2025-01-01"]);
    ok(url, &["fee", "standard", "--book", "company", "--item", "TCF", "--kind", "车位", "--rate", "120", "--from", "2025-01-01"]);
    ok(url, &["unit", "add", "--household", "1-1-101", "--code", "B1-018", "--kind", "车位", "--from", "2025-01-01"]);
    let pay = |household: &str, amount: &str, method: &str, date: &str, key: &str| {
        let args = ["pay", "--book", "company", "--household", household, "--amount", amount, "--method", method, "--date", date];
        ok(url, &[&args[..], &["--key", key, "--cashier", "出纳"]].concat());
    };
    ok(url, &["bill", "--book", "company", "--period", "2025-01", "--user", "会计"]);
    pay("1-1-101", "270.00", "微信", "2025-01-10", "k1");
    pay("1-1-102", "100.00", "现金", "2025-01-12", "k2");
    pay("1-1-102", "35.00", "现金", "2025-01-13", "k3");
    ok(
        url,
        &["receipt", "void", "--book", "company", "--number", "3", "--reason", "金额录错", "--approver", "主管", "--date", "2025-01-13"],
    );
    // The cashier's vouchers wait for the day's close, by a reviewer.
    ok(url, &["day-close", "--book", "company", "--date", "2025-01-13", "--user", "主管"]);
    let add = ["voucher", "add", "--book", "company", "--date", "2025-01-25", "--user", "会计"];
    ok(url, &[&add[..], &["--debit", "540101,80.00,支付1月保洁用品费", "--credit", "1001,80.00,支付1月保洁用品费"]].concat());
    ok(url, &["voucher", "review", "--book", "company", "--period", "2025-01", "--user", "主管"]);
    ok(url, &["voucher", "post", "--book", "company", "--period", "2025-01", "--user", "主管"]);
    ok(url, &["bill", "--book", "company", "--period", "2025-02", "--user", "会计"]);
    ok(
        url,
        &[
            "waive",
            "--book",
            "company",
            "--bill",
            "5",
            "--amount",
            "20.00",
            "--reason",
            "困难户",
            "--approver",
            "主管",
            "--date",
            "2025-02-05",
        ],
    );
    pay("1-1-101", "300.00", "银行", "2025-02-20", "k4");
    ok(url, &["day-close", "--book", "company", "--date", "2025-02-20", "--user", "主管"]);
}

async fn reports_as_spreadsheets() {
    let db = fresh_db().await;
    let url = db.url.as_str();
    community(url);
    let months = ["--from", "2025-01", "--to", "2025-02"];
    let reports: Vec<(&str, Vec<&str>)> = vec![
        ("trial-balance", [&["trial-balance", "--level", "2"][..], &months[..]].concat()),
        ("ledger-1122", [&["ledger", "--account", "1122"][..], &months[..]].concat()),
        ("journal-1001", [&["journal", "--account", "1001"][..], &months[..]].concat()),
        ("balance-sheet", vec!["balance-sheet", "--to", "2025-02"]),
        ("income-statement", vec!["income-statement", "--to", "2025-02"]),
        ("cash-flow", vec!["cash-flow", "--to", "2025-02"]),
        ("statement-1-1-102", vec!["statement", "--household", "1-1-102", "--date", "2025-02-28"]),
        ("aging-by-household", vec!["aging", "--to", "2025-02", "--by-household"]),
        ("collection", months.to_vec()),
    ];
    let dir = tempfile::tempdir().unwrap();
    let mut mismatches = Vec::new();
    for (name, args) in reports {
        let mut args = args;
        if name == "collection" {
            args.insert(0, "collection");
        }
        let base = [&["report"][..], &args[..], &["--book", "company"][..]].concat();
        let csv = ok(url, &[&base[..], &["--format", "csv"]].concat());
        assert!(csv.starts_with('\u{feff}'), "{name}: a CSV starts with a byte-order mark");
        check(&format!("{name}.csv"), &csv, &mut mismatches);
        let xlsx = dir.path().join(format!("{name}.xlsx"));
        ok(url, &[&base[..], &["--format", "xlsx", "--out", xlsx.to_str().unwrap()]].concat());
        check(&format!("{name}.xlsx.txt"), &xlsx_text(&xlsx), &mut mismatches);
        // The statutory forms and the 科目余额表 on paper: A4 PDF read back through pdftotext.
        if ["trial-balance", "balance-sheet", "income-statement", "cash-flow"].contains(&name) {
            let pdf = dir.path().join(format!("{name}.pdf"));
            ok(url, &[&base[..], &["--format", "pdf", "--out", pdf.to_str().unwrap()]].concat());
            let bytes = std::fs::read(&pdf).unwrap();
            assert!(bytes.starts_with(b"%PDF-"), "{name}: a PDF");
            if let Some(text) = pdf_text(&bytes) {
                check(&format!("{name}.pdf.txt"), &text, &mut mismatches);
            }
        }
    }
    assert!(mismatches.is_empty(), "outputs differ from their golden files:\n{}", mismatches.join("\n"));
}

#[tokio::test]
async fn every_report_writes_the_golden_csv_and_xlsx() {
    reports_as_spreadsheets().await;
}
