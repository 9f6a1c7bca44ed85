//! The figures of 公示 (issue 28), on the demo community's books:
//!
//! 1. the whole pack of one month in all four formats (the content evaluated from the books,
//!    the JSON, and each disclosure's PDF, CSV and HTML): median of `--runs`, and each PDF's
//!    size;
//! 2. one receipt's proof on the server (the code checked, the receipt read, the month's tree
//!    built, the path taken), over `--proofs` receipts of the month, and the proof's size;
//! 3. the public verification page under an open-loop load of `--rps` requests a second for
//!    `--seconds` on loopback (the release binary, `mingzhang serve`), its latency measured from
//!    when each request was due, so a stalled server cannot hide its queue.
//!
//!     cargo bench --bench disclosure -- [--households 3000] [--rps 1000] [--seconds 10] [--pg postgres://…]

use std::time::{Duration, Instant};

use clap::Parser;
use mingzhang::disclosure::definition::DisclosurePeriod;
use mingzhang::disclosure::{formats, pack, publish};
use mingzhang::domain::period::Period;
use mingzhang::ledger::Ledger;
use mingzhang::store::{AnyStore, Store};

#[path = "support/mod.rs"]
mod support;
use support::{percentile, serve};

#[derive(Parser, Debug)]
struct Args {
    #[arg(long, default_value_t = 3000)]
    households: usize,
    #[arg(long, default_value_t = 7)]
    runs: usize,
    #[arg(long, default_value_t = 1000)]
    proofs: usize,
    #[arg(long, default_value_t = 1000)]
    rps: u64,
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    #[arg(long)]
    pg: Option<String>,
    #[arg(long, hide = true)]
    bench: bool,
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    let dir = tempfile::tempdir().unwrap();
    let url = match &args.pg {
        Some(url) => url.clone(),
        None => dir.path().join("disclosure.db").to_string_lossy().into_owned(),
    };
    let engine = if args.pg.is_some() { "PostgreSQL" } else { "SQLite" };
    println!("disclosure benchmark on {engine}: the demo community with {} households, November 2025", args.households);
    let month = Period::new(2025, 11).unwrap();
    let period = DisclosurePeriod::parse("2025-11").unwrap();
    let receipts = {
        let s = AnyStore::create(&url).await.unwrap();
        let ledger = Ledger::new(s.clone());
        let started = Instant::now();
        let books = mingzhang::cli::demo::build(&ledger, 2025, 2025, args.households).await.unwrap();
        println!("demo built in {:.1} s", started.elapsed().as_secs_f64());
        let community = ledger.community(None).await.unwrap();

        // 1. The whole pack, all four formats.
        let pack_books = publish::pack_books(&s, community.id).await.unwrap();
        let mut times = Vec::new();
        let mut sizes = Vec::new();
        for _ in 0..args.runs {
            let t = Instant::now();
            let content = pack::build(&s, &community, &pack_books, &period, chrono::Utc::now()).await.unwrap();
            let fingerprint = pack::fingerprint(&content);
            let whole = pack::Pack { content, fingerprint, publication: None };
            let json = serde_json::to_vec_pretty(&whole).unwrap();
            sizes.clear();
            sizes.push(("pack.json".to_string(), json.len()));
            for d in &whole.content.disclosures {
                let pdf = formats::pdf(d, &whole.content, &whole.fingerprint, None).unwrap();
                let csv = formats::csv(d, &whole.content);
                let html = formats::html_page(d, &whole.content, &whole.fingerprint, None);
                sizes.push((format!("{}.pdf", d.id), pdf.len()));
                std::hint::black_box((csv, html));
            }
            times.push(t.elapsed());
        }
        times.sort();
        println!(
            "pack of 2025-11, all four formats: median {:.1} ms (min {:.1}, max {:.1}) of {} runs",
            ms(times[times.len() / 2]),
            ms(times[0]),
            ms(times[times.len() - 1]),
            times.len()
        );
        for (name, bytes) in &sizes {
            println!("  {name}: {:.1} KB", *bytes as f64 / 1024.0);
        }
        publish::draft_and_publish(&s, &community, &period, "", mingzhang::cli::demo::MAKER, mingzhang::cli::demo::REVIEWER).await.unwrap();

        // 2. One receipt's proof.
        let tree = mingzhang::disclosure::month_tree(&s, &books.company, month).await.unwrap();
        let mut pairs = Vec::new();
        for leaf in tree.leaves.iter().take(args.proofs) {
            pairs.push((leaf.receipt_number, mingzhang::disclosure::receipt_code(&s, &books.company, leaf.receipt_number).await.unwrap()));
        }
        let mut times = Vec::new();
        let mut bytes = 0;
        for (number, code) in &pairs {
            let t = Instant::now();
            let proof = mingzhang::disclosure::receipt_proof(&s, &books.company, *number, code).await.unwrap().expect("a proof");
            times.push(t.elapsed());
            bytes = bytes.max(serde_json::to_vec(&proof.proof).unwrap().len());
        }
        times.sort();
        println!(
            "one receipt's proof ({} receipts in the month, {} proofs): p50 {:.2} ms, p99 {:.2} ms; proof {} bytes of JSON ({} steps)",
            tree.leaves.len(),
            times.len(),
            percentile(&times, 0.5),
            percentile(&times, 0.99),
            bytes,
            tree.tree.path(pairs[0].0).map_or(0, |p| p.len())
        );
        s.close().await;
        pairs
    };

    // 3. The verification page, open loop.
    let server = serve(&url, &["--verify-every-minutes", "0"]);
    let community = 1;
    let client = reqwest::Client::builder().pool_max_idle_per_host(256).build().unwrap();
    let warm = format!("{}/c/{community}/verify?r={}&code={}", server.1, receipts[0].0, receipts[0].1);
    assert_eq!(client.get(&warm).send().await.unwrap().status().as_u16(), 200);
    let interval = Duration::from_nanos(1_000_000_000 / args.rps);
    let total = args.rps * args.seconds;
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(total as usize);
    for i in 0..total {
        let due = started + interval * i as u32;
        tokio::time::sleep_until(due.into()).await;
        let (number, code) = &receipts[i as usize % receipts.len()];
        let u = format!("{}/c/{community}/verify?r={number}&code={code}", server.1);
        let client = client.clone();
        tasks.push(tokio::spawn(async move {
            let r = client.get(&u).send().await.expect("request");
            let status = r.status().as_u16();
            let body = r.bytes().await.expect("body");
            assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
            assert!(String::from_utf8_lossy(&body).contains("id=\"included\""), "the receipt is in the published total");
            due.elapsed()
        }));
    }
    let mut latencies = Vec::new();
    for t in tasks {
        latencies.push(t.await.unwrap());
    }
    let took = started.elapsed();
    latencies.sort();
    println!(
        "verification page at {} requests/s for {} s ({} done in {:.1} s): p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        args.rps,
        args.seconds,
        latencies.len(),
        took.as_secs_f64(),
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.9),
        percentile(&latencies, 0.99),
        percentile(&latencies, 1.0)
    );
}
