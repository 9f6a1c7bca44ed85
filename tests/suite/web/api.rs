//! The JSON API under garbage: no 5xx, no partial write.

use crate::common::*;
use serde_json::{json, Value};

/// A body for the fuzzer: random bytes, or JSON near the payment's shape with a field broken.
fn fuzz_body(rng: &mut rand::rngs::SmallRng) -> Vec<u8> {
    use rand::Rng;
    let odd: [Value; 12] = [
        json!(null),
        json!(-1),
        json!(1e308),
        json!("１２３．４５"),
        json!("1e3"),
        json!("99999999999999999999.99"),
        json!("<script>x</script>"),
        json!([1, 2]),
        json!({ "a": { "b": [] } }),
        json!(i64::MAX),
        json!("0.001"),
        json!("\u{0000}\u{202e}"),
    ];
    match rng.gen_range(0..4) {
        0 => (0..rng.gen_range(0..200)).map(|_| rng.gen()).collect(),
        _ => {
            let mut body = json!({ "household_id": 1, "amount": "1.00", "method": "cash", "date": "2025-01-20" });
            let fields = ["household_id", "amount", "method", "date", "bills", "extra", "reason", "approver", "username", "roles"];
            for _ in 0..rng.gen_range(1..4) {
                let field = fields[rng.gen_range(0..fields.len())];
                if rng.gen_bool(0.2) {
                    body.as_object_mut().unwrap().remove(field);
                } else {
                    body[field] = odd[rng.gen_range(0..odd.len())].clone();
                }
            }
            serde_json::to_vec(&body).unwrap()
        }
    }
}

#[tokio::test]
async fn the_json_api_survives_garbage_without_a_5xx_or_a_partial_write() {
    use rand::SeedableRng;
    let db = fresh_db().await;
    let (a, _, _) = seed(&db.url).await;
    let cashier = token(&db.url, "cashier_a").await;
    let admin = token(&db.url, "admin").await;
    let server = spawn_app(&db.url);
    let api = client();
    let routes = [
        (format!("/api/v1/communities/{a}/payments"), cashier.as_str()),
        (format!("/api/v1/communities/{a}/receipts/1/void"), cashier.as_str()),
        ("/api/v1/users".to_string(), admin.as_str()),
    ];
    let mut rng = rand::rngs::SmallRng::seed_from_u64(11);
    let mut accepted = 0;
    for i in 0..300 {
        let (path, token) = &routes[i % routes.len()];
        let body = fuzz_body(&mut rng);
        let before = books_snapshot(&db.url).await;
        let r = api
            .post(server.url(path))
            .header("authorization", format!("Bearer {token}"))
            .header("idempotency-key", format!("fuzz-{i}"))
            .header("content-type", "application/json")
            .body(body.clone())
            .send()
            .await
            .unwrap();
        let status = r.status();
        let answer = r.text().await.unwrap();
        assert!(status.as_u16() < 500, "{path} answered {status} to {}: {answer}", String::from_utf8_lossy(&body));
        if status.is_success() {
            accepted += 1;
        } else {
            let err: Value = serde_json::from_str(&answer).unwrap_or_else(|_| panic!("an error is JSON: {answer}"));
            assert!(err["code"].is_string() && err["message"].is_string(), "{err}");
            assert_unchanged(&before, &books_snapshot(&db.url).await, "a refused request");
        }
    }
    eprintln!("fuzzed 300 requests: {accepted} accepted, every refusal a 4xx that wrote nothing");
}

/// Two communities' cashiers paying through the API at once: their payments go to the server's
/// group commit together and are recorded as one group per community (side by side on
/// PostgreSQL). Each is answered once, each community's receipts run 1, 2, … without a gap,
/// and the books verify.
#[tokio::test]
async fn two_communities_cashiers_paying_at_once_each_get_their_own_gap_free_receipts() {
    let db = fresh_db().await;
    let (a, b, _) = seed(&db.url).await;
    let tokens = [token(&db.url, "cashier_a").await, token(&db.url, "cashier_b").await];
    let households = {
        let store = mingzhang::store::AnyStore::connect(&db.url).await.unwrap();
        let fees = mingzhang::fees::Fees::new(&mingzhang::ledger::Ledger::new(store.clone()));
        let mut ids = Vec::new();
        for c in [a, b] {
            ids.push(fees.household_by_label(mingzhang::domain::ids::CommunityId(c), "1-1-101").await.unwrap().id);
        }
        mingzhang::store::Store::close(&store).await;
        ids
    };
    let server = spawn_app(&db.url);
    const EACH: usize = 30;
    let mut payers = Vec::new();
    for (k, community) in [a, b].into_iter().enumerate() {
        for lane in 0..3 {
            let (url, token, household) =
                (server.url(&format!("/api/v1/communities/{community}/payments")), tokens[k].clone(), households[k]);
            payers.push(tokio::spawn(async move {
                let api = client();
                let mut receipts = Vec::new();
                for i in 0..EACH / 3 {
                    let body = json!({ "household_id": household, "amount": "1.00", "method": "cash", "date": "2025-02-03" });
                    let r = api
                        .post(&url)
                        .header("authorization", format!("Bearer {token}"))
                        .header("idempotency-key", format!("both-{lane}-{i}"))
                        .json(&body)
                        .send()
                        .await
                        .unwrap();
                    assert_eq!(r.status().as_u16(), 201);
                    let answer: Value = r.json().await.unwrap();
                    receipts.push((k, answer["number"].as_i64().expect("a receipt number")));
                }
                receipts
            }));
        }
    }
    let mut numbers = [Vec::new(), Vec::new()];
    for payer in payers {
        for (k, number) in payer.await.unwrap() {
            numbers[k].push(number);
        }
    }
    for mut n in numbers {
        n.sort();
        assert_eq!(n, (1..=EACH as i64).collect::<Vec<_>>(), "each community's receipts, once each and without a gap");
    }
    drop(server);
    let (code, out, err) = run(&db.url, &["verify"]);
    assert_eq!(code, 0, "{out}{err}");
}
