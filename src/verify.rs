//! `mingzhang verify`: re-checks, from the stored rows alone, every invariant of DESIGN.md
//! section 3, book by book, by running each wing's own checks (`ledger::verify` for the chain,
//! balances and numbers; `fees::verify` for the household subledger; each newer wing's
//! `verify` for its rows against their vouchers) and naming each failure.

use crate::error::{Error, Result};
use crate::fees::seal::master::{check_master_anchor, MasterAnchor};
use crate::fees::store::FeesStore;
use crate::ledger::anchor::{check_anchor, check_link, Anchor};
use crate::ledger::rows::CommunityRow;
use crate::ledger::store::LedgerTx;
use crate::ledger::{load_book, Book};
use crate::store::Tx;

#[derive(Debug, Clone, serde::Serialize)]
pub struct Finding {
    pub community: String,
    pub book: String,
    /// Which invariant of DESIGN.md section 3 is broken (1–8).
    pub invariant: u8,
    pub message: String,
}

#[derive(Debug, Default, serde::Serialize)]
pub struct VerifyReport {
    pub books: usize,
    pub vouchers: i64,
    pub lines: i64,
    pub findings: Vec<Finding>,
}

impl VerifyReport {
    pub fn is_clean(&self) -> bool {
        self.findings.is_empty()
    }
}

/// `gathered!(check, args…)` runs a wing's check `check(args…, fail)` with a `fail` of its own
/// and gives the findings it made, in order.
macro_rules! gathered {
    ($check:path, $($arg:expr),*) => {
        async {
            let mut found: Vec<(u8, String)> = Vec::new();
            $check($($arg),*, &mut |invariant, message| found.push((invariant, message))).await?;
            Ok::<_, Error>(found)
        }
    };
}

/// Verifies every book of every community in the store.
pub async fn verify_all<S: crate::app::AppStore>(store: &S) -> Result<VerifyReport> {
    let mut report = VerifyReport::default();
    let communities = store.read().await?.communities().await?;
    let of_none = looked_twice(store, None, |store| async move { chains_of_none(&store).await }, Vec::is_empty).await?;
    for message in of_none {
        report.findings.push(Finding { community: String::new(), book: String::new(), invariant: 4, message });
    }
    for community in communities {
        verify_community(store, &community, &mut report).await?;
    }
    Ok(report)
}

/// The findings in the chains of no community: the users' and roles' versions, the audit
/// entries of none.
async fn chains_of_none<S: crate::app::AppStore>(store: &S) -> Result<Vec<String>> {
    let mut found = crate::access::versions::verify(&mut store.read().await?).await?;
    found.extend(audit_findings(store, None).await?);
    Ok(found)
}

/// Verifies one community: its audit chain, each wing's rows, and every book; what it finds
/// and counts is added to `report`. On Citus every statement stays in the community's shard.
///
/// Its reads run side by side on several transactions, none of which shares another's
/// snapshot (on PostgreSQL each statement even takes its own), so on a server taking payments
/// one can read the flows just before a payment commits and another recompute them just
/// after. What it finds is therefore looked at again in a view where the community's chained
/// rows stand still (`Store::steady`): a finding is reported only if it is still there. A
/// clean first look, the usual case, takes no such view.
pub async fn verify_community<S: crate::app::AppStore>(store: &S, community: &CommunityRow, report: &mut VerifyReport) -> Result<()> {
    let look = |store: S| async move {
        let mut one = VerifyReport::default();
        verify_community_once(&store, community, &mut one).await?;
        Ok(one)
    };
    let one = looked_twice(store, Some(community.id), look, VerifyReport::is_clean).await?;
    report.books += one.books;
    report.vouchers += one.vouchers;
    report.lines += one.lines;
    report.findings.extend(one.findings);
    Ok(())
}

/// What `look` finds in the store; when that is not `clean`, what it finds looked at again in
/// a view where `community`'s chained rows stand still (`Store::steady`; None: the chains of
/// no community). Where no such view can be had (a user who may only read, on SQLite or
/// Citus), the first look stands, as it did before there was a second.
async fn looked_twice<S, T, F, Fut>(
    store: &S,
    community: Option<crate::domain::ids::CommunityId>,
    look: F,
    clean: impl Fn(&T) -> bool,
) -> Result<T>
where
    S: crate::app::AppStore,
    F: Fn(S) -> Fut,
    Fut: std::future::Future<Output = Result<T>>,
{
    let first = look(store.clone()).await?;
    if clean(&first) {
        return Ok(first);
    }
    let (steady, keeper) = match store.steady(community).await {
        Ok(view) => view,
        Err(e) => {
            tracing::warn!(error = %e, "verify could not look again with the writers held off; its first look stands");
            return Ok(first);
        }
    };
    let again = look(steady).await;
    // Ended at once, not when its connection is next used: writers may be waiting on it.
    keeper.commit().await?;
    again
}

/// One pass of `verify_community`.
async fn verify_community_once<S: crate::app::AppStore>(store: &S, community: &CommunityRow, report: &mut VerifyReport) -> Result<()> {
    // The community's rows are read where they lie (on Citus, on its worker); its audit chain
    // on the coordinator.
    let near = &store.near(community.id).await;
    let books = near.read().await?.books(community.id).await?;
    // The audit chain and each wing's own checks of the community's rows run at once, each on
    // a read of its own: they mostly wait on their statements (on Citus each a round trip to a
    // node that plans it anew). Small books are verified alongside them; a large book's checks
    // take up to eight reads a core for as long as its chain and bills take to hash, and go
    // after the wings', so that no read waits on its pool (16 connections, shared with the
    // server's requests, or the worker's pool shared by the process's verifies) longer than
    // its acquire timeout.
    let alongside = books.iter().all(|b| b.chain_len < BOOK_VOUCHERS_ALONGSIDE_WINGS);
    let (wings, books) = if alongside {
        tokio::try_join!(wing_checks(store, near, community), verify_books(near, community, books))?
    } else {
        let wings = wing_checks(store, near, community).await?;
        (wings, verify_books(near, community, books).await?)
    };
    for (invariant, message) in wings {
        report.findings.push(Finding { community: community.name.clone(), book: String::new(), invariant, message });
    }
    for ((vouchers, lines), findings) in books {
        report.books += 1;
        report.vouchers += vouchers;
        report.lines += lines;
        report.findings.extend(findings);
    }
    Ok(())
}

/// Books of fewer vouchers than this are verified alongside the wings' checks: their reads
/// are short (a book of a few thousand vouchers is verified in well under a second), so the
/// pool is never waited on for long.
const BOOK_VOUCHERS_ALONGSIDE_WINGS: i64 = 20_000;

/// The audit chain's and each wing's findings, in this order whichever finishes first: the
/// audit chain read from `store`, the wings' rows from `near` (`Store::near`).
async fn wing_checks<S: crate::app::AppStore>(store: &S, near: &S, community: &CommunityRow) -> Result<Vec<(u8, String)>> {
    let id = community.id;
    let found = tokio::try_join!(
        async { Ok(audit_findings(store, Some(id)).await?.into_iter().map(|message| (4, message)).collect()) },
        gathered!(crate::fees::seal::verify::verify_master, near, id),
        gathered!(crate::subsidies::verify, near, community),
        gathered!(crate::spending::verify, near, id),
        gathered!(crate::public_revenue::verify, near, id),
        gathered!(crate::collective::verify, near, id),
        gathered!(crate::assets::verify, near, id),
        gathered!(crate::disclosure::publish::verify, near, community),
    )?;
    let (audit, master, subsidies, spending, revenue, collective, assets, disclosure) = found;
    Ok([audit, master, subsidies, spending, revenue, collective, assets, disclosure].into_iter().flatten().collect())
}

/// Each book of the community verified in turn: its (vouchers, lines) and its findings.
async fn verify_books<S: crate::app::AppStore>(
    store: &S,
    community: &CommunityRow,
    rows: Vec<crate::ledger::rows::BookRow>,
) -> Result<Vec<((i64, i64), Vec<Finding>)>> {
    let mut verified = Vec::with_capacity(rows.len());
    for book_row in rows {
        let book = load_book(&mut store.read().await?, community.id, &book_row.code).await?;
        let mut findings = Vec::new();
        let mut fail = |invariant, message| {
            findings.push(Finding { community: community.name.clone(), book: book.row.code.clone(), invariant, message })
        };
        let counted = verify_book(store, &book, &mut fail).await?;
        verified.push((counted, findings));
    }
    Ok(verified)
}

/// What `mingzhang anchor` writes: every book's head (`ledger::anchor`) and every community's
/// master-data head (`fees::seal::master`).
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct HeadsFile {
    /// When the heads were read (UTC), for the person keeping the file.
    pub written_at: String,
    pub anchors: Vec<Anchor>,
    /// Absent from the files written before the master data had a chain.
    #[serde(default)]
    pub master_data: Vec<MasterAnchor>,
    /// The audit log's heads: each community's chain, and "" for the entries of none. Absent
    /// from the files written before the log was chained.
    #[serde(default)]
    pub audit: Vec<AuditAnchor>,
    /// The heads the street finance office witnessed when each pack was published
    /// (`disclosure::publish`): a copy held outside the database of the books at every
    /// published cut-off.
    #[serde(default)]
    pub witnessed: Vec<Anchor>,
}

/// An audit-log chain's head as it stood.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AuditAnchor {
    pub community: String,
    pub seq: i64,
    pub hash: String,
}

impl HeadsFile {
    pub async fn now<S: crate::app::AppStore>(store: &S) -> Result<HeadsFile> {
        use crate::access::store::AccessTx;
        let mut tx = store.read().await?;
        let mut audit = vec![("".to_string(), tx.audit_head(None).await?)];
        for c in tx.communities().await? {
            audit.push((c.name.clone(), tx.audit_head(Some(c.id)).await?));
        }
        let mut witnessed = Vec::new();
        for c in tx.communities().await? {
            use crate::disclosure::store::DisclosureTx;
            for w in tx.witness_records(c.id).await? {
                witnessed.extend(crate::disclosure::publish::witnessed_anchors(&c, &w));
            }
        }
        drop(tx);
        Ok(HeadsFile {
            witnessed,
            written_at: chrono::Utc::now().to_rfc3339(),
            anchors: crate::ledger::anchor::current_anchors(store).await?,
            master_data: crate::fees::seal::master::current_master_anchors(store).await?,
            audit: audit.into_iter().map(|(community, (seq, hash))| AuditAnchor { community, seq, hash }).collect(),
        })
    }

    pub fn read(path: &std::path::Path) -> Result<HeadsFile> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::invalid("--anchor", format!("无法读取 {}：{}", path.display(), crate::error::io_reason(&e))))?;
        serde_json::from_str(&text)
            .map_err(|e| Error::invalid("--anchor", format!("{} 不是 mingzhang anchor 写出的链头文件：{e}", path.display())))
    }
}

/// Checks anchors held outside the database: each book head and master-data head from an
/// anchor file, each receipt's chain link. A finding per anchor that no longer stands
/// (invariant 4).
pub async fn verify_anchors<S: crate::app::AppStore>(store: &S, heads: &[HeadsFile], links: &[String]) -> Result<Vec<Finding>> {
    let mut findings = Vec::new();
    for a in heads.iter().flat_map(|h| &h.audit) {
        if let Some(message) = check_audit_anchor(store, a).await? {
            findings.push(Finding { community: a.community.clone(), book: String::new(), invariant: 4, message });
        }
    }
    for a in heads.iter().flat_map(|h| &h.master_data) {
        if let Some(message) = check_master_anchor(store, a).await? {
            findings.push(Finding { community: a.community.clone(), book: String::new(), invariant: 4, message });
        }
    }
    let anchors: Vec<&Anchor> = heads.iter().flat_map(|h| h.anchors.iter().chain(&h.witnessed)).collect();
    for a in anchors {
        if let Some(message) = check_anchor(store, a).await? {
            // A chain behind its anchor because of a restore says so, and how far back.
            let message = match restores_of(store, a).await?.and_then(|r| crate::fees::restore::explain(a, &r)) {
                Some(why) => format!("{message}；{why}"),
                None => message,
            };
            findings.push(Finding { community: a.community.clone(), book: a.book.clone(), invariant: 4, message });
        }
    }
    for link in links {
        if let Some(message) = check_link(store, link).await? {
            findings.push(Finding { community: String::new(), book: String::new(), invariant: 4, message });
        }
    }
    Ok(findings)
}

/// One audit-log chain (a community's, or that of entries of no community) recomputed.
async fn audit_findings<S: crate::app::AppStore>(store: &S, community: Option<crate::domain::ids::CommunityId>) -> Result<Vec<String>> {
    use crate::access::store::AccessTx;
    let mut tx = store.read().await?;
    let rows = tx.audit_chain(community).await?;
    let (seq, head) = tx.audit_head(community).await?;
    Ok(crate::access::audit::check_chain(&rows, (seq, &head)))
}

/// Whether an audit-log chain still has the anchor's entry at its place: None when it does.
async fn check_audit_anchor<S: crate::app::AppStore>(store: &S, a: &AuditAnchor) -> Result<Option<String>> {
    use crate::access::store::AccessTx;
    if a.seq == 0 {
        return Ok(None);
    }
    let mut tx = store.read().await?;
    let community = if a.community.is_empty() {
        None
    } else {
        match tx.communities().await?.into_iter().find(|c| c.name == a.community) {
            Some(c) => Some(c.id),
            None => return Ok(Some(format!("锚点所记的社区“{}”已不在库中", a.community))),
        }
    };
    let rows = tx.audit_chain(community).await?;
    Ok(match rows.iter().find(|r| r.seq == Some(a.seq)) {
        Some(r) if r.hash.as_deref() == Some(a.hash.as_str()) => None,
        Some(_) => Some(format!("审计日志第 {} 条与锚点不符：日志被改写", a.seq)),
        None => Some(format!("审计日志没有锚点记录的第 {} 条：日志被截断或删除", a.seq)),
    })
}

/// The restores of an anchor's book, if the book is still there.
async fn restores_of<S: FeesStore>(store: &S, a: &Anchor) -> Result<Option<Vec<(String, crate::fees::restore::RestoreRow)>>> {
    use crate::fees::restore::RestoreTx;
    let mut tx = store.read().await?;
    let Some(community) = tx.communities().await?.into_iter().find(|c| c.name == a.community) else { return Ok(None) };
    let Some(book) = tx.books(community.id).await?.into_iter().find(|b| b.code == a.book) else { return Ok(None) };
    Ok(Some(tx.restores(crate::domain::ids::BookKey { community_id: community.id, book_id: book.id }).await?))
}

/// Runs every wing's checks on one book; calls `fail(invariant, message)` for each finding.
/// Returns the posted vouchers and lines checked.
pub async fn verify_book<S: FeesStore>(store: &S, book: &Book, fail: &mut impl FnMut(u8, String)) -> Result<(i64, i64)> {
    let counted = crate::ledger::verify::verify_book(store, book, fail).await?;
    crate::fees::verify::verify_book(store, book, fail).await?;
    Ok(counted)
}
