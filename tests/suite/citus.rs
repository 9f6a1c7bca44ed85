//! A city on Citus (`store::citus`): connecting distributes the tables with Citus's safe
//! defaults, the rules the PostgreSQL triggers held still hold, and a cashier's and an
//! accountant's commands each stay inside one community's shard, proved with
//! `citus.multi_task_query_log_level = 'error'` (any statement that would run on more than one
//! shard fails).
//!
//! Runs when MINGZHANG_TEST_CITUS names a coordinator's admin URL
//! (`postgres://postgres@127.0.0.1:55400/postgres`) and MINGZHANG_TEST_CITUS_WORKERS its
//! workers (`127.0.0.1:55401,127.0.0.1:55402`); `.ci/run` starts such a cluster. Skipped with a
//! notice otherwise.

use crate::common;

use common::*;
use mingzhang::store::Store;
use sqlx::{Connection, Row};

/// Registering workers in two databases at once fails in Citus: the tests make theirs in turn.
static SETUP: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// A role that is neither superuser nor owner, for the tampering: a superuser passes every
/// row-level security policy.
const CLERK: &str = "mz_citus_clerk";

/// A new database on the coordinator and every worker, with the extension and the workers
/// registered, migrated and distributed by the program, with the test people; None (and a
/// notice) without a cluster.
async fn citus_db() -> Option<TestDb> {
    let db = empty_citus_db().await?;
    let db = with_people(db).await;
    let mut conn = sqlx::PgConnection::connect(&db.url).await.unwrap();
    sqlx::query(&format!("GRANT USAGE ON SCHEMA public TO {CLERK}")).execute(&mut conn).await.unwrap();
    sqlx::query(&format!("GRANT ALL ON ALL TABLES IN SCHEMA public TO {CLERK}")).execute(&mut conn).await.unwrap();
    Some(db)
}

/// A new database on the coordinator and every worker, with the extension and the workers
/// registered, and no tables yet.
async fn empty_citus_db() -> Option<TestDb> {
    let Some(admin) = std::env::var("MINGZHANG_TEST_CITUS").ok().filter(|s| !s.is_empty()) else {
        eprintln!("MINGZHANG_TEST_CITUS is not set: the Citus tests are skipped");
        return None;
    };
    let workers: Vec<String> =
        std::env::var("MINGZHANG_TEST_CITUS_WORKERS").expect("MINGZHANG_TEST_CITUS_WORKERS").split(',').map(str::to_string).collect();
    let _turn = SETUP.lock().await;
    let name = format!("mz_citus_{}_{}", std::process::id(), rand::random::<u32>());
    let (base, _) = admin.rsplit_once('/').expect("URL with a database name");
    let (scheme_user, coordinator) = base.rsplit_once('@').expect("URL with a user");
    for node in std::iter::once(coordinator.to_string()).chain(workers.iter().cloned()) {
        let mut conn = sqlx::PgConnection::connect(&format!("{scheme_user}@{node}/postgres")).await.expect("connect to a Citus node");
        sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut conn).await.expect("create the database on a node");
        let mut db = sqlx::PgConnection::connect(&format!("{scheme_user}@{node}/{name}")).await.expect("connect to the new database");
        sqlx::query("CREATE EXTENSION citus").execute(&mut db).await.expect("the citus extension");
    }
    let url = format!("{base}/{name}");
    let mut conn = sqlx::PgConnection::connect(&url).await.unwrap();
    let (host, port) = coordinator.split_once(':').unwrap();
    sqlx::query("SELECT citus_set_coordinator_host($1, $2)")
        .bind(host)
        .bind(port.parse::<i32>().unwrap())
        .execute(&mut conn)
        .await
        .unwrap();
    for worker in &workers {
        let (host, port) = worker.split_once(':').unwrap();
        sqlx::query("SELECT citus_add_node($1, $2)").bind(host).bind(port.parse::<i32>().unwrap()).execute(&mut conn).await.unwrap();
    }
    // Citus carries the role to the workers; it stays from one run to the next.
    let _ = sqlx::query(&format!("CREATE ROLE {CLERK} LOGIN")).execute(&mut conn).await;
    Some(TestDb::at(url))
}

/// The first migration written for a schema already distributed adds a table whose foreign
/// keys name distributed tables (0041, billing_run_items): on a database distributed at the
/// migration before it, connecting migrates it (the keys wait in citus_pending_foreign_keys)
/// and distributes the new table with its keys; then the walk, with the multi-shard guard on,
/// bills through it and verifies.
#[tokio::test]
async fn a_migration_after_distribution_runs_on_the_distributed_schema() {
    let Some(db) = empty_citus_db().await else { return };
    let url = db.url.as_str();
    let dir = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/postgres"));
    let mut before = sqlx::migrate::Migrator::new(dir).await.unwrap();
    let last = before.migrations.iter().map(|m| m.version).max().unwrap();
    before.migrations = before.migrations.iter().filter(|m| m.version < 41).cloned().collect::<Vec<_>>().into();
    let pool = sqlx::PgPool::connect(url).await.unwrap();
    before.run(&pool).await.unwrap();
    mingzhang::store::citus::distribute(&pool).await.unwrap();
    let _admin = guarded(url).await;
    let db = with_people(db).await;
    let url = db.url.as_str();
    let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
    let applied: i64 = sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations WHERE success").fetch_one(&mut conn).await.unwrap();
    assert_eq!(applied, last);
    let colocated: Vec<(String, i32)> = sqlx::query_as(
        "SELECT logicalrelid::regclass::text, colocationid FROM pg_dist_partition
         WHERE logicalrelid::regclass::text IN ('billing_run_items', 'bills') ORDER BY 1",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    assert_eq!(colocated.len(), 2, "{colocated:?}");
    assert_eq!(colocated[0].1, colocated[1].1, "the new table joins the bills' colocation group");
    let keys: Vec<String> = sqlx::query_scalar(
        "SELECT conname::text FROM pg_constraint WHERE contype = 'f' AND conrelid IN ('bills'::regclass, 'billing_run_items'::regclass)
         ORDER BY 1",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    assert_eq!(
        keys,
        [
            "billing_run_items_fee_item_fkey",
            "billing_run_items_run_fkey",
            "bills_household_id_fkey",
            "bills_run_item_fkey",
            "bills_unit_id_fkey"
        ]
    );
    let pending: Option<String> =
        sqlx::query_scalar("SELECT to_regclass('citus_pending_foreign_keys')::text").fetch_one(&mut conn).await.unwrap();
    assert_eq!(pending, None, "no key left waiting");
    ok(url, &["init", "升级社区"]);
    walk(url, "升级社区");
    let out = ok(url, &["verify"]);
    assert!(out.contains("全部通过"), "{out}");
    // The test's own count, across the shards.
    sqlx::query("SET citus.multi_task_query_log_level = 'off'").execute(&mut conn).await.unwrap();
    let items: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM billing_run_items").fetch_one(&mut conn).await.unwrap();
    assert!(items > 0, "the walk's billing wrote its runs' rows");
}

/// One statement as CLERK on a connection of its own, the multi-shard guard off (it is the
/// test's tampering, not the program's).
async fn tamper(url: &str, sql: &str) -> Result<u64, sqlx::Error> {
    let (scheme, rest) = url.split_once("://").unwrap();
    let (_, host_and_db) = rest.split_once('@').unwrap();
    let mut conn = sqlx::PgConnection::connect(&format!("{scheme}://{CLERK}@{host_and_db}")).await?;
    sqlx::query("SET citus.multi_task_query_log_level = 'off'").execute(&mut conn).await?;
    Ok(sqlx::query(sql).execute(&mut conn).await?.rows_affected())
}

#[tokio::test]
async fn connecting_distributes_every_table_by_its_kind_and_distribute_runs_again_without_change() {
    let Some(db) = citus_db().await else { return };
    let mut conn = sqlx::PgConnection::connect(&db.url).await.unwrap();
    let kinds: Vec<(String, String, i32)> = sqlx::query(
        "SELECT logicalrelid::regclass::text, partmethod::text || repmodel::text, colocationid FROM pg_dist_partition ORDER BY 1",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap()
    .iter()
    .map(|r| (r.get(0), r.get(1), r.get(2)))
    .collect();
    let with_community: Vec<String> = sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.columns WHERE table_schema = 'public' AND column_name = 'community_id'
         ORDER BY 1",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    let reference: Vec<&str> = kinds.iter().filter(|(_, k, _)| k == "nt").map(|(t, _, _)| t.as_str()).collect();
    assert_eq!(reference, ["api_tokens", "communities", "sessions", "user_communities", "user_roles", "user_versions", "users"]);
    let distributed: Vec<&(String, String, i32)> = kinds.iter().filter(|(_, k, _)| k.starts_with('h')).collect();
    let expected: Vec<&String> = with_community.iter().filter(|t| !["audit_log", "user_communities"].contains(&t.as_str())).collect();
    assert_eq!(distributed.iter().map(|(t, _, _)| t).collect::<Vec<_>>(), expected, "every community table is distributed");
    assert!(distributed.iter().all(|(_, _, group)| *group == distributed[0].2), "all in one colocation group");
    assert!(!kinds.iter().any(|(t, _, _)| t.starts_with("audit")), "the audit log stays on the coordinator");
    let triggers: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM pg_trigger t JOIN pg_dist_partition d ON d.logicalrelid = t.tgrelid WHERE NOT t.tgisinternal",
    )
    .fetch_one(&mut conn)
    .await
    .unwrap();
    assert_eq!(triggers, 0, "Citus's defaults admit no trigger on its tables");

    let out = ok(&db.url, &["distribute"]);
    assert!(out.contains("各表已分布，无需改动") && out.contains(&format!("分布式表 {} 张", expected.len())), "{out}");
    assert_eq!(out.matches("个分片").count(), 2, "both workers hold shards: {out}");
}

/// The database of `url` with the multi-shard guard on for every later connection (any
/// statement touching more than one shard fails); an admin connection to it.
async fn guarded(url: &str) -> sqlx::PgConnection {
    let name = url.rsplit_once('/').unwrap().1;
    let mut admin = sqlx::PgConnection::connect(url).await.unwrap();
    sqlx::query(&format!("ALTER DATABASE {name} SET citus.multi_task_query_log_level = 'error'")).execute(&mut admin).await.unwrap();
    admin
}

/// A community's book, households, fee item and standard, a billing run, a payment with its
/// receipt, and the trial balance: the command walk, each command inside the community.
fn walk(url: &str, community: &str) {
    let c = ["--community", community];
    ok(
        url,
        &[&c[..], &["book", "create", "--code", "company", "--name", "物业公司", "--chart", "small_enterprise", "--start", "2025-01"]]
            .concat(),
    );
    let dir = tempfile::tempdir().unwrap();
    let households = dir.path().join("households.csv");
    std::fs::write(
        &households,
        "楼栋,单元,房号,建筑面积,类型,业主,电话\n3,1,101,100.00,住宅,孙八,13900000001\n3,1,102,80.00,住宅,周九,13900000002\n",
    )
    .unwrap();
    ok(url, &[&c[..], &["household", "import", "--file", households.to_str().unwrap()]].concat());
    ok(
        url,
        &[
            &c[..],
            &["fee", "item", "--book", "company", "--code", "WYF", "--name", "物业费", "--basis", "per_m2_month", "--account", "500101"],
        ]
        .concat(),
    );
    ok(
        url,
        &[&c[..], &["fee", "standard", "--book", "company", "--item", "WYF", "--kind", "住宅", "--rate", "1.20", "--from", "2025-01-01"]]
            .concat(),
    );
    let out = ok(url, &[&c[..], &["bill", "--book", "company", "--period", "2025-02", "--user", "会计甲"]].concat());
    assert!(out.contains("新账单 2 张"), "{out}");
    let pay = [
        "pay",
        "--book",
        "company",
        "--household",
        "3-1-101",
        "--amount",
        "120.00",
        "--method",
        "微信",
        "--date",
        "2025-02-10",
        "--key",
        "k1",
        "--cashier",
        "出纳丙",
    ];
    let receipt = ok(url, &[&c[..], &pay[..]].concat());
    assert!(receipt.contains("No.000001"), "{receipt}");
    ok(url, &[&c[..], &["receipt", "show", "--book", "company", "--number", "1"]].concat());
    ok(url, &[&c[..], &["report", "--book", "company", "--to", "2025-02", "trial-balance"]].concat());
}

#[tokio::test]
async fn a_cashiers_and_an_accountants_commands_each_stay_inside_one_community_and_the_rules_hold() {
    let Some(db) = citus_db().await else { return };
    let url = db.url.as_str();
    let _admin = guarded(url).await;
    // Two communities, so that a statement not kept to one would meet the other's shard.
    for community in ["第一社区", "第二社区"] {
        ok(url, &["init", community]);
    }
    walk(url, "第一社区");
    walk(url, "第二社区");
    let out = ok(url, &["verify"]);
    assert!(out.contains("全部通过"), "{out}");

    // The triggers' rules, held on every shard by row-level security.
    assert_eq!(tamper(url, "UPDATE bills SET amount_fen = amount_fen + 1").await.unwrap(), 0, "bills are append-only");
    assert_eq!(tamper(url, "DELETE FROM payments").await.unwrap(), 0, "payments are append-only");
    assert_eq!(
        tamper(url, "UPDATE vouchers SET number = number + 1000 WHERE status = 'posted'").await.unwrap(),
        0,
        "a posted voucher never changes"
    );
    assert!(tamper(url, "INSERT INTO sealed_before (community_id, allocations_id) SELECT id, 0 FROM communities").await.is_err());
    let out = ok(url, &["verify"]);
    assert!(out.contains("全部通过"), "nothing changed: {out}");
}

/// `verify` while a server takes two communities' payments, the guard on: a first look that
/// saw a payment land between two reads is looked at again with the community's writers held
/// off (Citus keeps no snapshot across transactions), each statement inside one shard.
#[tokio::test]
async fn verify_while_a_server_takes_payments_finds_nothing_and_stays_in_one_shard() {
    let Some(db) = citus_db().await else { return };
    let _admin = guarded(&db.url).await;
    crate::concurrency::verify_while_paying(&db.url).await;
}

/// `Store::steady` on Citus: the community's writers held off while it is kept, the guard on.
#[tokio::test]
async fn a_steady_view_holds_the_communitys_writers_off() {
    let Some(db) = citus_db().await else { return };
    let _admin = guarded(&db.url).await;
    crate::concurrency::steady_view_sees_no_write_land(&db.url).await;
}

/// `Store::steady` on Citus holds off a chain's first audit entry (its head row made by the
/// view) and a change to the users, the guard on.
#[tokio::test]
async fn a_steady_view_holds_off_a_chains_first_entry_and_a_users_change() {
    let Some(db) = citus_db().await else { return };
    let _admin = guarded(&db.url).await;
    crate::concurrency::steady_view_holds_off_first_entries(&db.url).await;
}

/// A community moved with Citus's own tools: isolated into shards of its own
/// (`isolate_tenant_to_new_shard`, every colocated table with it) and those moved to the other
/// worker (`citus_move_shard_placement`); its books stay verifiable and its cashier goes on
/// collecting there, each command still inside its one shard.
#[tokio::test]
async fn a_community_isolated_and_moved_to_another_worker_keeps_its_books_verifiable() {
    let Some(db) = citus_db().await else { return };
    let url = db.url.as_str();
    let mut admin = guarded(url).await;
    for community in ["第一社区", "第二社区"] {
        ok(url, &["init", community]);
        walk(url, community);
    }
    let moved: i64 = sqlx::query_scalar("SELECT id FROM communities WHERE name = '第一社区'").fetch_one(&mut admin).await.unwrap();
    let before = placements(&mut admin, moved).await;
    assert!(!before.is_empty() && before.iter().all(|(_, node, own)| *node == before[0].1 && !own), "{before:?}");

    // A community's reads go to the worker holding it (`Store::near`), with the guard.
    let store = mingzhang::store::PgStore::connect(url).await.unwrap();
    let read_on = |store: mingzhang::store::PgStore| async move {
        let (port, guard): (i32, String) = sqlx::query_as("SELECT inet_server_port(), current_setting('citus.multi_task_query_log_level')")
            .fetch_one(store.pool())
            .await
            .unwrap();
        format!("{port} {guard}")
    };
    let id = mingzhang::domain::ids::CommunityId(moved);
    let port_of = |node: &str| node.split_once(':').unwrap().1.to_string();
    assert_eq!(read_on(store.near(id).await).await, format!("{} error", port_of(&before[0].1)));

    let own: i64 = sqlx::query_scalar("SELECT isolate_tenant_to_new_shard('bills', $1, 'CASCADE', shard_transfer_mode => 'block_writes')")
        .bind(moved)
        .fetch_one(&mut admin)
        .await
        .unwrap();
    let from = placements(&mut admin, moved).await[0].1.clone();
    let to = std::env::var("MINGZHANG_TEST_CITUS_WORKERS").unwrap().split(',').find(|w| *w != from).unwrap().to_string();
    let ((from_host, from_port), (to_host, to_port)) = (from.split_once(':').unwrap(), to.split_once(':').unwrap());
    sqlx::query("SELECT citus_move_shard_placement($1, $2, $3, $4, $5, shard_transfer_mode => 'block_writes')")
        .bind(own)
        .bind(from_host)
        .bind(from_port.parse::<i32>().unwrap())
        .bind(to_host)
        .bind(to_port.parse::<i32>().unwrap())
        .execute(&mut admin)
        .await
        .unwrap();
    let after = placements(&mut admin, moved).await;
    assert_eq!(after.len(), before.len(), "every table of the community moved: {after:?}");
    assert!(after.iter().all(|(_, node, own)| *node == to && *own), "shards of its own, on {to}: {after:?}");

    assert_eq!(read_on(store.near(id).await).await, format!("{to_port} error"), "the reads follow the community to its new worker");
    let out = ok(url, &["verify"]);
    assert!(out.contains("全部通过"), "{out}");
    let c = ["--community", "第一社区"];
    let pay = ["pay", "--book", "company", "--household", "3-1-102", "--amount", "50.00", "--method", "现金", "--date", "2025-02-11"];
    let receipt = ok(url, &[&c[..], &pay[..], &["--key", "k2", "--cashier", "出纳丙"]].concat());
    assert!(receipt.contains("No.000002"), "{receipt}");
    let out = ok(url, &["verify"]);
    assert!(out.contains("全部通过"), "{out}");
}

/// The shards that hold `community` of every distributed table: (shard, node, whether the shard
/// holds that community alone).
async fn placements(conn: &mut sqlx::PgConnection, community: i64) -> Vec<(i64, String, bool)> {
    let sql = "SELECT sh.shardid, n.nodename || ':' || n.nodeport, sh.shardminvalue::bigint = sh.shardmaxvalue::bigint
               FROM pg_dist_partition p
               JOIN pg_dist_shard sh ON sh.logicalrelid = p.logicalrelid
                AND sh.shardid = get_shard_id_for_distribution_column(p.logicalrelid, $1)
               JOIN pg_dist_placement pl ON pl.shardid = sh.shardid
               JOIN pg_dist_node n ON n.groupid = pl.groupid
               WHERE p.partmethod = 'h' ORDER BY 1";
    sqlx::query_as(sql).bind(community).fetch_all(conn).await.unwrap()
}

/// Without Citus, `distribute` is refused, saying why: an SQLite file, or a PostgreSQL
/// database without the extension (the suite's engine decides which).
#[tokio::test]
async fn distribute_is_refused_without_citus_saying_why() {
    let db = fresh_db().await;
    let (code, _, err) = run(&db.url, &["distribute"]);
    assert_eq!(code, 1, "{err}");
    let why = if is_pg(&db.url) { "没有 citus 扩展" } else { "SQLite 账簿无需分布" };
    assert!(err.contains(why), "{err}");
}
