//! The accountant's month on the pages (issue 29, points 10–12): every page opens on the
//! book's working month, not today's; a report keeps the month when moving to another;
//! 明细账 and 住户对账单 open on their pickers; reports print as PDF; closing and billing ask
//! before they post.

use reqwest::StatusCode;

use crate::common::*;

use mingzhang::domain::ids::VoucherId;

#[tokio::test]
async fn the_pages_open_on_the_books_working_month_and_reports_keep_it() {
    let db = fresh_db().await;
    let (a, _, _) = seed(&db.url).await;
    let server = spawn_app(&db.url);
    let accountant = login(&server, "accountant_a").await;
    let get = |path: String| {
        let c = accountant.clone();
        let url = server.url(&path);
        async move {
            let r = c.get(url).send().await.unwrap();
            (r.status(), r.text().await.unwrap())
        }
    };
    // January is billed and open: the vouchers and reports open on it; billing on February.
    let (_, vouchers) = get(format!("/app/c/{a}/vouchers")).await;
    assert!(vouchers.contains("name=\"period\" value=\"2025-01\""), "{vouchers}");
    assert!(vouchers.contains("data-confirm=\"确认结账"), "closing asks first");
    let (_, billing) = get(format!("/app/c/{a}/billing")).await;
    assert!(billing.contains("value=\"2025-02\""), "the next month to bill: {billing}");
    // The preview shows each building's bills per fee item beside last month's.
    let csrf = csrf_of(&billing);
    let preview = accountant
        .post(server.url(&format!("/app/c/{a}/billing")))
        .form(&[("csrf", csrf.as_str()), ("period", "2025-02"), ("action", "preview")])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let lines = &preview[preview.find("id=\"billing-lines\"").expect("the lines by building")..];
    assert!(lines.contains("物业服务费") && lines.contains(">380.00<") && lines.contains(">0.00<"), "{lines}");
    assert!(preview.contains("data-confirm=\"确认按预览"), "billing asks first");
    let (status, trial) = get(format!("/app/c/{a}/reports/trial-balance")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(trial.contains("name=\"to\" value=\"2025-01\""), "{trial}");
    assert!(trial.contains("name=\"level\"") && trial.contains("value=\"pdf\""), "level choice and PDF: {trial}");
    // A month chosen stays when moving to another report.
    let (_, chosen) = get(format!("/app/c/{a}/reports/trial-balance?to=2025-03&from=2025-02")).await;
    assert!(chosen.contains("/reports/income-statement?book=") && chosen.contains("&amp;to=2025-03&amp;from=2025-02"), "{chosen}");
    // 明细账 and 住户对账单 open on what they ask for.
    let (status, ledger) = get(format!("/app/c/{a}/reports/ledger")).await;
    assert_eq!(status, StatusCode::OK, "{ledger}");
    assert!(ledger.contains("id=\"ask\"") && ledger.contains("<datalist id=\"accounts\">") && ledger.contains("1001"), "{ledger}");
    let (status, ledger) = get(format!("/app/c/{a}/reports/ledger?account=1122")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(ledger.contains("id=\"report\""), "{ledger}");
    let (status, statement) = get(format!("/app/c/{a}/reports/statement")).await;
    assert_eq!(status, StatusCode::OK, "{statement}");
    assert!(statement.contains("id=\"ask\"") && statement.contains("name=\"household\""));
    let (status, statement) = get(format!("/app/c/{a}/reports/statement?household=1-1-101&to=2025-01")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(statement.contains("1-1-101") && statement.contains("id=\"report\""), "{statement}");
    // A report prints.
    let r = accountant.get(server.url(&format!("/app/c/{a}/reports/trial-balance?to=2025-01&format=pdf"))).send().await.unwrap();
    assert_eq!(r.headers()["content-type"], "application/pdf");
    if let Some(text) = pdf_text(&r.bytes().await.unwrap()) {
        assert!(text.contains("科目余额表"), "{text}");
    }
}

#[tokio::test]
async fn vouchers_take_any_number_of_lines_and_the_maker_edits_copies_and_deletes_drafts_the_reviewer_takes_the_month_at_once() {
    let db = fresh_db().await;
    let (a, _, _) = seed(&db.url).await;
    let server = spawn_app(&db.url);
    let accountant = login(&server, "accountant_a").await;
    let csrf = session_csrf(&server, &accountant).await;
    let vouchers = server.url(&format!("/app/c/{a}/vouchers"));
    // Eight lines: 添加 4 行 gives the form ten, keeping what was typed.
    let mut form: Vec<(String, String)> =
        vec![("csrf".into(), csrf.clone()), ("date".into(), "2025-01-15".into()), ("lines".into(), "6".into())];
    for i in 0..6 {
        form.extend([
            (format!("summary{i}"), format!("第{i}行")),
            (format!("account{i}"), "1001".into()),
            (format!("debit{i}"), "1.00".into()),
        ]);
    }
    let mut more = form.clone();
    more.push(("action".into(), "more".into()));
    let page = accountant.post(&vouchers).form(&more).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("name=\"summary9\"") && page.contains("value=\"第5行\""), "ten lines, as typed");
    assert!(page.contains("id=\"difference\""), "the running 借贷差额");
    form.retain(|(k, _)| k != "lines");
    form.push(("lines".into(), "10".into()));
    for i in 6..8 {
        form.extend([
            (format!("summary{i}"), format!("第{i}行")),
            (format!("account{i}"), "4001".into()),
            (format!("credit{i}"), "3.00".into()),
        ]);
    }
    let r = accountant.post(&vouchers).form(&form).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let shown = r.headers()["location"].to_str().unwrap().to_string();
    let voucher: VoucherId = shown.split("/vouchers/").nth(1).unwrap().split('?').next().unwrap().parse().unwrap();
    let page = accountant.get(server.url(&shown)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("第7行") && page.contains("id=\"edit\"") && page.contains("id=\"copy\"") && page.contains("id=\"delete\""));

    // 修改: the draft in the form, saved with one amount changed.
    let edit = server.url(&format!("/app/c/{a}/vouchers/{voucher}/edit"));
    let page = accountant.get(&edit).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("value=\"第7行\"") && page.contains("保存修改"), "{page}");
    let changed: Vec<(String, String)> = form
        .iter()
        .map(|(k, v)| {
            if k == "credit7" {
                (k.clone(), "4.00".into())
            } else if k == "debit5" {
                (k.clone(), "2.00".into())
            } else {
                (k.clone(), v.clone())
            }
        })
        .collect();
    assert_eq!(accountant.post(&edit).form(&changed).send().await.unwrap().status(), StatusCode::SEE_OTHER);
    let page = accountant.get(server.url(&shown)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("4.00") && page.contains("7.00"), "the edit is saved: {page}");

    // 复制: a new form with the same lines; the copy saved, then deleted.
    let page = accountant.get(server.url(&format!("/app/c/{a}/vouchers/new?copy={voucher}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("value=\"第7行\"") && page.contains("保存为草稿"));
    let r = accountant.post(&vouchers).form(&changed).send().await.unwrap();
    let copy = r.headers()["location"].to_str().unwrap().split("/vouchers/").nth(1).unwrap().split('?').next().unwrap().to_string();
    let r =
        accountant.post(server.url(&format!("/app/c/{a}/vouchers/{copy}/delete"))).form(&[("csrf", csrf.as_str())]).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(accountant.get(server.url(&format!("/app/c/{a}/vouchers/{copy}"))).send().await.unwrap().status(), StatusCode::NOT_FOUND);

    // The reviewer: 只看待审核 lists the draft; the month reviewed and posted at once.
    let reviewer = login(&server, "reviewer_a").await;
    let rcsrf = session_csrf(&server, &reviewer).await;
    let list =
        reviewer.get(server.url(&format!("/app/c/{a}/vouchers?period=2025-01&status=draft"))).send().await.unwrap().text().await.unwrap();
    assert!(list.contains(&format!("草稿 #{voucher}")), "{list}");
    // A batch says on the list how many it did and how many it left (the reviewer's own
    // vouchers, or those not ready): posting before review does none and says so.
    let r = reviewer
        .post(server.url(&format!("/app/c/{a}/vouchers/batch")))
        .form(&[("csrf", rcsrf.as_str()), ("period", "2025-01"), ("action", "post")])
        .send()
        .await
        .unwrap();
    let back = r.headers()["location"].to_str().unwrap().to_string();
    assert!(back.contains("&done=0&skipped="), "{back}");
    let list = reviewer.get(server.url(&back)).send().await.unwrap().text().await.unwrap();
    assert!(list.contains("已处理 0 张"), "{list}");
    let left = reviewer.get(server.url(&back.replace("&done=0&skipped=0", "&done=1&skipped=2"))).send().await.unwrap();
    assert!(left.text().await.unwrap().contains("已处理 1 张，2 张未处理（本人制单或不符合条件）"));
    for action in ["review", "post"] {
        let r = reviewer
            .post(server.url(&format!("/app/c/{a}/vouchers/batch")))
            .form(&[("csrf", rcsrf.as_str()), ("period", "2025-01"), ("action", action)])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{action}");
    }
    let page = reviewer.get(server.url(&shown)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("已记账"), "{page}");
}
