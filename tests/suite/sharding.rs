//! Keys ready for sharding by community (DESIGN.md section 5): Citus distributes every
//! community table by community_id and needs it in every PRIMARY KEY, UNIQUE constraint and
//! FOREIGN KEY between distributed tables. `communities` and the access wing's global tables
//! (users, their roles, sessions, API tokens: a user spans communities) are reference tables
//! (foreign keys to them are allowed as they are); the audit log, which also records writes of
//! no community (a user added), stays on the coordinator; `_sqlx_migrations` is local bookkeeping.
//!
//! The check reads the catalogue of a freshly migrated store: pg_constraint and pg_index on
//! PostgreSQL; on SQLite the same through pragma_index_list / pragma_index_info /
//! pragma_foreign_key_list, where `id INTEGER PRIMARY KEY` (the rowid, which has no index) is
//! allowed.

use crate::common;

use common::*;
use sqlx::{Connection, Row};

const EXEMPT: [&str; 9] =
    ["communities", "users", "user_roles", "sessions", "api_tokens", "audit_log", "audit_heads", "user_versions", "_sqlx_migrations"];

/// The unique constraints the application maps to user messages, by table.
const NAMED_UNIQUES: [(&str, &str); 15] = [
    ("books", "books_code_key"),
    ("accounts", "accounts_code_key"),
    ("vouchers", "vouchers_number_key"),
    ("vouchers", "vouchers_chain_key"),
    ("vouchers", "vouchers_reverses_key"),
    ("voucher_lines", "voucher_lines_line_key"),
    ("households", "households_room_key"),
    ("fee_items", "fee_items_code_key"),
    ("meter_readings", "meter_readings_month_key"),
    ("bills", "bills_month_key"),
    ("payments", "payments_key_key"),
    ("payments", "payments_receipt_key"),
    ("payment_voids", "payment_voids_payment_key"),
    ("payment_voids", "payment_voids_voucher_key"),
    // The one table whose natural key is its primary key.
    ("receivable_flows", "receivable_flows_pkey"),
];

struct ForeignKey {
    table: String,
    name: String,
    columns: Vec<String>,
    parent: String,
    parent_columns: Vec<String>,
}

/// What the catalogue says, engine-neutral.
struct Catalogue {
    /// Every table but the exempt ones, with its columns.
    tables: Vec<(String, Vec<String>)>,
    /// (table, constraint or index name, kind, columns in key order): primary keys, unique
    /// constraints and unique indexes.
    keys: Vec<(String, String, String, Vec<String>)>,
    foreign_keys: Vec<ForeignKey>,
    /// Names of the constraints present (PostgreSQL), or every table's CREATE text (SQLite).
    named: Vec<(String, String)>,
}

async fn pg_catalogue(url: &str) -> Catalogue {
    let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
    let cols = |rel: &str, keys: &str| {
        format!(
            "(SELECT array_agg(a.attname::text ORDER BY k.ord) FROM unnest({keys}) WITH ORDINALITY AS k(attnum, ord)
               JOIN pg_attribute a ON a.attrelid = {rel} AND a.attnum = k.attnum)"
        )
    };
    let tables: Vec<(String, Vec<String>)> = sqlx::query_as(
        "SELECT c.relname::text, array_agg(a.attname::text ORDER BY a.attnum)
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
         WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') GROUP BY c.relname ORDER BY 1",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    let constraints = sqlx::query(&format!(
        "SELECT r.relname::text AS tbl, c.conname::text AS name, c.contype::text AS kind, {} AS cols,
                CASE WHEN c.contype = 'f' THEN f.relname::text END AS ftbl, {} AS fcols
         FROM pg_constraint c JOIN pg_class r ON r.oid = c.conrelid JOIN pg_namespace n ON n.oid = r.relnamespace
         LEFT JOIN pg_class f ON f.oid = c.confrelid
         WHERE n.nspname = current_schema() AND c.contype IN ('p', 'u', 'f') ORDER BY 1, 2",
        cols("c.conrelid", "c.conkey"),
        cols("c.confrelid", "c.confkey")
    ))
    .fetch_all(&mut conn)
    .await
    .unwrap();
    // Unique indexes made without a constraint (CREATE UNIQUE INDEX) bind Citus just the same.
    let unique_indexes: Vec<(String, String, Vec<String>)> = sqlx::query_as(&format!(
        "SELECT r.relname::text, i.relname::text, {}
         FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class r ON r.oid = x.indrelid
         JOIN pg_namespace n ON n.oid = r.relnamespace
         WHERE n.nspname = current_schema() AND x.indisunique
           AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid AND c.contype IN ('p', 'u'))",
        cols("x.indrelid", "x.indkey::int2[]")
    ))
    .fetch_all(&mut conn)
    .await
    .unwrap();
    let mut cat = Catalogue { tables, keys: Vec::new(), foreign_keys: Vec::new(), named: Vec::new() };
    for row in constraints {
        let (table, name, kind): (String, String, String) = (row.get("tbl"), row.get("name"), row.get("kind"));
        let columns: Vec<String> = row.get("cols");
        cat.named.push((table.clone(), name.clone()));
        match kind.as_str() {
            "f" => cat.foreign_keys.push(ForeignKey { table, name, columns, parent: row.get("ftbl"), parent_columns: row.get("fcols") }),
            "p" => cat.keys.push((table, name, "PRIMARY KEY".into(), columns)),
            _ => cat.keys.push((table, name, "UNIQUE".into(), columns)),
        }
    }
    for (table, name, columns) in unique_indexes {
        cat.named.push((table.clone(), name.clone()));
        cat.keys.push((table, name, "UNIQUE INDEX".into(), columns));
    }
    cat
}

async fn sqlite_catalogue(url: &str) -> Catalogue {
    let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{url}")).await.unwrap();
    let tables: Vec<(String, String)> =
        sqlx::query_as("SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
            .fetch_all(&mut conn)
            .await
            .unwrap();
    let mut cat = Catalogue { tables: Vec::new(), keys: Vec::new(), foreign_keys: Vec::new(), named: Vec::new() };
    for (table, sql) in tables {
        let columns: Vec<String> =
            sqlx::query_scalar("SELECT name FROM pragma_table_info(?1) ORDER BY cid").bind(&table).fetch_all(&mut conn).await.unwrap();
        cat.tables.push((table.clone(), columns));
        cat.named.push((table.clone(), sql));
        // Every unique index: the ones behind PRIMARY KEY (origin pk) and UNIQUE (origin u)
        // constraints and any CREATE UNIQUE INDEX (origin c). The rowid has no index.
        let indexes: Vec<(String, String)> =
            sqlx::query_as("SELECT name, origin FROM pragma_index_list(?1) WHERE \"unique\" = 1 ORDER BY name")
                .bind(&table)
                .fetch_all(&mut conn)
                .await
                .unwrap();
        for (index, origin) in indexes {
            let columns: Vec<String> = sqlx::query_scalar("SELECT name FROM pragma_index_info(?1) ORDER BY seqno")
                .bind(&index)
                .fetch_all(&mut conn)
                .await
                .unwrap();
            let kind = match origin.as_str() {
                "pk" => "PRIMARY KEY",
                "u" => "UNIQUE",
                _ => "UNIQUE INDEX",
            };
            cat.keys.push((table.clone(), index, kind.into(), columns));
        }
        let fk_rows: Vec<(i64, String, String, Option<String>)> =
            sqlx::query_as("SELECT id, \"table\", \"from\", \"to\" FROM pragma_foreign_key_list(?1) ORDER BY id, seq")
                .bind(&table)
                .fetch_all(&mut conn)
                .await
                .unwrap();
        let mut fks: Vec<(i64, String, Vec<String>, Vec<String>)> = Vec::new();
        for (id, parent, from, to) in fk_rows {
            if fks.last().is_none_or(|f| f.0 != id) {
                fks.push((id, parent.clone(), Vec::new(), Vec::new()));
            }
            let fk = fks.last_mut().unwrap();
            fk.2.push(from);
            // A missing parent column means the parent's primary key.
            fk.3.push(to.unwrap_or_else(|| "<primary key>".into()));
        }
        for (id, parent, from, to) in fks {
            let name = format!("foreign key #{id} ({})", from.join(", "));
            cat.foreign_keys.push(ForeignKey { table: table.clone(), name, columns: from, parent, parent_columns: to });
        }
    }
    cat
}

async fn sharding_keys() {
    let db = fresh_db().await;
    let store = mingzhang::store::AnyStore::connect(&db.url).await.expect("connect");
    let cat = if is_pg(&db.url) { pg_catalogue(&db.url).await } else { sqlite_catalogue(&db.url).await };
    mingzhang::store::Store::close(&store).await;

    let exempt = |t: &str| EXEMPT.contains(&t);
    let mut problems = Vec::new();
    let tables: Vec<&String> = cat.tables.iter().map(|(t, _)| t).filter(|t| !exempt(t)).collect();
    assert!(tables.len() >= 19, "the community tables are all there: {tables:?}");
    for (table, columns) in cat.tables.iter().filter(|(t, _)| !exempt(t)) {
        if !columns.iter().any(|c| c == "community_id") {
            problems.push(format!("table {table} has no community_id column"));
        }
    }
    for (table, name, kind, columns) in cat.keys.iter().filter(|k| !exempt(&k.0)) {
        if columns.first().map(String::as_str) != Some("community_id") {
            problems.push(format!("table {table}: {kind} {name} ({}) does not start with community_id", columns.join(", ")));
        }
    }
    for ForeignKey { table, name, columns, parent, parent_columns } in cat.foreign_keys.iter().filter(|f| !exempt(&f.table)) {
        if EXEMPT.contains(&parent.as_str()) {
            continue;
        }
        let paired = columns.iter().zip(parent_columns).any(|(c, p)| c == "community_id" && p == "community_id");
        if !paired {
            problems.push(format!(
                "table {table}: FOREIGN KEY {name} ({}) → {parent} ({}) does not carry community_id on both sides",
                columns.join(", "),
                parent_columns.join(", ")
            ));
        }
    }
    // Every community table still reaches its community: by a foreign key to communities, or
    // through a composite key (community_id paired) to a table that reaches it.
    let mut reaching: Vec<String> = Vec::new();
    loop {
        let before = reaching.len();
        for table in &tables {
            let reaches = cat.foreign_keys.iter().any(|f| {
                &f.table == *table
                    && ((f.parent == "communities"
                        && f.columns == ["community_id"]
                        && (f.parent_columns == ["id"] || f.parent_columns == ["<primary key>"]))
                        || (reaching.contains(&f.parent)
                            && f.columns.iter().zip(&f.parent_columns).any(|(c, p)| c == "community_id" && p == "community_id")))
            });
            if reaches && !reaching.contains(*table) {
                reaching.push(table.to_string());
            }
        }
        if reaching.len() == before {
            break;
        }
    }
    for table in tables.iter().filter(|t| !reaching.contains(**t)) {
        problems.push(format!("table {table} reaches communities(id) by no FOREIGN KEY on community_id"));
    }
    // The constraint names the application maps to user messages.
    for (table, name) in NAMED_UNIQUES {
        let present = if is_pg(&db.url) {
            cat.named.iter().any(|(t, n)| t == table && n == name)
        } else {
            // A table's named constraint, or a unique index of that name (bills_month_key is
            // one since migration 0016: it keys on an expression of the unit).
            cat.named.iter().any(|(t, sql)| t == table && sql.contains(&format!("CONSTRAINT {name} ")))
                || cat.keys.iter().any(|(t, n, kind, _)| t == table && n == name && kind == "UNIQUE INDEX")
        };
        if !present {
            problems.push(format!("table {table} has no constraint named {name}"));
        }
    }
    assert!(problems.is_empty(), "keys not ready for sharding by community:\n{}", problems.join("\n"));
}

#[tokio::test]
async fn every_key_leads_with_community_id() {
    sharding_keys().await;
}
