//! Drafting, publishing and witnessing a period's pack, and `verify`'s recomputation of what
//! was published. An accountant drafts; a reviewer who is not the drafter publishes, and only a
//! period whose books are closed; a second publication of a period is a correction that says
//! why and lists what changed. Publishing writes the finance office's witness record in the
//! same transaction.

use chrono::Utc;
use sha2::{Digest, Sha256};

use super::check::check_pack;
use super::definition::DisclosurePeriod;
use super::pack::{self, build, Content, Pack, PackBooks, Publication};
use super::store::{DisclosureStore, DisclosureTx, DraftRow, NewPublication, PublicationRow, WitnessRow};
use crate::domain::ids::{CommunityId, DisclosureId};
use crate::error::{Error, Result};
use crate::ledger::anchor::{check_anchor, Anchor};
use crate::ledger::load_book;
use crate::ledger::rows::CommunityRow;
use crate::ledger::store::LedgerTx;
use crate::store::Tx;

/// The community's books a pack reads: its first company book and its collective's, if any.
pub async fn pack_books<S: DisclosureStore>(store: &S, community: CommunityId) -> Result<PackBooks> {
    let mut tx = store.read().await?;
    let rows = tx.books(community).await?;
    let code = |chart: &str| rows.iter().find(|b| b.chart == chart).map(|b| b.code.clone());
    let company = code("small_enterprise").ok_or_else(|| Error::not_found("物业公司的账套"))?;
    let company = load_book(&mut tx, community, &company).await?;
    let collective = match code("rural_collective") {
        Some(c) => Some(load_book(&mut tx, community, &c).await?),
        None => None,
    };
    Ok(PackBooks { company, collective })
}

/// Drafts the period's pack from the books as they stand now. A `reason` makes it a correction
/// of the period's published version.
pub async fn draft<S: DisclosureStore>(
    store: &S,
    community: &CommunityRow,
    period: &DisclosurePeriod,
    reason: &str,
    user: &str,
) -> Result<(DisclosureId, Content)> {
    let (content, row) = drafted(store, community, period, reason, user).await?;
    let mut tx = store.begin().await?;
    let id = tx.insert_draft(community.id, &row).await?;
    tx.commit().await?;
    Ok((id, content))
}

fn content_of(d: &DraftRow) -> Result<Content> {
    serde_json::from_str(&d.content).map_err(|e| Error::invalid("公示草稿", format!("草稿 {} 无法解读：{e}", d.id)))
}

/// What publishing a content adds: its version number, the version it corrects and what
/// changed against that one.
struct Plan {
    version: i64,
    corrects: Option<i64>,
    changes: Vec<String>,
}

/// The period's figures taken from the books now, and the draft row that keeps them.
async fn drafted<S: DisclosureStore>(
    store: &S,
    community: &CommunityRow,
    period: &DisclosurePeriod,
    reason: &str,
    user: &str,
) -> Result<(Content, DraftRow)> {
    crate::domain::limits::check_text(reason, 300).map_err(|e| Error::invalid("更正原因", e))?;
    let books = pack_books(store, community.id).await?;
    let content = build(store, community, &books, period, Utc::now()).await?;
    let row = draft_row(&content, reason, user)?;
    Ok((content, row))
}

/// Refuses a stored draft whose books changed after its figures were taken.
async fn unchanged_since<S: DisclosureStore>(store: &S, community: &CommunityRow, content: &Content) -> Result<()> {
    let period = DisclosurePeriod::parse(&content.period).ok_or_else(|| Error::invalid("公示期间", content.period.clone()))?;
    let books = pack_books(store, community.id).await?;
    let now = build(store, community, &books, &period, content.as_of).await?;
    let moved = pack::differences(content, &now);
    if !moved.is_empty() {
        return Err(Error::Conflict(format!("草稿编制后账簿已变动（{}），请重新编制草稿", moved.join("；"))));
    }
    Ok(())
}

/// The refusals of publishing, in one place for a stored draft and for `disclose --publish`:
/// its drafter as approver, a period whose books are not closed, a second version without a
/// reason, and a correction that changes nothing. (A stored draft is also checked against the
/// books, `unchanged_since`.)
async fn plan<S: DisclosureStore>(
    store: &S,
    community: &CommunityRow,
    content: &Content,
    drafter: &str,
    reason: &str,
    approver: &str,
) -> Result<Plan> {
    if drafter == approver {
        return Err(Error::invalid("审核人", format!("草稿由 {approver} 编制，须由另一位审核人审核发布")));
    }
    if let Some(open) = content.heads.iter().find(|h| !h.closed) {
        return Err(Error::invalid("公示期间", format!("账簿 {} 的 {} 尚未结账，结账后才能发布公示", open.book, content.to)));
    }
    let published = store.read().await?.publications(community.id).await?;
    match published.iter().filter(|p| p.period == content.period).max_by_key(|p| p.version) {
        None => Ok(Plan { version: 1, corrects: None, changes: Vec::new() }),
        Some(_) if reason.trim().is_empty() => Err(Error::invalid("公示", format!("{} 已发布；更正须写明更正原因", content.label))),
        Some(last) => {
            let old = published_content(store, community.id, last).await?;
            let changes = pack::differences(&old, content);
            if changes.is_empty() {
                return Err(Error::invalid("公示", format!("与已发布的第 {} 版相同，无需更正", last.version)));
            }
            Ok(Plan { version: last.version + 1, corrects: Some(last.version), changes })
        }
    }
}

/// Publishes a stored draft as the next version of its period (see [`plan`] for what is refused).
pub async fn publish<S: DisclosureStore>(
    store: &S,
    community: &CommunityRow,
    draft_id: DisclosureId,
    approver: &str,
) -> Result<PublicationRow> {
    let draft = store.read().await?.draft(community.id, draft_id).await?.ok_or_else(|| Error::not_found(format!("公示草稿 {draft_id}")))?;
    let content = content_of(&draft)?;
    let plan = plan(store, community, &content, &draft.drafted_by, &draft.reason, approver).await?;
    unchanged_since(store, community, &content).await?;
    let mut tx = store.begin().await?;
    let row = record(&mut tx, community, &content, &draft, approver, plan).await?;
    tx.commit().await?;
    Ok(row)
}

/// Drafts and publishes at once (`disclose --publish`): every refusal comes before anything
/// is written, and the draft, the publication and the witness record commit together.
pub async fn draft_and_publish<S: DisclosureStore>(
    store: &S,
    community: &CommunityRow,
    period: &DisclosurePeriod,
    reason: &str,
    user: &str,
    approver: &str,
) -> Result<PublicationRow> {
    // The figures were just taken from the books, so they need no second reading.
    let (content, mut draft) = drafted(store, community, period, reason, user).await?;
    let plan = plan(store, community, &content, user, reason, approver).await?;
    let mut tx = store.begin().await?;
    draft.id = tx.insert_draft(community.id, &draft).await?;
    let row = record(&mut tx, community, &content, &draft, approver, plan).await?;
    tx.commit().await?;
    Ok(row)
}

fn draft_row(content: &Content, reason: &str, user: &str) -> Result<DraftRow> {
    Ok(DraftRow {
        id: DisclosureId(0),
        period: content.period.clone(),
        content: serde_json::to_string(content).map_err(|e| Error::Conflict(e.to_string()))?,
        fingerprint: pack::fingerprint(content),
        reason: reason.trim().to_string(),
        drafted_by: user.to_string(),
        drafted_at: content.as_of,
    })
}

/// Writes the publication and the finance office's witness record, chained to its last.
async fn record<T: DisclosureTx>(
    tx: &mut T,
    community: &CommunityRow,
    content: &Content,
    draft: &DraftRow,
    approver: &str,
    plan: Plan,
) -> Result<PublicationRow> {
    let at = Utc::now();
    let changes = plan.changes.join("\n");
    let new = NewPublication {
        period: &content.period,
        version: plan.version,
        draft_id: draft.id,
        approved_by: approver,
        published_at: at,
        corrects: plan.corrects,
        changes: &changes,
    };
    tx.insert_publication(community.id, &new).await?;
    let prior = tx.witness_records(community.id).await?;
    let mut witness = WitnessRow {
        community_id: community.id,
        seq: prior.last().map_or(1, |w| w.seq + 1),
        period: content.period.clone(),
        version: plan.version,
        fingerprint: draft.fingerprint.clone(),
        heads: serde_json::to_string(&content.heads).map_err(|e| Error::Conflict(e.to_string()))?,
        prev_hash: prior.last().map_or_else(|| GENESIS.to_string(), |w| w.hash.clone()),
        hash: String::new(),
        recorded_at: at,
    };
    witness.hash = witness_hash(&witness);
    tx.insert_witness(&witness).await?;
    Ok(PublicationRow {
        period: content.period.clone(),
        version: plan.version,
        draft_id: draft.id,
        fingerprint: draft.fingerprint.clone(),
        drafted_by: draft.drafted_by.clone(),
        reason: draft.reason.clone(),
        approved_by: approver.to_string(),
        published_at: at,
        corrects: plan.corrects,
        changes,
    })
}

/// The first witness record's previous hash.
const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// SHA-256 over the previous hash and the record's fields, one per line.
pub fn witness_hash(w: &WitnessRow) -> String {
    let text = format!(
        "mingzhang-witness-v1\n{}\n{}\n{}\n{}\n{}\n{}\n{}\n{}",
        w.prev_hash,
        w.community_id,
        w.seq,
        w.period,
        w.version,
        w.fingerprint,
        w.heads,
        w.recorded_at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
    );
    hex::encode(Sha256::digest(text.as_bytes()))
}

async fn published_content<S: DisclosureStore>(store: &S, community: CommunityId, p: &PublicationRow) -> Result<Content> {
    let draft =
        store.read().await?.draft(community, p.draft_id).await?.ok_or_else(|| Error::not_found(format!("公示草稿 {}", p.draft_id)))?;
    content_of(&draft)
}

/// A published version as its pack, with the address of its online copy.
pub async fn published_pack<S: DisclosureStore>(store: &S, community: CommunityId, p: &PublicationRow, public_url: &str) -> Result<Pack> {
    let content = published_content(store, community, p).await?;
    let url = format!("{}/c/{}/disclosures/{}/v{}", public_url.trim_end_matches('/'), community.0, p.period, p.version);
    Ok(Pack {
        fingerprint: p.fingerprint.clone(),
        content,
        publication: Some(Publication {
            version: p.version,
            drafted_by: p.drafted_by.clone(),
            approved_by: p.approved_by.clone(),
            published_at: p.published_at,
            corrects: p.corrects,
            reason: p.reason.clone(),
            changes: p.changes.lines().map(str::to_string).collect(),
            url,
        }),
    })
}

/// `verify`'s part: every published version recomputed from the books at its cut-off and
/// compared figure by figure, its own arithmetic and fingerprints redone, the witness chain
/// walked, and every witnessed head found in its book's chain.
pub async fn verify<S: DisclosureStore>(store: &S, community: &CommunityRow, fail: &mut impl FnMut(u8, String)) -> Result<()> {
    let published = store.read().await?.publications(community.id).await?;
    let witnessed = store.read().await?.witness_records(community.id).await?;
    let books = if published.is_empty() { None } else { Some(pack_books(store, community.id).await?) };
    for p in &published {
        let pack = published_pack(store, community.id, p, "").await?;
        let label = format!("公示 {} 第 {} 版", p.period, p.version);
        // check_pack also compares the content with the fingerprint recorded at publication.
        for finding in check_pack(&pack) {
            fail(4, format!("{label}：{finding}"));
        }
        let (Some(books), Some(period)) = (books.as_ref(), DisclosurePeriod::parse(&p.period)) else { continue };
        match build(store, community, books, &period, pack.content.as_of).await {
            Ok(now) => {
                for d in pack::differences(&pack.content, &now) {
                    fail(4, format!("{label} 与账簿重算不符：{d}"));
                }
            }
            Err(e) => fail(4, format!("{label} 无法按账簿重算：{e}")),
        }
        if !witnessed.iter().any(|w| w.period == p.period && w.version == p.version && w.fingerprint == p.fingerprint) {
            fail(4, format!("{label}：街道财政所的见证记录中没有这一版（或指纹不同）"));
        }
    }
    for (w, holds) in witnessed.iter().zip(links_hold(&witnessed)) {
        if !holds {
            fail(4, format!("街道财政所见证记录第 {} 条（{} 第 {} 版）与链不符：记录被删改", w.seq, w.period, w.version));
        }
        if !published.iter().any(|p| p.period == w.period && p.version == w.version) {
            fail(4, format!("见证记录 {} 第 {} 版在公示中已不存在：公示被删除", w.period, w.version));
        }
        for a in witnessed_anchors(community, w) {
            if let Some(message) = check_anchor(store, &a).await? {
                fail(4, format!("见证记录 {} 第 {} 版的账簿链头：{message}", w.period, w.version));
            }
        }
    }
    Ok(())
}

/// For each witness record in order, whether it holds its place in the chain: numbered one
/// after the last, naming the last's hash, and its own hash over its fields.
pub fn links_hold(records: &[WitnessRow]) -> Vec<bool> {
    let mut prev = GENESIS;
    records
        .iter()
        .enumerate()
        .map(|(i, w)| {
            let holds = w.seq == i as i64 + 1 && w.prev_hash == prev && witness_hash(w) == w.hash;
            prev = &w.hash;
            holds
        })
        .collect()
}

/// A witness record's heads as anchors (`ledger::anchor`), for `verify` and `verify --anchor`.
pub fn witnessed_anchors(community: &CommunityRow, w: &WitnessRow) -> Vec<Anchor> {
    let heads: Vec<pack::Head> = serde_json::from_str(&w.heads).unwrap_or_default();
    heads
        .into_iter()
        .map(|h| Anchor { community: community.name.clone(), book: h.book, seq: h.chain_len, hash: h.chain_head, receipts: None })
        .collect()
}

/// Every published version of the community, newest first, with whether a later version of
/// its period superseded it.
pub async fn history<S: DisclosureStore>(store: &S, community: CommunityId) -> Result<Vec<(PublicationRow, bool)>> {
    let published = store.read().await?.publications(community).await?;
    Ok(published.iter().map(|p| (p.clone(), published.iter().any(|q| q.period == p.period && q.version > p.version))).collect())
}

/// The draft as a pack (not yet published), for its drafter and its reviewer.
pub async fn draft_pack<S: DisclosureStore>(store: &S, community: CommunityId, id: DisclosureId) -> Result<(DraftRow, Pack)> {
    let draft = store.read().await?.draft(community, id).await?.ok_or_else(|| Error::not_found(format!("公示草稿 {id}")))?;
    let content = content_of(&draft)?;
    Ok((draft.clone(), Pack { fingerprint: draft.fingerprint, content, publication: None }))
}

/// Publishes every closed month of `year` that has figures and is not yet published, then the
/// year itself once December is closed: what the demo does so that its public site shows a
/// year of 公示 at once. Returns the periods published.
pub async fn publish_year<S: DisclosureStore>(
    store: &S,
    community: &CommunityRow,
    year: i32,
    drafter: &str,
    approver: &str,
) -> Result<Vec<String>> {
    let mut done = Vec::new();
    let published: Vec<String> = store.read().await?.publications(community.id).await?.into_iter().map(|p| p.period).collect();
    let months = (1..=12).filter_map(|m| DisclosurePeriod::parse(&format!("{year}-{m:02}")));
    for period in months.chain(DisclosurePeriod::parse(&year.to_string())) {
        if published.contains(&period.key()) {
            continue;
        }
        match draft_and_publish(store, community, &period, "", drafter, approver).await {
            Ok(p) => done.push(p.period),
            // A month with no figures, or not closed yet, is simply not published.
            Err(Error::Invalid { .. }) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(done)
}
