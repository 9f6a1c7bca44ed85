//! 公示: what a resident or a third party checks with tools of their own.

use crate::common;

use common::*;
use mingzhang::disclosure::codes::BookSecret;
use mingzhang::disclosure::merkle::{Leaf, Proof, SumTree};
use mingzhang::disclosure::{month_tree, receipt_code, receipt_proof};
use mingzhang::domain::money::Fen;
use mingzhang::fees::{Method, PaymentRequest};
use mingzhang::ledger::Ledger;

/// The Python script printed in reports/README.md under `heading`, as a third party would
/// copy it.
fn readme_script(heading: &str) -> String {
    let readme = include_str!("../../reports/README.md");
    let section = readme.find(heading).expect("the section is in reports/README.md");
    let start = section + readme[section..].find("```python\n").expect("it shows a Python script") + "```python\n".len();
    let end = start + readme[start..].find("```").expect("the code block ends");
    readme[start..end].to_string()
}

/// The proof checker of reports/README.md.
fn readme_checker() -> String {
    readme_script("## Checking one payment")
}

/// Runs the README's pack checker on a pack: (passed, what it printed).
fn python_pack_check(pack: &Pack) -> (bool, String) {
    let dir = tempfile::tempdir().unwrap();
    let (script, file) = (dir.path().join("check_pack.py"), dir.path().join("pack.json"));
    std::fs::write(&script, readme_script("## The published pack")).unwrap();
    std::fs::write(&file, serde_json::to_vec_pretty(pack).unwrap()).unwrap();
    let out = std::process::Command::new("python3").arg(&script).arg(&file).output().unwrap();
    (out.status.success(), format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
}

/// Runs the README's checker on a proof: (passed, what it printed).
fn python_check(proof: &Proof) -> (bool, String) {
    let dir = tempfile::tempdir().unwrap();
    let (script, file) = (dir.path().join("check.py"), dir.path().join("proof.json"));
    std::fs::write(&script, readme_checker()).unwrap();
    std::fs::write(&file, serde_json::to_vec(proof).unwrap()).unwrap();
    let out = std::process::Command::new("python3").arg(&script).arg(&file).output().unwrap();
    (out.status.success(), format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
}

/// The format documented for third parties is the one the program uses: every receipt of a
/// month proves with the README's own script, and an altered amount, a shrunk total and a
/// proof against the month with a payment dropped fail it.
#[test]
fn the_documented_checker_accepts_our_proofs_and_refuses_tampered_ones() {
    if !oracle_available("python3") {
        return;
    }
    let secret = BookSecret::generate();
    let amounts = [86_000, 12_345, 300_000, 5_000, 77_777, 100];
    let leaves: Vec<Leaf> = amounts
        .iter()
        .enumerate()
        .map(|(i, &amount_fen)| Leaf { receipt_number: 32_120 + i as i64, amount_fen, salt: secret.salt(32_120 + i as i64) })
        .collect();
    let tree = SumTree::build(&leaves).unwrap();
    for leaf in &leaves {
        let (ok, said) = python_check(&Proof::of(&tree, leaf).unwrap());
        assert!(ok, "receipt {}: {said}", leaf.receipt_number);
        assert!(said.contains("计入了公示的实收合计"), "{said}");
    }
    let proof = Proof::of(&tree, &leaves[2]).unwrap();
    assert!(!python_check(&Proof { amount_fen: proof.amount_fen + 100, ..proof.clone() }).0, "an altered amount");
    assert!(!python_check(&Proof { total_fen: proof.total_fen - 100, ..proof.clone() }).0, "a shrunk total");
    let dropped = SumTree::build(&[&leaves[..4], &leaves[5..]].concat()).unwrap();
    let against = Proof { root: dropped.root().hash_hex(), total_fen: dropped.root().sum_fen, ..proof };
    assert!(!python_check(&against).0, "a month published with a payment dropped");
}

/// A month of real payments: the tree holds every receipt issued in it (one voided later
/// included), its sum is what they add to, each receipt's proof with the code printed for it
/// checks, and a wrong code or an unknown receipt gets the same nothing. The book's secret is
/// made once and cannot be changed in the table.
async fn month_of_receipts<S: mingzhang::app::AppStore>(ledger: Ledger<S>, url: &str) {
    let fees = ledger.fees();
    let book = two_households(&ledger, "公示小区", "1.50").await;
    fees.run_billing(&book, period(2025, 1), &[], "会计").await.unwrap();
    let hs = fees.households(book.row.community_id).await.unwrap();
    let mut receipts = Vec::new();
    for (i, (who, fen, month)) in [(0, 15_000, 1), (1, 30_000, 1), (0, 10_000, 1), (1, 5_000, 2)].into_iter().enumerate() {
        let key = format!("k{i}");
        let req = PaymentRequest {
            household_id: hs[who].id,
            amount: Fen(fen),
            method: Method::Cash,
            paid_on: date(2025, month, 10),
            idempotency_key: &key,
            cashier: "出纳",
            bill_ids: None,
            note: Default::default(),
        };
        receipts.push(fees.pay(&book, &req).await.unwrap());
    }
    fees.void_receipt(&book, receipts[2].number, "收错住户", "主管", date(2025, 1, 11)).await.unwrap();

    let january = month_tree(&ledger.store, &book, period(2025, 1)).await.unwrap();
    assert_eq!(january.tree.len(), 3, "January's three receipts, the voided one among them");
    assert_eq!(january.tree.root().sum_fen, 55_000);
    let again = month_tree(&ledger.store, &book, period(2025, 1)).await.unwrap();
    assert_eq!(again.tree.root(), january.tree.root(), "the secret is made once: the root does not move");
    for r in &receipts[..3] {
        let code = receipt_code(&ledger.store, &book, r.number).await.unwrap();
        let answer = receipt_proof(&ledger.store, &book, r.number, &code).await.unwrap().expect("the receipt and its code");
        assert_eq!(answer.period, period(2025, 1));
        assert_eq!(answer.voided, r.number == receipts[2].number);
        assert_eq!(answer.proof.check(), Ok(()));
        assert_eq!((answer.proof.root.clone(), answer.proof.total_fen), (january.tree.root().hash_hex(), 55_000));
        assert!(receipt_proof(&ledger.store, &book, r.number, "AAAA-AAAA").await.unwrap().is_none(), "a wrong code");
    }
    let february = receipts[3].number;
    let code = receipt_code(&ledger.store, &book, february).await.unwrap();
    let answer = receipt_proof(&ledger.store, &book, february, &code).await.unwrap().unwrap();
    assert_eq!((answer.period, answer.proof.total_fen), (period(2025, 2), 5_000));
    let unknown = february + 100;
    let unknown_code = receipt_code(&ledger.store, &book, unknown).await.unwrap();
    assert!(receipt_proof(&ledger.store, &book, unknown, &unknown_code).await.unwrap().is_none(), "an unknown receipt");

    let another = if is_pg(url) { "md5('a') || md5('b')" } else { "lower(hex(randomblob(32)))" };
    let changed = raw_sql(url, &format!("UPDATE disclosure_secrets SET secret = {another}")).await;
    assert!(
        changed.is_err_and(|e| e.to_string().contains("append-only") || e.to_string().contains("never changes")),
        "the table refuses to change a book's secret"
    );
    assert!(raw_sql(url, "DELETE FROM disclosure_secrets").await.is_err(), "nor to drop it");
}

#[tokio::test]
async fn a_month_of_receipts_proves_each_payment_with_its_code() {
    on_fresh_store!(month_of_receipts)
}

use mingzhang::disclosure::check::{check_pack, check_proof};
use mingzhang::disclosure::definition::DisclosurePeriod;
use mingzhang::disclosure::formats;
use mingzhang::disclosure::pack::Pack;
use mingzhang::disclosure::publish;
use mingzhang::report::engine::{TableOut, Value};
use mingzhang::verify::verify_all;

const DRAFTER: &str = mingzhang::cli::demo::MAKER;
const APPROVER: &str = mingzhang::cli::demo::REVIEWER;

/// A published table's cell by row label and column label.
fn cell<'a>(t: &'a TableOut, row: &str, column: &str) -> &'a Value {
    let c = t.columns.iter().position(|c| c.label == column).unwrap_or_else(|| panic!("column {column}"));
    &t.rows.iter().find(|r| r.label == row).unwrap_or_else(|| panic!("row {row} of {}", t.title)).values[c]
}

fn table<'a>(pack: &'a Pack, disclosure: &str, title: &str) -> &'a TableOut {
    let d = pack.content.disclosures.iter().find(|d| d.id == disclosure).unwrap_or_else(|| panic!("{disclosure}"));
    d.tables.iter().find(|t| t.title == title).unwrap_or_else(|| panic!("{title}"))
}

fn amount(v: &Value) -> i64 {
    v.amount().unwrap_or_else(|| panic!("{v:?} is not an amount"))
}

/// The demo's books published for March 2025 and the year: the figures agree with the
/// accountants' reports and hledger's balances on the export; each refusal (the drafter
/// approving, an open period, a second version without a reason, a correction that changes
/// nothing, a period with no figures) leaves nothing written; the pack checks offline and a
/// tampered pack does not; verify recomputes what was published and names a rewritten
/// publication, a dropped witness record and a book changed under a published month.
async fn publishing<S: mingzhang::app::AppStore>(ledger: Ledger<S>, url: &str) {
    let books = mingzhang::cli::demo::build(&ledger, 3, 2025, 120).await.unwrap();
    let community = ledger.community(None).await.unwrap();
    let store = &ledger.store;
    let march = DisclosurePeriod::parse("2025-03").unwrap();
    let count = |sql: &'static str| async move {
        use sqlx::Connection;
        if is_pg(url) {
            let mut c = sqlx::PgConnection::connect(url).await.unwrap();
            sqlx::query_scalar::<_, i64>(sql).fetch_one(&mut c).await.unwrap()
        } else {
            let mut c = sqlx::SqliteConnection::connect(&format!("sqlite://{url}")).await.unwrap();
            sqlx::query_scalar::<_, i64>(sql).fetch_one(&mut c).await.unwrap()
        }
    };
    let written = "SELECT (SELECT COUNT(*) FROM disclosure_drafts) + (SELECT COUNT(*) FROM disclosure_publications) + (SELECT COUNT(*) FROM witness_records)";

    // Refused before anything is written: a month still open.
    let spending = mingzhang::spending::Spending::new(&ledger);
    let expense = mingzhang::spending::ExpenseInput {
        date: date(2026, 1, 10),
        category: mingzhang::domain::category::Category::Repairs,
        supplier: "某维修公司",
        summary: "单元门维修",
        amount: Fen(120_000),
        payable: false,
        program: None,
    };
    spending.record(&books.company, &expense, DRAFTER).await.unwrap();
    let open = publish::draft_and_publish(store, &community, &DisclosurePeriod::parse("2026-01").unwrap(), "", DRAFTER, APPROVER).await;
    assert!(open.unwrap_err().to_string().contains("尚未结账"), "an open month");

    let own = publish::draft_and_publish(store, &community, &march, "", DRAFTER, DRAFTER).await.unwrap_err().to_string();
    assert!(own.contains("另一位审核人"), "{own}");
    let empty = publish::draft_and_publish(store, &community, &DisclosurePeriod::parse("2031-01").unwrap(), "", DRAFTER, APPROVER).await;
    assert!(empty.unwrap_err().to_string().contains("没有任何账目"), "a period with no figures");
    assert_eq!(count(written).await, 0);

    let p = publish::draft_and_publish(store, &community, &march, "", DRAFTER, APPROVER).await.unwrap();
    assert_eq!((p.period.as_str(), p.version, p.corrects), ("2025-03", 1, None));
    let again = publish::draft_and_publish(store, &community, &march, "", DRAFTER, APPROVER).await.unwrap_err().to_string();
    assert!(again.contains("更正须写明更正原因"), "{again}");
    let same = publish::draft_and_publish(store, &community, &march, "复核", DRAFTER, APPROVER).await.unwrap_err().to_string();
    assert!(same.contains("无需更正"), "{same}");
    assert_eq!(count(written).await, 3, "one draft, one publication, one witness record");

    // The figures against the accountants' reports and hledger.
    let pack = publish::published_pack(store, community.id, &p, "https://gs.example.cn").await.unwrap();
    assert_eq!(check_pack(&pack), Vec::<String>::new());
    assert!(pack.content.heads.iter().all(|h| h.closed) && pack.content.heads.len() == 2);
    let rates = table(&pack, "fee_collection", "收缴率（按楼栋）");
    let ours = mingzhang::fees::reports::collection(store, &books.company, period(2025, 3), period(2025, 3)).await.unwrap();
    let all = ours.lines.iter().find(|l| l.building == "全部").unwrap();
    assert_eq!(amount(cell(rates, "全部", "当期应收")), all.current_billed.0);
    assert_eq!(amount(cell(rates, "全部", "当期实收")), all.current_collected.0);
    assert_eq!(amount(cell(rates, "全部", "期初欠费")), all.arrears_at_start.0);
    assert_eq!(amount(cell(rates, "全部", "收回欠费")), all.arrears_collected.0);
    for line in ours.lines.iter().filter(|l| l.building != "全部") {
        assert_eq!(amount(cell(rates, &line.building, "当期实收")), line.current_collected.0, "building {}", line.building);
    }
    let receipts = table(&pack, "fee_collection", "本期收款（按缴费方式）");
    assert_eq!(amount(cell(receipts, "合计", "开出收据金额")), pack.content.trees[0].total_fen);
    let sum: i64 = count("SELECT CAST(COALESCE(SUM(amount_fen), 0) AS BIGINT) FROM payments WHERE period = 202503").await;
    assert_eq!(pack.content.trees[0].total_fen, sum, "the tree holds every receipt of March");
    if oracle_available("hledger") {
        let dir = tempfile::tempdir().unwrap();
        let journal = dir.path().join("company.journal");
        mingzhang::ledger::export::write_hledger(store, &books.company, &mut std::fs::File::create(&journal).unwrap()).await.unwrap();
        let moved = hledger_balances(&journal, Some("2025-03"));
        let revenue: i64 = moved.iter().filter(|(code, _)| code.starts_with("5001")).map(|(_, v)| -v).sum();
        assert_eq!(amount(cell(table(&pack, "service_funds", "收支结余"), "账面主营业务收入（含公共收益分成）", "本期")), revenue);
    }
    // 公共收益: the held balance at the month's start and end, as the 科目余额表 gives it.
    let pr = table(&pack, "public_revenue", "收支与结余");
    let start = our_balances(&ledger, &books.company, (2023, 1), (2025, 2), false).await;
    let end = our_balances(&ledger, &books.company, (2023, 1), (2025, 3), false).await;
    assert_eq!(amount(cell(pr, "期初结余", "本期")), -start.get("224101").copied().unwrap_or(0));
    assert_eq!(amount(cell(pr, "期末结余", "本期")), -end.get("224101").copied().unwrap_or(0));

    // Four formats, one set of numbers.
    let d = pack.content.disclosures.iter().find(|d| d.id == "fee_collection").unwrap();
    let shown = cell(rates, "全部", "当期实收").display(rates.columns[1].format);
    let html = formats::html_tables(d);
    assert!(html.contains(&shown), "{shown} in the HTML");
    let csv = formats::csv(d, &pack.content);
    assert!(csv.contains(&cell(rates, "全部", "当期实收").plain(rates.columns[1].format)));
    if oracle_available("pdftotext") {
        let dir = tempfile::tempdir().unwrap();
        let pdf = dir.path().join("fee_collection.pdf");
        let bytes = formats::pdf(d, &pack.content, &pack.fingerprint, pack.publication.as_ref()).unwrap();
        assert!(bytes.len() < 200 * 1024, "{} bytes", bytes.len());
        std::fs::write(&pdf, bytes).unwrap();
        let text =
            String::from_utf8(std::process::Command::new("pdftotext").arg("-layout").arg(&pdf).arg("-").output().unwrap().stdout).unwrap();
        for wanted in ["物业费收缴情况公示", "当期收缴率", "全部", shown.as_str(), "第 1 版", APPROVER, &pack.content.trees[0].root[..16]]
        {
            assert!(text.contains(wanted), "{wanted} in the PDF:\n{text}");
        }
    }

    // Each receipt of March proves into the published root, offline too.
    let month = month_tree(store, &books.company, period(2025, 3)).await.unwrap();
    assert_eq!(month.tree.root().hash_hex(), pack.content.trees[0].root);
    for leaf in month.leaves.iter().take(5) {
        let code = receipt_code(store, &books.company, leaf.receipt_number).await.unwrap();
        let proof = receipt_proof(store, &books.company, leaf.receipt_number, &code).await.unwrap().unwrap().proof;
        assert_eq!(check_proof(&pack, &proof), Ok("2025-03".to_string()));
        assert!(check_proof(&pack, &Proof { amount_fen: proof.amount_fen + 1, ..proof.clone() }).is_err(), "an altered amount");
    }

    let first = month.leaves[0].receipt_number;
    let code = receipt_code(store, &books.company, first).await.unwrap();
    let proof = receipt_proof(store, &books.company, first, &code).await.unwrap().unwrap().proof;
    assert!(check_proof(&pack, &Proof { total_fen: proof.total_fen - 1, ..proof.clone() }).is_err(), "a changed total");
    let dropped = SumTree::build(&month.leaves[..month.leaves.len() - 1]).unwrap();
    let against = Proof { root: dropped.root().hash_hex(), total_fen: dropped.root().sum_fen, ..proof.clone() };
    assert!(check_proof(&pack, &against).is_err(), "a month with a payment dropped is not the published one");

    // A quarter's pack holds its three months' trees.
    let (_, quarter) = publish::draft(store, &community, &DisclosurePeriod::parse("2025-Q1").unwrap(), "", DRAFTER).await.unwrap();
    assert_eq!(quarter.trees.len(), 3);
    assert!(check_pack(&Pack { fingerprint: mingzhang::disclosure::pack::fingerprint(&quarter), content: quarter, publication: None })
        .is_empty());

    // A pack tampered with does not check.
    let mut forged = pack.clone();
    let row = forged.content.disclosures[2].tables[0].rows.iter_mut().find(|r| r.label == "全部").unwrap();
    row.values[1] = Value::Amount { value: amount(&row.values[1]) + 100 };
    let found = check_pack(&forged);
    assert!(found.iter().any(|f| f.contains("指纹")) && found.iter().any(|f| f.contains("各行之和")), "{found:?}");
    let mut shrunk = pack.clone();
    shrunk.content.receipts_total_fen -= 100;
    assert!(!check_pack(&shrunk).is_empty());
    if oracle_available("python3") {
        let (ok, said) = python_pack_check(&pack);
        assert!(ok && said.contains("核对无误"), "the README's script accepts the published pack: {said}");
        for bad in [&forged, &shrunk] {
            let (ok, said) = python_pack_check(bad);
            assert!(!ok, "the README's script refuses a tampered pack: {said}");
        }
    }

    // The year, and verify over all of it.
    let year =
        publish::draft_and_publish(store, &community, &DisclosurePeriod::parse("2025").unwrap(), "", DRAFTER, APPROVER).await.unwrap();
    let year_pack = publish::published_pack(store, community.id, &year, "").await.unwrap();
    assert_eq!(year_pack.content.trees.len(), 12);
    assert!(year_pack.content.disclosures.iter().any(|d| d.id == "collective"), "the collective's distribution is yearly");
    assert_eq!(check_pack(&year_pack), Vec::<String>::new());
    // The year against the wings' own reports: spending against the budget's execution, each
    // program against the finance office's overview, the distribution against its rows.
    let execution = spending.budget_execution(&books.company, period(2025, 12)).await.unwrap();
    let spent = table(&year_pack, "service_funds", "支出（按服务类别，对照预算）");
    assert_eq!(amount(cell(spent, "合计", "本年累计")), execution.total.year_to_date.0);
    assert_eq!(amount(cell(spent, "合计", "年度预算")), execution.total.budget.0);
    let programs = mingzhang::subsidies::Subsidies::new(&ledger).overview(std::slice::from_ref(&community)).await.unwrap();
    let per_program = table(&year_pack, "subsidies", "各补贴项目");
    for p in &programs {
        assert_eq!(amount(cell(per_program, &p.document_no, "累计到账")), p.received.0, "{}", p.document_no);
        assert_eq!(amount(cell(per_program, &p.document_no, "批复金额")), p.approved.0, "{}", p.document_no);
    }
    let distributions = mingzhang::collective::Collective::new(&ledger).distributions(&books.collective).await.unwrap();
    let members: i64 = distributions.iter().filter(|d| d.year == 2025 || d.year == 2024).map(|d| d.members_fen).sum();
    let shown = table(&year_pack, "collective", "收益及分配");
    assert!(members > 0 && amount(cell(shown, "分配给成员", "本期")) > 0, "the demo distributes");
    let by_year = table(&year_pack, "collective", "成员分配（按年度）");
    for d in &distributions {
        if let Some(row) = by_year.rows.iter().find(|r| r.label == d.year.to_string()) {
            assert_eq!(amount(&row.values[0]), d.members_fen, "the distribution of {}", d.year);
        }
    }

    let clean = verify_all(store).await.unwrap();
    assert!(clean.is_clean(), "{:?}", clean.findings);
    let heads = mingzhang::verify::HeadsFile::now(store).await.unwrap();
    assert_eq!(heads.witnessed.len(), 4, "two books' heads for each of the two published packs");
    assert!(mingzhang::verify::verify_anchors(store, &[heads], &[]).await.unwrap().is_empty());

    // Rewritten, dropped, and a book changed under a published month: verify names each.
    drop_guards(url).await;
    raw_sql(url, "UPDATE disclosure_drafts SET content = replace(content, '\"label\":\"2025年3月\"', '\"label\":\"2025年3月 \"') WHERE period = '2025-03'").await.unwrap();
    let findings = verify_all(store).await.unwrap().findings;
    assert!(findings.iter().any(|f| f.message.contains("公示 2025-03 第 1 版") && f.message.contains("指纹")), "{findings:?}");
    raw_sql(url, "DELETE FROM witness_records WHERE period = '2025'").await.unwrap();
    let findings = verify_all(store).await.unwrap().findings;
    assert!(findings.iter().any(|f| f.message.contains("见证记录中没有这一版")), "{findings:?}");
    raw_sql(url, "UPDATE payments SET amount_fen = amount_fen + 100 WHERE receipt_number = (SELECT MIN(receipt_number) FROM payments WHERE period = 202503)").await.unwrap();
    let findings = verify_all(store).await.unwrap().findings;
    assert!(findings.iter().any(|f| f.message.contains("与账簿重算不符") && f.message.contains("收款树")), "{findings:?}");
}

#[tokio::test]
async fn a_published_month_and_year_agree_with_the_books_check_offline_and_verify_names_rewrites() {
    on_fresh_store!(publishing)
}

/// The verification page over HTTP: a receipt and its code before and after its month is
/// published; a wrong code and an unknown receipt answered alike; failures limited per
/// receipt; the proof downloaded checks with `check-pack` beside the published pack.
async fn verification_page<S: mingzhang::app::AppStore>(ledger: Ledger<S>, url: &str) {
    let books = mingzhang::cli::demo::build(&ledger, 4, 2025, 40).await.unwrap();
    let community = ledger.community(None).await.unwrap();
    let store = &ledger.store;
    let march = month_tree(store, &books.company, period(2025, 3)).await.unwrap();
    let (receipt, other) = (march.leaves[0].receipt_number, march.leaves[1].receipt_number);
    let code = receipt_code(store, &books.company, receipt).await.unwrap();
    let c = community.id.0;
    let server = spawn_app(url);
    let http = client();
    let get = |path: String| {
        let http = http.clone();
        let u = server.url(&path);
        async move {
            let r = http.get(u).send().await.unwrap();
            (r.status(), r.text().await.unwrap())
        }
    };
    let (status, before) = get(format!("/c/{c}/verify?r={receipt}&code={code}")).await;
    assert_eq!(status, 200);
    assert!(before.contains("id=\"unpublished\""), "not published yet");
    publish::draft_and_publish(store, &community, &DisclosurePeriod::parse("2025-03").unwrap(), "", DRAFTER, APPROVER).await.unwrap();
    let (_, after) = get(format!("/c/{c}/verify?r={receipt}&code={code}")).await;
    assert!(after.contains("id=\"included\""), "{after}");
    assert!(
        !after.contains(&march.leaves[1].amount_fen.to_string()) || march.leaves[1].amount_fen == march.leaves[0].amount_fen,
        "nothing of another payment"
    );

    let (s1, wrong) = get(format!("/c/{c}/verify?r={other}&code=AAAA-AAAA")).await;
    let (s2, unknown) = get(format!("/c/{c}/verify?r=99999999&code=AAAA-AAAA")).await;
    assert_eq!((s1, s2), (reqwest::StatusCode::NOT_FOUND, reqwest::StatusCode::NOT_FOUND));
    let strip = |html: &str, r: &str| html.replace(r, "R");
    assert_eq!(strip(&wrong, &other.to_string()), strip(&unknown, "99999999"), "a wrong code reads like an unknown receipt");
    let mut last = reqwest::StatusCode::OK;
    for _ in 0..6 {
        last = get(format!("/c/{c}/verify?r={other}&code=BBBB-BBBB")).await.0;
    }
    assert_eq!(last, reqwest::StatusCode::TOO_MANY_REQUESTS, "guessing a receipt's code is limited");

    let dir = tempfile::tempdir().unwrap();
    let pack = http.get(server.url(&format!("/c/{c}/disclosures/2025-03/v1/pack.json"))).send().await.unwrap().bytes().await.unwrap();
    std::fs::write(dir.path().join("pack.json"), &pack).unwrap();
    let proof =
        http.get(server.url(&format!("/c/{c}/verify/proof.json?r={receipt}&code={code}"))).send().await.unwrap().bytes().await.unwrap();
    std::fs::write(dir.path().join(format!("proof-{receipt}.json")), &proof).unwrap();
    let out = mingzhang().arg("check-pack").arg(dir.path()).output().unwrap();
    let said = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(out.status.success() && said.contains("核对通过"), "{said}");
    let mut forged: serde_json::Value = serde_json::from_slice(&proof).unwrap();
    forged["amount_fen"] = serde_json::json!(forged["amount_fen"].as_i64().unwrap() + 1);
    std::fs::write(dir.path().join(format!("proof-{receipt}.json")), serde_json::to_vec(&forged).unwrap()).unwrap();
    let out = mingzhang().arg("check-pack").arg(dir.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "a tampered proof fails check-pack");
    std::fs::write(dir.path().join(format!("proof-{receipt}.json")), &proof).unwrap();
    let text = String::from_utf8(pack.to_vec()).unwrap();
    let total =
        format!("\"receipts_total_fen\": {}", serde_json::from_slice::<serde_json::Value>(&pack).unwrap()["content"]["receipts_total_fen"]);
    assert!(text.contains(&total), "{total}");
    std::fs::write(dir.path().join("pack.json"), text.replace(&total, "\"receipts_total_fen\": 1")).unwrap();
    let out = mingzhang().arg("check-pack").arg(dir.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "a tampered pack fails check-pack: {}", String::from_utf8_lossy(&out.stdout));
}

#[tokio::test]
async fn the_verification_page_proves_a_published_payment_and_limits_guessing() {
    on_fresh_store!(verification_page)
}

/// The collective's members' page: a member signs in with their household's code and sees
/// their household's lines only, everyone's once the collective decided to show names; the
/// public disclosure never names anyone.
async fn members_page<S: mingzhang::app::AppStore>(ledger: Ledger<S>, url: &str) {
    let books = mingzhang::cli::demo::build(&ledger, 6, 2025, 40).await.unwrap();
    let c = books.company.row.community_id;
    let fees = ledger.fees();
    let access = mingzhang::access::Access::new(ledger.store.clone());
    let me = fees.household_by_label(c, "1-1-101").await.unwrap();
    let code = access.issue_household_code(c, me.id).await.unwrap();
    let others: Vec<String> =
        fees.households(c).await.unwrap().into_iter().filter(|h| h.owner_name != me.owner_name).map(|h| h.owner_name).collect();
    let server = spawn_app(url);
    let http = client();
    let sign_in = |household: &'static str, code: String| {
        let http = http.clone();
        let (form_url, post_url) = (server.url(&format!("/c/{}/members", c.0)), server.url(&format!("/c/{}/members", c.0)));
        async move {
            let html = http.get(form_url).send().await.unwrap().text().await.unwrap();
            let at = html.find("name=\"csrf\" value=\"").unwrap() + 19;
            let csrf = html[at..].split('"').next().unwrap().to_string();
            let r = http
                .post(post_url)
                .form(&[("csrf", csrf.as_str()), ("household", household), ("code", code.as_str())])
                .send()
                .await
                .unwrap();
            (r.status(), r.text().await.unwrap())
        }
    };
    let (status, _) = sign_in("1-1-101", "AAA-AAA-AAA-AAA".into()).await;
    assert_eq!(status, reqwest::StatusCode::UNAUTHORIZED);
    let (status, mine) = sign_in("1-1-101", code.clone()).await;
    assert_eq!(status, reqwest::StatusCode::OK, "{mine}");
    assert!(mine.contains(&me.owner_name), "the member sees their own line");
    assert!(!others.iter().any(|n| mine.contains(n.as_str())), "and no one else's");
    let distribution = mingzhang::collective::Collective::new(&ledger).distributions(&books.collective).await.unwrap()[0].id;
    let refused = mingzhang::disclosure::members::show_names(&ledger, &books.collective, distribution, " ", DRAFTER).await;
    assert!(refused.is_err(), "a decision must be named");
    mingzhang::disclosure::members::show_names(&ledger, &books.collective, distribution, "2026年成员代表大会决议第2号", DRAFTER)
        .await
        .unwrap();
    let (_, all) = sign_in("1-1-101", code).await;
    assert!(
        all.contains("2026年成员代表大会决议第2号") && others.iter().any(|n| all.contains(n.as_str())),
        "everyone's lines once decided"
    );
    let community = ledger.community(None).await.unwrap();
    publish::draft_and_publish(&ledger.store, &community, &DisclosurePeriod::parse("2025").unwrap(), "", DRAFTER, APPROVER).await.unwrap();
    let public = http.get(server.url(&format!("/c/{}/disclosures/2025/v1", c.0))).send().await.unwrap().text().await.unwrap();
    assert!(public.contains("集体收益及分配情况公示") && !public.contains(&me.owner_name), "the public page names no member");
}

#[tokio::test]
async fn members_see_their_own_distribution_and_everyones_only_when_the_collective_decides() {
    on_fresh_store!(members_page)
}
