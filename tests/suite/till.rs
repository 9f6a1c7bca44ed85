//! The cashier's till on the pages (issue 29, points 4–7): the search box finds a room however
//! it is typed and opens an exact one; the pay form sits above the bills and keeps what was
//! typed when a payment is refused; an amount far above what is owed asks again in 大写; a
//! back-dated payment needs its reason and is marked 补录; a 微信 payment keeps its 交易单号.

use reqwest::StatusCode;

use crate::common::*;

/// The till's form of household `h` of community `c`: its page, CSRF token and key.
async fn till(server: &Server, cashier: &reqwest::Client, c: i64, h: i64) -> (String, String, String) {
    let page = cashier.get(server.url(&format!("/app/c/{c}/households/{h}"))).send().await.unwrap().text().await.unwrap();
    let key_at = page.find("name=\"key\" value=\"").unwrap() + "name=\"key\" value=\"".len();
    let key = page[key_at..].split('"').next().unwrap().to_string();
    (csrf_of(&page), key, page)
}

#[tokio::test]
async fn the_search_box_finds_a_room_however_it_is_typed_and_opens_an_exact_one() {
    let db = fresh_db().await;
    let (a, _, _) = seed(&db.url).await;
    let server = spawn_app(&db.url);
    let cashier = login(&server, "cashier_a").await;
    let search = |q: &str| cashier.get(server.url(&format!("/app/c/{a}/cashier?q={}", urlencode(q)))).send();
    // A whole house number, however typed, opens the household.
    for q in ["1-1-101", "1 1 101", "１－１－１０１", "1/1/101"] {
        let r = search(q).await.unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{q}");
        assert!(r.headers()["location"].to_str().unwrap().ends_with("/households/1"), "{q}");
    }
    // Part of one lists the households, with what each owes.
    for (q, want) in
        [("1-1-", vec!["1-1-101", "1-1-102"]), ("102", vec!["1-1-102"]), ("zhangsan", vec!["1-1-101"]), ("zs", vec!["1-1-101"])]
    {
        let page = search(q).await.unwrap().text().await.unwrap();
        let results = &page[page.find("id=\"results\"").unwrap_or_else(|| panic!("{q}: {page}"))..];
        for label in ["1-1-101", "1-1-102"] {
            assert_eq!(results.contains(&format!(">{label}<")), want.contains(&label), "{q} → {label}: {results}");
        }
        assert!(
            results.contains("欠费") && (results.contains(">200.00<") || results.contains(">180.00<")),
            "arrears are listed: {results}"
        );
    }
}

#[tokio::test]
async fn the_till_asks_again_for_a_large_amount_keeps_what_was_typed_and_marks_a_late_entry() {
    let db = fresh_db().await;
    let (a, _, _) = seed(&db.url).await;
    let server = spawn_app(&db.url);
    let cashier = login(&server, "cashier_a").await;
    let (csrf, key, page) = till(&server, &cashier, a, 1).await;
    // The pay form is on top, before the list of bills.
    assert!(page.find("id=\"amount\"").unwrap() < page.find("id=\"bills\"").unwrap(), "the pay form is above the bills");
    assert!(page.contains("value=\"200.00\""), "the amount starts at what is owed");
    let pay = |fields: Vec<(&'static str, String)>| {
        let mut form: Vec<(&str, String)> = vec![("csrf", csrf.clone()), ("key", key.clone()), ("method", "cash".into())];
        form.extend(fields);
        cashier.post(server.url(&format!("/app/c/{a}/households/1/pay"))).form(&form).send()
    };
    let today = mingzhang::domain::time::beijing_today().to_string();
    let before = books_snapshot(&db.url).await;

    // 壹亿元整 for a household owing 200.00: asked again in 大写, nothing recorded.
    let r = pay(vec![("amount", "100000000".into()), ("date", today.clone())]).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let page = r.text().await.unwrap();
    assert!(page.contains("id=\"confirm\"") && page.contains("壹亿元整"), "{page}");
    assert!(page.contains("value=\"100000000\""), "the amount is kept");
    // A thousands separator is refused by the one rule for typed amounts, the amount kept.
    let page = pay(vec![("amount", "8,600.00".into()), ("date", today.clone())]).await.unwrap().text().await.unwrap();
    assert!(page.contains("id=\"error\"") && page.contains("8600.00") && page.contains("value=\"8,600.00\""), "{page}");
    // A date before today needs the reason it was entered late.
    let page = pay(vec![("amount", "50.00".into()), ("date", "2025-01-20".into()), ("remark", "一月物业费".into())])
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("补录原因") && page.contains("id=\"error\""), "{page}");
    assert!(page.contains("value=\"一月物业费\""), "the remark is kept");
    assert_eq!(books_snapshot(&db.url).await, before, "nothing is recorded until the cashier confirms");

    // Confirmed, the same amount is taken; a changed one would be asked again.
    let late = |amount: &str, confirmed: &str| {
        vec![
            ("amount", amount.to_string()),
            ("date", "2025-01-20".to_string()),
            ("late_reason", "一月漏记".to_string()),
            ("confirmed", confirmed.to_string()),
        ]
    };
    let r = pay(late("100000000", "9999")).await.unwrap();
    assert!(r.text().await.unwrap().contains("id=\"confirm\""));
    let r = pay(late("3000.00", "300000")).await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{}", r.text().await.unwrap());

    // The book's own line (`fee settings --confirm-above`) asks again below the household's.
    let settings = |line: &str| {
        let out = mingzhang()
            .args(["--db", &db.url, "--community", "甲社区", "fee", "settings", "--book", "company", "--confirm-above", line])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).to_string()
    };
    assert!(settings("150.00").contains("收款确认线 150.00 元"));
    // The server keeps each community's book for SCOPE_TTL (2 s); a change on the command line
    // shows after it.
    tokio::time::sleep(mingzhang::http::SCOPE_TTL + std::time::Duration::from_millis(100)).await;
    let (csrf, key, _) = till(&server, &cashier, a, 2).await;
    let form = [
        ("csrf", csrf.as_str()),
        ("key", key.as_str()),
        ("amount", "180.00"),
        ("method", "cash"),
        ("date", "2025-01-20"),
        ("late_reason", "补录"),
    ];
    let page = cashier.post(server.url(&format!("/app/c/{a}/households/2/pay"))).form(&form).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("id=\"confirm\"") && page.contains("壹佰捌拾元整"), "{page}");
    assert!(settings("无").contains("按该户欠费加一年费用"));

    // A 微信 payment, entered late with its reason and 交易单号: marked 补录 in the history.
    let (csrf, key, _) = till(&server, &cashier, a, 2).await;
    let form = [
        ("csrf", csrf.as_str()),
        ("key", key.as_str()),
        ("amount", "200.00"),
        ("method", "wechat"),
        ("date", "2025-01-20"),
        ("reference", "4200001234202501200001"),
        ("late_reason", "微信到账，次日入账"),
        // Confirmed: the server may still hold the line just removed (for SCOPE_TTL).
        ("confirmed", "20000"),
    ];
    let r = cashier.post(server.url(&format!("/app/c/{a}/households/2/pay"))).form(&form).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, _, page) = till(&server, &cashier, a, 2).await;
    let history = &page[page.find("id=\"history\"").unwrap()..];
    assert!(history.contains("补录") && history.contains("4200001234202501200001"), "{history}");
    let day = cashier.get(server.url(&format!("/app/c/{a}/takings?date=2025-01-20"))).send().await.unwrap().text().await.unwrap();
    assert!(day.contains("补录"), "the day's report marks it: {day}");
    // The 交班日报 prints, to be counted and signed at the hand-over.
    let r = cashier.get(server.url(&format!("/app/c/{a}/takings.pdf?date=2025-01-20&cashier=cashier_a"))).send().await.unwrap();
    assert_eq!(r.headers()["content-type"], "application/pdf");
    if let Some(text) = pdf_text(&r.bytes().await.unwrap()) {
        for words in ["交班日报", "cashier_a", "补录", "4200001234202501200001", "应交现金", "实点现金", "接班人"] {
            assert!(text.contains(words), "{words}: {text}");
        }
    }
}

fn urlencode(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

#[tokio::test]
async fn dunning_notices_for_the_ticked_households_and_a_waiver_with_an_approver_on_the_pages() {
    let db = fresh_db().await;
    let (a, _, _) = seed(&db.url).await;
    let server = spawn_app(&db.url);
    let cashier = login(&server, "cashier_a").await;
    // January is overdue by mid-February: both households of 甲 are listed.
    let page = cashier.get(server.url(&format!("/app/c/{a}/dunning?date=2025-02-15"))).send().await.unwrap().text().await.unwrap();
    let list = &page[page.find("id=\"arrears\"").expect("the list")..];
    assert!(list.contains(">1-1-101<") && list.contains(">1-1-102<"), "{list}");
    // Only the ticked one gets a notice.
    let csrf = csrf_of(&page);
    let form = [
        ("csrf", csrf.as_str()),
        ("date", "2025-02-15"),
        ("pay_by", "2025-03-01"),
        ("contact", "物业服务中心 电话 0000"),
        ("household", "1-1-102"),
    ];
    let r = cashier.post(server.url(&format!("/app/c/{a}/dunning.pdf"))).form(&form).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    if let Some(text) = pdf_text(&r.bytes().await.unwrap()) {
        assert!(text.contains("1-1-102") && !text.contains("1-1-101") && text.contains("2025年3月1日"), "{text}");
    }
    let none = [("csrf", csrf.as_str()), ("date", "2025-02-15")];
    assert_eq!(
        cashier.post(server.url(&format!("/app/c/{a}/dunning.pdf"))).form(&none).send().await.unwrap().status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );

    // 减免 of 50.00 on 1-1-101's January bill, approved by the reviewer's password.
    let (csrf, _, page) = till(&server, &cashier, a, 1).await;
    let at = page.find("name=\"bill\" value=\"").unwrap() + "name=\"bill\" value=\"".len();
    let bill = page[at..].split('"').next().unwrap().to_string();
    let waive = |approver: &'static str, password: &'static str| {
        let form = [
            ("csrf", csrf.clone()),
            ("bill", bill.clone()),
            ("amount", "50.00".to_string()),
            ("date", "2025-01-25".to_string()),
            ("reason", "困难户，经公司批准".to_string()),
            ("approver", approver.to_string()),
            ("approver_password", password.to_string()),
        ];
        cashier.post(server.url(&format!("/app/c/{a}/households/1/waive"))).form(&form).send()
    };
    let before = books_snapshot(&db.url).await;
    assert_eq!(waive("reviewer_a", "wrong").await.unwrap().status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(waive("cashier_a", PASSWORD).await.unwrap().status(), StatusCode::UNPROCESSABLE_ENTITY, "not one's own");
    assert_eq!(books_snapshot(&db.url).await, before, "a refused waiver writes nothing");
    assert_eq!(waive("reviewer_a", PASSWORD).await.unwrap().status(), StatusCode::SEE_OTHER);
    let (_, _, page) = till(&server, &cashier, a, 1).await;
    assert!(page.contains("id=\"open\">150.00<"), "{page}");
}
