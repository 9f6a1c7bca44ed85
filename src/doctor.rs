//! `mingzhang doctor`: a look over a database for whoever keeps the server, each finding in
//! Chinese with what to do. It reads and never writes: the engine and its integrity, the
//! migrations, the journal, the free disk, the chain heads against an anchor file kept
//! elsewhere, and the age of the newest backup. The judging is pure (`engine`, `migrations`,
//! …); `examine` gathers what they judge.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use crate::error::Result;
use crate::store::health::{Health, Journal, Migrations};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub enum Level {
    Fine,
    /// Not wrong now, but the keeper should act before it is.
    Warn,
    /// Wrong: the books or their safety are at risk.
    Problem,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Finding {
    /// What was checked: 数据库、结构、日志、磁盘、链头、备份.
    pub check: &'static str,
    pub level: Level,
    pub found: String,
    /// What to do, when anything is to be done.
    pub todo: Option<String>,
}

impl Finding {
    fn fine(check: &'static str, found: String) -> Finding {
        Finding { check, level: Level::Fine, found, todo: None }
    }
    fn act(check: &'static str, level: Level, found: String, todo: impl Into<String>) -> Finding {
        Finding { check, level, found, todo: Some(todo.into()) }
    }
}

/// The backup newest by its time of change in the backups folder.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Backup {
    pub file: PathBuf,
    pub age: Duration,
    pub bytes: u64,
    /// Whether it begins as this engine's backups do (an SQLite file; pg_dump's custom format).
    pub of_this_engine: bool,
}

/// What the backups folder held, when one was named.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Backups {
    Unreadable(String),
    Empty,
    Newest(Backup),
}

/// A backup is expected daily; one a little over a day old is the last night's, taken late.
const BACKUP_DUE: Duration = Duration::from_secs(26 * 3600);
const BACKUP_STALE: Duration = Duration::from_secs(7 * 24 * 3600);
/// SQLite's WAL is copied back every half second; one this large means a reader that never
/// ends holds it (or a writer was killed and nothing has opened the books since).
const WAL_LARGE_BYTES: u64 = 1 << 30;
const GIB: u64 = 1 << 30;

pub fn engine(h: &Health) -> Finding {
    let found = format!("{}，{}，{}", h.engine, h.place, size(h.size_bytes));
    match &h.damage {
        None => Finding::fine("数据库", found),
        Some(what) => Finding::act(
            "数据库",
            Level::Problem,
            format!("{found}；完整性检查未通过：{what}"),
            "立即停止服务，保留此文件，用最近的备份恢复到新文件（mingzhang --db 新文件 restore --from 备份 --anchor 锚点文件），再运行 verify",
        ),
    }
}

pub fn migrations(m: &Migrations) -> Finding {
    let latest = m.latest.as_ref().map_or(String::new(), |(v, d)| format!("（最新 {v:04} {d}）"));
    if !m.unknown.is_empty() {
        return Finding::act(
            "结构",
            Level::Problem,
            format!("数据库有本程序不认识的迁移 {}：它已被较新版本的明账打开过", versions(&m.unknown)),
            "请改用较新版本的明账；旧版本不得写入较新的账簿",
        );
    }
    if !m.failed.is_empty() || !m.changed.is_empty() {
        let mut found = Vec::new();
        if !m.failed.is_empty() {
            found.push(format!("迁移 {} 执行失败", versions(&m.failed)));
        }
        if !m.changed.is_empty() {
            found.push(format!("迁移 {} 与本程序所带的文本不同", versions(&m.changed)));
        }
        return Finding::act(
            "结构",
            Level::Problem,
            found.join("；"),
            "数据库结构与程序不一致：请勿继续写入，用升级前的备份恢复后，以正式发布的版本重新打开",
        );
    }
    if !m.pending.is_empty() {
        let first = &m.pending[0];
        return Finding::act(
            "结构",
            Level::Warn,
            format!("本程序有 {} 个迁移尚未应用（自 {:04} {} 起）{latest}", m.pending.len(), first.0, first.1),
            "升级前先备份（mingzhang backup --out 文件）；之后任一写入命令或 serve 启动时自动升级，再运行 verify",
        );
    }
    Finding::fine("结构", format!("已应用本程序的全部 {} 个迁移{latest}", m.known))
}

pub fn journal(j: &Journal) -> Finding {
    match j {
        Journal::Sqlite { wal: false, .. } => Finding::act(
            "日志",
            Level::Warn,
            "文件不在 WAL 模式".into(),
            "以可写方式打开一次（例如启动 serve）即设为 WAL；若仍不是，请检查是否有其他程序打开了此文件",
        ),
        Journal::Sqlite { wal_bytes, .. } if *wal_bytes > WAL_LARGE_BYTES => Finding::act(
            "日志",
            Level::Warn,
            format!("WAL 模式，预写日志已有 {}，未能并回数据库", size(*wal_bytes)),
            "有长时间未结束的读取（或写入进程曾被强行终止）；请结束长时间运行的报表或导出，重启服务后日志会并回",
        ),
        Journal::Sqlite { wal_bytes, .. } => Finding::fine("日志", format!("WAL 模式，预写日志 {}", size(*wal_bytes))),
        Journal::Postgres { fsync: false, .. } => Finding::act(
            "日志",
            Level::Problem,
            "服务器关闭了 fsync：断电或宕机会损坏数据库".into(),
            "在 postgresql.conf 中设 fsync = on 并重启 PostgreSQL",
        ),
        Journal::Postgres { synchronous_commit, .. } if synchronous_commit == "off" => Finding::act(
            "日志",
            Level::Warn,
            "synchronous_commit = off：宕机时最近已确认的收款可能丢失".into(),
            "在 postgresql.conf 中设 synchronous_commit = on",
        ),
        Journal::Postgres { synchronous_commit, .. } => {
            Finding::fine("日志", format!("fsync 开启，synchronous_commit = {synchronous_commit}"))
        }
    }
}

/// Enough free disk means room for the books to grow and for one more copy of them (a backup
/// written beside them, a VACUUM).
pub fn disk(free: Option<u64>, database_bytes: u64) -> Finding {
    let Some(free) = free else {
        return Finding::act(
            "磁盘",
            Level::Warn,
            "无法读取数据库所在磁盘的剩余空间（服务器在他处，或无权读取其数据目录）".into(),
            "请在数据库服务器上查看（df -h）：剩余空间应不少于数据库大小的两倍",
        );
    };
    let found = format!("剩余 {}（数据库 {}）", size(free), size(database_bytes));
    if free < database_bytes.max(GIB / 2) {
        Finding::act("磁盘", Level::Problem, found, "磁盘将满：写入会失败。请立即清理旧文件或扩容，备份写到其他磁盘")
    } else if free < (2 * database_bytes).max(2 * GIB) {
        Finding::act("磁盘", Level::Warn, found, "剩余空间已不足以再放两份数据库：请尽早清理或扩容")
    } else {
        Finding::fine("磁盘", found)
    }
}

/// The chain heads: `checked` the anchors compared and `broken` what failed, or None when no
/// anchor file was given; `books` and `vouchers` are what the chains hold now.
pub fn heads(anchors: Option<(usize, &[String])>, books: usize, vouchers: i64) -> Finding {
    let now = format!("账套 {books} 个，链上凭证 {vouchers} 张");
    match anchors {
        None => Finding::act(
            "链头",
            Level::Warn,
            format!("{now}；未指定锚点文件，未核对"),
            "定期运行 mingzhang anchor --out 文件 并保存在服务器以外；之后以 doctor --anchor 文件 核对",
        ),
        Some((_, broken)) if !broken.is_empty() => Finding::act(
            "链头",
            Level::Problem,
            format!("{now}；{}", broken.join("；")),
            "账簿被截断或改写：请停止服务，运行 verify --anchor 锚点文件 查明，并用锚点之后的备份恢复",
        ),
        Some((checked, _)) => Finding::fine("链头", format!("{now}；锚点 {checked} 个均仍在链上")),
    }
}

pub fn backups(found: Option<&Backups>) -> Finding {
    let todo_daily = "每日备份（例如 cron：mingzhang --db 账本 backup --out /备份/明账-$(date +%F).db），备份放在另一块磁盘或另一台机器";
    match found {
        None => Finding::act("备份", Level::Warn, "未指定备份文件夹，未检查".into(), "以 doctor --backups 文件夹 检查最近一次备份"),
        Some(Backups::Unreadable(why)) => Finding::act("备份", Level::Problem, why.clone(), "请检查 --backups 所指的文件夹"),
        Some(Backups::Empty) => Finding::act("备份", Level::Problem, "备份文件夹中没有备份".into(), todo_daily),
        Some(Backups::Newest(b)) => {
            let found = format!("最近的备份 {}，{}，{}前", b.file.display(), size(b.bytes), age(b.age));
            if b.bytes == 0 || !b.of_this_engine {
                Finding::act(
                    "备份",
                    Level::Problem,
                    format!("{found}，但它不是本库的备份（空文件或格式不符）"),
                    "用 mingzhang backup --out 写出备份，不要手工复制正在使用的数据库文件",
                )
            } else if b.age > BACKUP_STALE {
                Finding::act("备份", Level::Problem, found, todo_daily)
            } else if b.age > BACKUP_DUE {
                Finding::act("备份", Level::Warn, found, todo_daily)
            } else {
                Finding::fine("备份", found)
            }
        }
    }
}

/// The newest regular file in `folder`, judged against the engine at `url`.
pub fn newest_backup(folder: &Path, postgres: bool, now: SystemTime) -> Backups {
    let entries = match std::fs::read_dir(folder) {
        Ok(entries) => entries,
        Err(e) => return Backups::Unreadable(format!("无法读取文件夹 {}：{}", folder.display(), crate::error::io_reason(&e))),
    };
    let newest = entries
        .filter_map(|e| e.ok())
        .filter_map(|e| Some((e.path(), e.metadata().ok()?)))
        .filter(|(_, m)| m.is_file())
        .filter_map(|(path, m)| Some((m.modified().ok()?, m.len(), path)))
        .max();
    let Some((changed, bytes, file)) = newest else { return Backups::Empty };
    let magic: &[u8] = if postgres { b"PGDMP" } else { b"SQLite format 3\0" };
    let mut head = vec![0u8; magic.len()];
    let of_this_engine = std::fs::File::open(&file).and_then(|mut f| std::io::Read::read_exact(&mut f, &mut head)).is_ok() && head == magic;
    Backups::Newest(Backup { file, age: now.duration_since(changed).unwrap_or_default(), bytes, of_this_engine })
}

/// Every check on the database at `url`, in the order a keeper reads them. An error is only a
/// database that cannot be read at all; everything else is a finding.
pub async fn examine(url: &str, anchor_files: &[PathBuf], backups_folder: Option<&Path>) -> Result<Vec<Finding>> {
    let health = crate::store::health::examine(url).await?;
    let mut findings = vec![engine(&health), migrations(&health.migrations), journal(&health.journal)];
    findings.push(disk(health.free_bytes, health.size_bytes));
    findings.push(if health.migrations.up_to_date() {
        chain_heads(url, anchor_files).await?
    } else {
        Finding::act("链头", Level::Warn, "数据库结构与本程序不一致，未核对".into(), "先按“结构”一项处理，再运行 doctor")
    });
    let backups_found = backups_folder.map(|f| newest_backup(f, crate::store::is_postgres(url), SystemTime::now()));
    findings.push(backups(backups_found.as_ref()));
    Ok(findings)
}

async fn chain_heads(url: &str, anchor_files: &[PathBuf]) -> Result<Finding> {
    let files = anchor_files.iter().map(|p| crate::verify::HeadsFile::read(p)).collect::<Result<Vec<_>>>()?;
    {
        let s = crate::store::AnyStore::connect_for_reading(url).await?;
        let now = crate::ledger::anchor::current_anchors(&s).await;
        let broken = crate::verify::verify_anchors(&s, &files, &[]).await;
        crate::store::Store::close(&s).await;
        let now = now?;
        let broken: Vec<String> =
            broken?.into_iter().map(|f| format!("{} {} {}", f.community, f.book, f.message).trim().to_string()).collect();
        let checked: usize = files.iter().map(|h| h.anchors.len() + h.master_data.len() + h.audit.len() + h.witnessed.len()).sum();
        let vouchers = now.iter().map(|a| a.seq).sum();
        Ok(heads((!files.is_empty()).then_some((checked, broken.as_slice())), now.len(), vouchers))
    }
}

/// The findings as the terminal shows them (✓ fine, ! warn, ✗ problem), then the verdict.
pub fn text(url_shown: &str, findings: &[Finding]) -> String {
    let mut out = format!("明账 doctor：{url_shown}\n");
    for f in findings {
        let mark = match f.level {
            Level::Fine => "✓",
            Level::Warn => "!",
            Level::Problem => "✗",
        };
        out += &format!("{mark} {}  {}\n", f.check, f.found);
        if let Some(todo) = &f.todo {
            out += &format!("      应当：{todo}\n");
        }
    }
    let worst = findings.iter().map(|f| f.level).max().unwrap_or(Level::Fine);
    out += match worst {
        Level::Fine => "结论：一切正常\n",
        Level::Warn => "结论：可以使用，但请按上面“应当”处理\n",
        Level::Problem => "结论：有问题，须先处理标 ✗ 的各项\n",
    };
    out
}

fn versions(list: &[i64]) -> String {
    list.iter().map(|v| format!("{v:04}")).collect::<Vec<_>>().join("、")
}

/// A byte count as a keeper reads it: 1.2 GB, 340.5 MB, 12 KB.
fn size(bytes: u64) -> String {
    const UNITS: [(&str, u64); 3] = [("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)];
    for (unit, scale) in UNITS {
        if bytes >= scale {
            return format!("{:.1} {unit}", bytes as f64 / scale as f64);
        }
    }
    format!("{bytes} 字节")
}

/// An age in the largest whole unit: 3 天, 5 小时, 12 分钟.
fn age(d: Duration) -> String {
    let minutes = d.as_secs() / 60;
    match minutes {
        m if m >= 48 * 60 => format!("{} 天", m / (24 * 60)),
        m if m >= 60 => format!("{} 小时", m / 60),
        m => format!("{m} 分钟"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn backup(age_hours: u64, of_this_engine: bool) -> Backups {
        Backups::Newest(Backup { file: "b.db".into(), age: Duration::from_secs(age_hours * 3600), bytes: 4096, of_this_engine })
    }

    #[test]
    fn a_backup_is_due_daily_and_stale_after_a_week() {
        assert_eq!(backups(Some(&backup(20, true))).level, Level::Fine);
        assert_eq!(backups(Some(&backup(30, true))).level, Level::Warn);
        assert_eq!(backups(Some(&backup(8 * 24, true))).level, Level::Problem);
        assert_eq!(backups(Some(&backup(1, false))).level, Level::Problem, "a file not of this engine is no backup");
        assert_eq!(backups(Some(&Backups::Empty)).level, Level::Problem);
        assert_eq!(backups(None).level, Level::Warn);
    }

    #[test]
    fn the_disk_must_hold_the_books_twice() {
        assert_eq!(disk(Some(100 * GIB), 10 * GIB).level, Level::Fine);
        assert_eq!(disk(Some(15 * GIB), 10 * GIB).level, Level::Warn);
        assert_eq!(disk(Some(5 * GIB), 10 * GIB).level, Level::Problem);
        assert_eq!(disk(Some(GIB / 4), 1 << 20).level, Level::Problem, "under half a gigabyte is full whatever the books");
        assert_eq!(disk(None, 0).level, Level::Warn);
    }

    #[test]
    fn migrations_newer_than_the_binary_or_changed_are_problems_and_pending_ones_a_warning() {
        let fine = Migrations { known: 39, latest: Some((39, "confirm".into())), ..Migrations::default() };
        assert_eq!(migrations(&fine).level, Level::Fine);
        let pending = Migrations { pending: vec![(39, "confirm".into())], ..fine.clone() };
        assert_eq!(migrations(&pending).level, Level::Warn);
        assert!(migrations(&pending).todo.unwrap().contains("备份"), "an upgrade is preceded by a backup");
        assert_eq!(migrations(&Migrations { unknown: vec![40], ..fine.clone() }).level, Level::Problem);
        assert_eq!(migrations(&Migrations { changed: vec![12], ..fine.clone() }).level, Level::Problem);
        assert_eq!(migrations(&Migrations { failed: vec![39], ..fine }).level, Level::Problem);
    }

    #[test]
    fn a_server_without_fsync_is_a_problem() {
        assert_eq!(journal(&Journal::Postgres { fsync: false, synchronous_commit: "on".into() }).level, Level::Problem);
        assert_eq!(journal(&Journal::Postgres { fsync: true, synchronous_commit: "off".into() }).level, Level::Warn);
        assert_eq!(journal(&Journal::Sqlite { wal: true, wal_bytes: 2 << 30 }).level, Level::Warn);
        assert_eq!(journal(&Journal::Sqlite { wal: true, wal_bytes: 4096 }).level, Level::Fine);
    }

    #[test]
    fn a_broken_anchor_is_a_problem_and_no_anchor_a_warning() {
        assert_eq!(heads(None, 2, 10).level, Level::Warn);
        assert_eq!(heads(Some((4, &[])), 2, 10).level, Level::Fine);
        let broken = ["company 锚点已不在链上".to_string()];
        assert_eq!(heads(Some((4, &broken)), 2, 10).level, Level::Problem);
    }

    #[test]
    fn sizes_and_ages_read_as_a_keeper_reads_them() {
        assert_eq!(size(3 << 30), "3.0 GB");
        assert_eq!(size(1536 << 10), "1.5 MB");
        assert_eq!(size(12), "12 字节");
        assert_eq!(age(Duration::from_secs(5 * 3600 + 59)), "5 小时");
        assert_eq!(age(Duration::from_secs(3 * 24 * 3600)), "3 天");
    }
}
