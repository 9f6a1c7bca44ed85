//! The master data's history as one hash chain per community: every version of a household, a
//! unit's holding, a fee item, a fee standard and a meter reading, and of the rows of the other
//! wings that no voucher seals (a subsidy program, a disbursement the finance office records, a
//! budget, a public-revenue split rule, a member roster and its members, a fixed-asset card, a
//! decision to carry a program's balance over), in the order they were written. hash(n) = SHA-256(hash(n-1), newline, seq, kind, row id, content); the chain's
//! length and head are kept on the community's row, and every billing run seals the head it
//! billed from in its voucher (`RunSeal`). `verify` recomputes the chain and compares every
//! current row with its latest version, so a row changed behind the program's back, or a
//! history rewritten, is named.

use std::collections::HashMap;

use chrono::Utc;
use sha2::{Digest, Sha256};

use crate::domain::ids::CommunityId;
use crate::error::Result;
use crate::fees::seal::store::SealTx;
use crate::fees::store::FeesStore;
use crate::ledger::store::LedgerTx;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MasterKind {
    Household,
    Unit,
    FeeItem,
    FeeStandard,
    MeterReading,
    SubsidyProgram,
    Disbursement,
    Budget,
    RevenueRule,
    Roster,
    RosterMember,
    FixedAsset,
    Settlement,
    Signoff,
    Restore,
}

impl MasterKind {
    pub const ALL: [MasterKind; 15] = [
        MasterKind::Household,
        MasterKind::Unit,
        MasterKind::FeeItem,
        MasterKind::FeeStandard,
        MasterKind::MeterReading,
        MasterKind::SubsidyProgram,
        MasterKind::Disbursement,
        MasterKind::Budget,
        MasterKind::RevenueRule,
        MasterKind::Roster,
        MasterKind::RosterMember,
        MasterKind::FixedAsset,
        MasterKind::Settlement,
        MasterKind::Signoff,
        MasterKind::Restore,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            MasterKind::Household => "household",
            MasterKind::Unit => "unit",
            MasterKind::FeeItem => "fee_item",
            MasterKind::FeeStandard => "fee_standard",
            MasterKind::MeterReading => "meter_reading",
            MasterKind::SubsidyProgram => "subsidy_program",
            MasterKind::Disbursement => "disbursement",
            MasterKind::Budget => "budget",
            MasterKind::RevenueRule => "revenue_rule",
            MasterKind::Roster => "roster",
            MasterKind::RosterMember => "roster_member",
            MasterKind::FixedAsset => "fixed_asset",
            MasterKind::Settlement => "settlement",
            MasterKind::Signoff => "signoff",
            MasterKind::Restore => "restore",
        }
    }

    /// What a finding calls a row of this kind.
    pub fn label(self) -> &'static str {
        match self {
            MasterKind::Household => "住户",
            MasterKind::Unit => "车位等单元",
            MasterKind::FeeItem => "收费项目",
            MasterKind::FeeStandard => "收费标准",
            MasterKind::MeterReading => "抄表读数",
            MasterKind::SubsidyProgram => "补贴项目",
            MasterKind::Disbursement => "补贴拨付",
            MasterKind::Budget => "预算",
            MasterKind::RevenueRule => "公共收益分成规则",
            MasterKind::Roster => "成员名册",
            MasterKind::RosterMember => "名册成员",
            MasterKind::FixedAsset => "固定资产卡片",
            MasterKind::Settlement => "补贴结余处理",
            MasterKind::Signoff => "对账单签字",
            MasterKind::Restore => "恢复记录",
        }
    }
}

/// One version in the chain: what a row of `kind` said from `seq` on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MasterVersion {
    pub seq: i64,
    pub kind: String,
    pub row_id: i64,
    pub content: String,
}

/// A row's id in the chain from its key as the database renders it (pure): the id itself for a
/// table with one, else the first 8 bytes of the key's SHA-256 (a budget's book, year and
/// category; a member's roster and place).
pub fn row_id_of(key: &str) -> i64 {
    key.parse().unwrap_or_else(|_| {
        let digest = Sha256::digest(key.as_bytes());
        i64::from_le_bytes(digest[..8].try_into().expect("8 bytes")) & i64::MAX
    })
}

/// The next link of the chain (pure).
pub fn link(prev: &str, v: &MasterVersion) -> String {
    let mut h = Sha256::new();
    h.update(prev.as_bytes());
    h.update(b"\n");
    h.update(format!("{}\n{}\n{}\n", v.seq, v.kind, v.row_id).as_bytes());
    h.update(v.content.as_bytes());
    hex::encode(h.finalize())
}

/// The head after each version, in order (pure); the head of the empty chain is "".
pub fn heads(versions: &[MasterVersion]) -> Vec<String> {
    let mut prev = String::new();
    versions
        .iter()
        .map(|v| {
            prev = link(&prev, v);
            prev.clone()
        })
        .collect()
}

/// Records, in the caller's transaction, a version of every row of `kinds` that differs from
/// its latest one (or has none), and moves the community's head. A community's first record
/// covers every kind, so a book upgraded from before migration 0018 is sealed whole at its
/// first write of master data.
pub async fn record<T: SealTx>(tx: &mut T, community_id: CommunityId, kinds: &[MasterKind]) -> Result<()> {
    let (seq, _) = tx.master_head(community_id).await?;
    let kinds: &[MasterKind] = if seq == 0 { &MasterKind::ALL } else { kinds };
    let mut changed: Vec<(MasterKind, i64, String)> = Vec::new();
    for &kind in kinds {
        let latest: HashMap<i64, String> = tx.latest_master_versions(community_id, kind).await?.into_iter().collect();
        for (row_id, content) in tx.master_rows(community_id, kind).await? {
            if latest.get(&row_id) != Some(&content) {
                changed.push((kind, row_id, content));
            }
        }
    }
    if changed.is_empty() {
        return Ok(());
    }
    let (after, mut head) = tx.claim_master(community_id, changed.len() as i64).await?;
    let first = after - changed.len() as i64 + 1;
    let versions: Vec<MasterVersion> = changed
        .into_iter()
        .enumerate()
        .map(|(i, (kind, row_id, content))| MasterVersion { seq: first + i as i64, kind: kind.as_str().to_string(), row_id, content })
        .collect();
    for v in &versions {
        head = link(&head, v);
    }
    tx.insert_master_versions(community_id, &versions, Utc::now()).await?;
    tx.set_master_head(community_id, &head).await
}

/// A community's master-data head as it stood, kept outside the database with the books'
/// heads (`mingzhang anchor`): a rewound or rewritten history is caught against it even after
/// the last billing run.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct MasterAnchor {
    pub community: String,
    pub seq: i64,
    pub hash: String,
}

/// Every community's master-data head now.
pub async fn current_master_anchors<S: FeesStore>(store: &S) -> Result<Vec<MasterAnchor>> {
    let mut tx = store.read().await?;
    let mut out = Vec::new();
    for community in tx.communities().await? {
        let (seq, hash) = tx.master_head(community.id).await?;
        out.push(MasterAnchor { community: community.name, seq, hash });
    }
    Ok(out)
}

/// Whether the community's chain, recomputed, still has `anchor`'s head at its place; the
/// finding if not.
pub async fn check_master_anchor<S: FeesStore>(store: &S, anchor: &MasterAnchor) -> Result<Option<String>> {
    let mut tx = store.read().await?;
    let Some(community) = tx.communities().await?.into_iter().find(|c| c.name == anchor.community) else {
        return Ok(Some(format!("锚点所记的社区“{}”已不在库中", anchor.community)));
    };
    let versions = tx.master_versions(community.id).await?;
    let links = heads(&versions);
    let at = match anchor.seq {
        0 => Some(String::new()),
        seq => usize::try_from(seq - 1).ok().and_then(|i| links.get(i).cloned()),
    };
    Ok(match at {
        Some(hash) if hash == anchor.hash => None,
        Some(_) => Some(format!("基础资料链在第 {} 条处与锚点不符：历史被改写", anchor.seq)),
        None => Some(format!("基础资料链只有 {} 条，锚点记录到第 {} 条：记录被删除（链尾被回卷）", versions.len(), anchor.seq)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn version(seq: i64, content: &str) -> MasterVersion {
        MasterVersion { seq, kind: "household".into(), row_id: 7, content: content.into() }
    }

    #[test]
    fn each_head_depends_on_every_version_before_it() {
        let a = heads(&[version(1, "[1]"), version(2, "[2]")]);
        let b = heads(&[version(1, "[9]"), version(2, "[2]")]);
        assert_eq!(a.len(), 2);
        assert_ne!(a[0], b[0]);
        assert_ne!(a[1], b[1], "a rewritten first version changes the head after the second");
        assert_eq!(a[1], link(&a[0], &version(2, "[2]")));
        assert_ne!(link("", &version(1, "[1]")), link("", &version(2, "[1]")), "the place in the chain is sealed");
    }
}
