//! A city on Citus (distributed PostgreSQL): every community table distributed by
//! `community_id`, colocated, so that one community's statements run on one shard; the tables
//! of no community (`communities`, the users and their sessions) as reference tables, copied to
//! every node; the audit log and the migrations' bookkeeping on the coordinator.
//!
//! It runs on a database with the `citus` extension, after the migrations, with Citus's safe
//! defaults (no `enable_unsafe_triggers`, no `enable_local_reference_table_foreign_keys = off`).
//! Citus refuses triggers on distributed tables, so each trigger of a community table gives way
//! to what Citus keeps on every shard: a row-level security policy where the rule reads only
//! the row (append-only tables admit INSERT and SELECT alone; a posted voucher, a closed period
//! and an ended holding are not rows an UPDATE sees), and the transaction's own code and
//! `verify` where the rule reads another table (a posted voucher's lines, a signed
//! reconciliation, opening balances once posted, a closed month). Foreign keys are set aside
//! while the tables change kind (a local table referencing a reference table would be turned
//! into a "Citus local table") and put back afterwards, from a table of their own so that a
//! run cut short resumes. Every step looks at the catalogue first: running it again does
//! nothing, and after a later migration it distributes only the new tables.

use sqlx::{Connection, PgConnection, PgPool};

use crate::error::{Error, Result};

/// Tables that stay on the coordinator: the audit log records writes of no community (a user
/// added) and chains them in one sequence; the migrations' and this module's bookkeeping.
const ON_COORDINATOR: [&str; 4] = ["audit_log", "audit_heads", "_sqlx_migrations", PENDING_KEYS];

/// Tables of community rows that every node reads: which communities a user may open is asked
/// before any community is known (at login), so it is a reference table.
const REFERENCE_WITH_COMMUNITY: [&str; 1] = ["user_communities"];

/// The foreign keys set aside while tables change kind, to be put back.
const PENDING_KEYS: &str = "citus_pending_foreign_keys";

/// What a run did, for the command's report.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Distribution {
    pub reference_tables: Vec<String>,
    pub distributed_tables: Vec<String>,
    /// Triggers replaced, as `table.trigger`.
    pub triggers_replaced: Vec<String>,
    pub foreign_keys_restored: usize,
    /// Foreign keys of coordinator tables to reference tables, dropped for good.
    pub foreign_keys_dropped: Vec<String>,
}

impl Distribution {
    pub fn is_empty(&self) -> bool {
        *self == Distribution::default()
    }
}

/// Whether the database has the citus extension.
pub async fn has_citus(conn: &mut PgConnection) -> Result<bool> {
    Ok(sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM pg_extension WHERE extname = 'citus'").fetch_one(conn).await? > 0)
}

/// Whether every table is already of its Citus kind and no foreign key waits, on a database
/// with citus: the check `connect` makes before calling `distribute`.
pub async fn is_distributed(pool: &PgPool) -> Result<bool> {
    let mut conn = pool.acquire().await?;
    let catalogue = Catalogue::read(&mut conn).await?;
    Ok(catalogue.pending().is_empty() && !table_exists(&mut conn, PENDING_KEYS).await?)
}

/// Makes the schema Citus's: see the module's comment. Refused, naming the extension, on a
/// database without citus.
pub async fn distribute(pool: &PgPool) -> Result<Distribution> {
    if !has_citus(&mut *pool.acquire().await?).await? {
        return Err(Error::invalid(
            "--db",
            "此数据库没有 citus 扩展：单台 PostgreSQL 无需分布；在 Citus 集群上请先在协调节点执行 CREATE EXTENSION citus 并添加工作节点",
        ));
    }
    // A connection of its own, with the multi-shard guard off: changing a table's kind runs
    // on every shard, and is meant to.
    let mut conn = PgConnection::connect_with(&pool.connect_options()).await?;
    sqlx::query("SET citus.multi_task_query_log_level = 'off'").execute(&mut conn).await?;
    let done = distribute_on(&mut conn).await;
    conn.close().await?;
    done
}

async fn distribute_on(conn: &mut PgConnection) -> Result<Distribution> {
    let mut done = Distribution::default();
    let catalogue = Catalogue::read(&mut *conn).await?;
    for table in catalogue.pending() {
        done.triggers_replaced.extend(replace_triggers(&mut *conn, &table.name).await?);
    }
    set_keys_aside(&mut *conn, &catalogue, &mut done).await?;
    for table in catalogue.pending() {
        if table.kind() == Kind::Reference {
            if table.method.is_some() {
                // Distributed by an older release (or a Citus local table): back to one table first.
                sqlx::query("SELECT undistribute_table($1)").bind(&table.name).execute(&mut *conn).await?;
            }
            sqlx::query("SELECT create_reference_table($1)").bind(&table.name).execute(&mut *conn).await?;
            done.reference_tables.push(table.name.clone());
        }
    }
    let anchor = catalogue.colocation_anchor();
    for table in catalogue.pending() {
        if table.kind() == Kind::Distributed {
            // Every community table joins the anchor's colocation group (the anchor itself the
            // default one), so that a community's rows of every table share a shard.
            let colocate = match &anchor {
                Some(a) if *a != table.name => a.as_str(),
                _ => "default",
            };
            sqlx::query("SELECT create_distributed_table($1, 'community_id', colocate_with => $2)")
                .bind(&table.name)
                .bind(colocate)
                .execute(&mut *conn)
                .await?;
            done.distributed_tables.push(table.name.clone());
        }
    }
    done.foreign_keys_restored = restore_keys(&mut *conn).await?;
    Ok(done)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Reference,
    Distributed,
    Coordinator,
}

struct Table {
    name: String,
    has_community: bool,
    /// Citus's partition method and replication model today: "hs" distributed, "nt" a
    /// reference table, "ns" a Citus local table; None a plain table.
    method: Option<String>,
}

impl Table {
    fn kind(&self) -> Kind {
        if ON_COORDINATOR.contains(&self.name.as_str()) {
            Kind::Coordinator
        } else if self.has_community && !REFERENCE_WITH_COMMUNITY.contains(&self.name.as_str()) {
            Kind::Distributed
        } else {
            Kind::Reference
        }
    }

    fn is_done(&self) -> bool {
        match self.kind() {
            Kind::Coordinator => true,
            Kind::Distributed => self.method.as_deref().is_some_and(|m| m.starts_with('h')),
            Kind::Reference => self.method.as_deref() == Some("nt"),
        }
    }
}

struct Catalogue {
    tables: Vec<Table>,
}

impl Catalogue {
    /// The public tables and what Citus has made of each; only on a database with citus (the
    /// callers ask `has_citus` first).
    async fn read(conn: &mut PgConnection) -> Result<Catalogue> {
        let rows: Vec<(String, bool, Option<String>)> = sqlx::query_as(
            "SELECT c.relname::text,
                    EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'community_id' AND NOT a.attisdropped),
                    d.partmethod::text || d.repmodel::text
             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             LEFT JOIN pg_dist_partition d ON d.logicalrelid = c.oid
             WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition ORDER BY 1",
        )
        .fetch_all(&mut *conn)
        .await?;
        let tables = rows.into_iter().map(|(name, has_community, method)| Table { name, has_community, method }).collect();
        Ok(Catalogue { tables })
    }

    fn pending(&self) -> Vec<&Table> {
        self.tables.iter().filter(|t| !t.is_done()).collect()
    }

    /// The table the distributed tables are colocated with: one already distributed, or the
    /// first to be.
    fn colocation_anchor(&self) -> Option<String> {
        let distributed = || self.tables.iter().filter(|t| t.kind() == Kind::Distributed);
        distributed().find(|t| t.is_done()).or_else(|| distributed().next()).map(|t| t.name.clone())
    }

    fn kind_of(&self, table: &str) -> Kind {
        self.tables.iter().find(|t| t.name == table).map_or(Kind::Coordinator, Table::kind)
    }
}

async fn table_exists(conn: &mut PgConnection, table: &str) -> Result<bool> {
    Ok(sqlx::query_scalar::<_, Option<String>>("SELECT to_regclass($1)::text").bind(table).fetch_one(&mut *conn).await?.is_some())
}

/// A row-level security policy: (command, USING, WITH CHECK), an empty text for none.
type Policy = (&'static str, &'static str, &'static str);

/// The row-level security that holds a trigger's rule on Citus, by the trigger's function;
/// `None` for a rule that reads other tables, held by the transactions' code and `verify`.
fn policies_for(function: &str) -> Result<Option<Vec<Policy>>> {
    const READ: Policy = ("SELECT", "true", "");
    const ADD: Policy = ("INSERT", "", "true");
    Ok(match function {
        // Rows only added: no UPDATE or DELETE sees one.
        "refuse_change_append_only" => Some(vec![READ, ADD]),
        // Fixed by its migration: read only.
        "refuse_change_fixed" => Some(vec![READ]),
        // A draft changes and is posted; a posted voucher is seen by no UPDATE or DELETE.
        "refuse_posted_voucher_change" => {
            Some(vec![READ, ADD, ("UPDATE", "status <> 'posted'", "true"), ("DELETE", "status <> 'posted'", "")])
        }
        // An open month's counters change; a closed month is seen by no UPDATE or DELETE.
        "refuse_closed_period_change" => {
            Some(vec![READ, ADD, ("UPDATE", "status <> 'closed'", "true"), ("DELETE", "status <> 'closed'", "")])
        }
        // A holding only ends: an UPDATE sees an open holding and must leave it ended.
        "refuse_unit_change" => Some(vec![READ, ADD, ("UPDATE", "held_until IS NULL", "held_until IS NOT NULL")]),
        "refuse_posted_line_change"
        | "refuse_post_into_closed_period"
        | "refuse_opening_change"
        | "refuse_change_of_signed_reconciliation"
        | "refuse_withdrawal_of_signed_row" => None,
        other => {
            return Err(Error::invalid(
                "distribute",
                format!("触发器函数 {other} 没有对应的 Citus 规则；请在 store::citus::policies_for 中写明它在分布式表上如何保持"),
            ))
        }
    })
}

/// Drops a table's triggers for the policies that hold their rules (in one transaction), and
/// names the triggers dropped.
async fn replace_triggers(conn: &mut PgConnection, table: &str) -> Result<Vec<String>> {
    let triggers: Vec<(String, String)> = sqlx::query_as(
        "SELECT t.tgname::text, p.proname::text FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid
         WHERE t.tgrelid = to_regclass($1) AND NOT t.tgisinternal ORDER BY 1",
    )
    .bind(table)
    .fetch_all(&mut *conn)
    .await?;
    if triggers.is_empty() {
        return Ok(Vec::new());
    }
    let mut policies: Vec<Policy> = Vec::new();
    for (_, function) in &triggers {
        for policy in policies_for(function)?.unwrap_or_default() {
            if !policies.contains(&policy) {
                policies.push(policy);
            }
        }
    }
    let mut tx = conn.begin().await?;
    for (trigger, _) in &triggers {
        sqlx::query(&format!("DROP TRIGGER {trigger} ON {table}")).execute(&mut *tx).await?;
    }
    if !policies.is_empty() {
        // An UPDATE policy's rows are the ones an UPDATE may touch; a command without a policy
        // touches nothing (INSERT is refused outright). FORCE makes the owner, whom the
        // program connects as, obey them too.
        sqlx::query(&format!("ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")).execute(&mut *tx).await?;
        sqlx::query(&format!("ALTER TABLE {table} FORCE ROW LEVEL SECURITY")).execute(&mut *tx).await?;
        for (i, (command, using, check)) in policies.iter().enumerate() {
            let using = if using.is_empty() { String::new() } else { format!(" USING ({using})") };
            let check = if check.is_empty() { String::new() } else { format!(" WITH CHECK ({check})") };
            sqlx::query(&format!("CREATE POLICY mz_{i}_{} ON {table} FOR {command}{using}{check}", command.to_lowercase()))
                .execute(&mut *tx)
                .await?;
        }
    }
    tx.commit().await?;
    Ok(triggers.into_iter().map(|(trigger, _)| format!("{table}.{trigger}")).collect())
}

/// Records and drops every foreign key that would stop a table changing kind: those of the
/// tables still to change and those referring to them. A coordinator table's key to a
/// reference table is dropped for good (with it Citus would make the coordinator table a
/// "Citus local table"); the others wait in PENDING_KEYS to be put back.
async fn set_keys_aside(conn: &mut PgConnection, catalogue: &Catalogue, done: &mut Distribution) -> Result<()> {
    let changing: Vec<String> = catalogue.pending().iter().map(|t| t.name.clone()).collect();
    if changing.is_empty() {
        return Ok(());
    }
    let keys: Vec<(String, String, String, String)> = sqlx::query_as(
        "SELECT c.conrelid::regclass::text, c.conname::text, c.confrelid::regclass::text, pg_get_constraintdef(c.oid)
         FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
         WHERE c.contype = 'f' AND n.nspname = 'public'
           AND (c.conrelid::regclass::text = ANY($1) OR c.confrelid::regclass::text = ANY($1))
         ORDER BY 1, 2",
    )
    .bind(&changing)
    .fetch_all(&mut *conn)
    .await?;
    let mut tx = conn.begin().await?;
    sqlx::query(&format!(
        "CREATE TABLE IF NOT EXISTS {PENDING_KEYS} (table_name TEXT NOT NULL, name TEXT NOT NULL, definition TEXT NOT NULL,
         PRIMARY KEY (table_name, name))"
    ))
    .execute(&mut *tx)
    .await?;
    for (table, name, parent, definition) in &keys {
        let for_good = catalogue.kind_of(table) == Kind::Coordinator && catalogue.kind_of(parent) == Kind::Reference;
        if for_good {
            done.foreign_keys_dropped.push(format!("{table}.{name}"));
        } else {
            sqlx::query(&format!("INSERT INTO {PENDING_KEYS} (table_name, name, definition) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING"))
                .bind(table)
                .bind(name)
                .bind(definition)
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query(&format!("ALTER TABLE {table} DROP CONSTRAINT {name}")).execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Puts back the foreign keys set aside, each in a statement of its own (one ADD CONSTRAINT
/// per ALTER TABLE, as Citus wants), and drops PENDING_KEYS once empty.
async fn restore_keys(conn: &mut PgConnection) -> Result<usize> {
    if !table_exists(&mut *conn, PENDING_KEYS).await? {
        return Ok(0);
    }
    let keys: Vec<(String, String, String)> =
        sqlx::query_as(&format!("SELECT table_name, name, definition FROM {PENDING_KEYS} ORDER BY 1, 2")).fetch_all(&mut *conn).await?;
    for (table, name, definition) in &keys {
        let present: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = to_regclass($1) AND conname = $2)")
                .bind(table)
                .bind(name)
                .fetch_one(&mut *conn)
                .await?;
        if !present {
            sqlx::query(&format!("ALTER TABLE {table} ADD CONSTRAINT {name} {definition}")).execute(&mut *conn).await?;
        }
        sqlx::query(&format!("DELETE FROM {PENDING_KEYS} WHERE table_name = $1 AND name = $2"))
            .bind(table)
            .bind(name)
            .execute(&mut *conn)
            .await?;
    }
    sqlx::query(&format!("DROP TABLE {PENDING_KEYS}")).execute(&mut *conn).await?;
    Ok(keys.len())
}

/// Where the tables are, for `mingzhang distribute`'s report: the tables of each kind and the
/// nodes holding the distributed tables' shards.
#[derive(Debug, Default)]
pub struct Layout {
    pub distributed: usize,
    pub reference: usize,
    pub on_coordinator: usize,
    /// (node, port, shards placed there).
    pub nodes: Vec<(String, i32, i64)>,
}

pub async fn layout(pool: &PgPool) -> Result<Layout> {
    let catalogue = Catalogue::read(&mut *pool.acquire().await?).await?;
    let count = |kind: Kind| catalogue.tables.iter().filter(|t| t.kind() == kind && t.is_done()).count();
    let nodes = sqlx::query_as(
        "SELECT p.nodename::text, p.nodeport, COUNT(*) FROM pg_dist_shard_placement p
         JOIN pg_dist_shard s ON s.shardid = p.shardid JOIN pg_dist_partition d ON d.logicalrelid = s.logicalrelid
         WHERE d.partmethod = 'h' GROUP BY 1, 2 ORDER BY 1, 2",
    )
    .fetch_all(pool)
    .await?;
    Ok(Layout {
        distributed: count(Kind::Distributed),
        reference: count(Kind::Reference),
        on_coordinator: catalogue.tables.iter().filter(|t| t.kind() == Kind::Coordinator).count(),
        nodes,
    })
}

/// The command's report, in Chinese.
pub fn report(done: &Distribution, layout: &Layout) -> String {
    let mut out = String::new();
    if done.is_empty() {
        out += "各表已分布，无需改动。\n";
    } else {
        out += &format!(
            "本次：{} 张表按 community_id 分布，{} 张参考表，{} 个触发器改为行级安全策略，恢复外键 {} 个。\n",
            done.distributed_tables.len(),
            done.reference_tables.len(),
            done.triggers_replaced.len(),
            done.foreign_keys_restored
        );
        for key in &done.foreign_keys_dropped {
            out += &format!("  协调节点表的外键 {key} 已删除（Citus 不允许本地表引用参考表）\n");
        }
    }
    out += &format!(
        "分布式表 {} 张（同一社区的行在同一分片），参考表 {} 张，协调节点上的表 {} 张（审计日志与迁移记录）。\n",
        layout.distributed, layout.reference, layout.on_coordinator
    );
    for (node, port, shards) in &layout.nodes {
        out += &format!("  节点 {node}:{port}：{shards} 个分片\n");
    }
    out
}
